// Command farm serves a recording (internal/respfarm) on many loopback ports: thousands of Redis
// nodes for the fleet benchmark (-fleet.farm) in one process. It binds -n ports of -ports on -ip,
// skipping ports in use, prints {"addrs":[...]} as its first line on stdout, then answers each
// "counts" line on stdin with a line of respfarm.Counts JSON. It exits when stdin closes.
package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"syscall"

	"github.com/persistwatch/redis-persistence-datasource/internal/respfarm"
)

func main() {
	recording := flag.String("recording", "", "file of recorded pairs (respfarm.Save)")
	ip := flag.String("ip", "127.0.0.1", "loopback address to listen on")
	ports := flag.String("ports", "10000-32767", "range of ports to listen on, inclusive")
	n := flag.Int("n", 1, "how many ports to listen on")
	flag.Parse()
	if err := run(*recording, *ip, *ports, *n); err != nil {
		fmt.Fprintln(os.Stderr, "farm:", err)
		os.Exit(1)
	}
}

func run(recording, ip, ports string, n int) error {
	pairs, err := respfarm.Load(recording)
	if err != nil {
		return err
	}
	farm, err := respfarm.New(pairs)
	if err != nil {
		return err
	}
	low, high, err := portRange(ports)
	if err != nil {
		return err
	}
	var addrs []string
	for port := low; port <= high && len(addrs) < n; port++ {
		listener, err := net.Listen("tcp", net.JoinHostPort(ip, strconv.Itoa(port)))
		if errors.Is(err, syscall.EADDRINUSE) {
			continue // someone else's; the range has room to spare
		}
		if err != nil {
			return err
		}
		addrs = append(addrs, listener.Addr().String())
		go func() {
			if err := farm.Serve(listener); err != nil {
				fmt.Fprintln(os.Stderr, "farm:", err)
				os.Exit(1)
			}
		}()
	}
	if len(addrs) < n {
		return fmt.Errorf("only %d of %d ports free in %s on %s", len(addrs), n, ports, ip)
	}
	out := json.NewEncoder(os.Stdout)
	if err := out.Encode(map[string][]string{"addrs": addrs}); err != nil {
		return err
	}
	lines := bufio.NewScanner(os.Stdin)
	for lines.Scan() {
		if lines.Text() != "counts" {
			return fmt.Errorf("unknown control line %q", lines.Text())
		}
		if err := out.Encode(farm.Counts()); err != nil {
			return err
		}
	}
	return lines.Err()
}

func portRange(s string) (int, int, error) {
	lo, hi, ok := strings.Cut(s, "-")
	low, err1 := strconv.Atoi(lo)
	high, err2 := strconv.Atoi(hi)
	if !ok || err1 != nil || err2 != nil || low < 1 || high > 65535 || low > high {
		return 0, 0, fmt.Errorf("-ports %q is not a range like 10000-32767", s)
	}
	return low, high, nil
}
