package fleet

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/redis/go-redis/v9/maintnotifications"

	"github.com/persistwatch/redis-persistence-datasource/internal/pluginhost"
	"github.com/persistwatch/redis-persistence-datasource/internal/redistest"
	"github.com/persistwatch/redis-persistence-datasource/internal/respfarm"
)

// The farm mode (-fleet.farm): the nodes are ports of farm processes (tests/fleet/farm) that
// replay a recording; farm_bench_test.go records it from a real server.

// farmFdsPerNode is what a farm process holds per node: its listener and the one connection a
// contender keeps open to it.
const farmFdsPerNode = 2

// farmFdsSpare is left in each farm process for its pipes, the runtime and a contender's
// connections that linger while the next contender connects.
const farmFdsSpare = 500

// farmPortLow is the lowest port a farm listens on; the highest is below the ephemeral range, so
// that its listeners never take the ports the contenders' sockets are given.
const farmPortLow = 10000

// raiseFdLimit sets the soft limit of open files to the hard one. Go raises its own soft limit
// at start-up anyway but gives children the original one; an explicit Setrlimit is inherited
// by every child (plugin, farm, redis-server). It returns the new limit.
func raiseFdLimit() (uint64, error) {
	var limit syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &limit); err != nil {
		return 0, err
	}
	limit.Cur = limit.Max
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &limit); err != nil {
		return 0, err
	}
	return limit.Cur, nil
}

// ephemeralLow is the first port of the kernel's ephemeral range.
func ephemeralLow() (int, error) {
	raw, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range")
	if err != nil {
		return 0, err
	}
	fields := strings.Fields(string(raw))
	if len(fields) != 2 {
		return 0, fmt.Errorf("ip_local_port_range %q", raw)
	}
	return strconv.Atoi(fields[0])
}

// farmPlan splits n nodes over farm processes: as few as fit, each on an address of its own
// (127.0.0.1, 127.0.0.2, ...) and the same port range, so that two farm processes never compete
// for a port. why says what bounded a process's share.
type farmPlan struct {
	processes    int
	perProcess   int
	portLow      int
	portHigh     int
	why          string
	fdLimit      uint64
	ephemeralLow int
}

func planFarm(n int, fdLimit uint64, ephemeral int) (farmPlan, error) {
	plan := farmPlan{portLow: farmPortLow, portHigh: ephemeral - 1, fdLimit: fdLimit, ephemeralLow: ephemeral}
	ports := plan.portHigh - plan.portLow + 1
	byFds := (int(fdLimit) - farmFdsSpare) / farmFdsPerNode
	byPorts := ports * 9 / 10 // room for ports someone else holds
	if byFds < 1 || byPorts < 1 {
		return plan, fmt.Errorf("no room for a farm: fd limit %d, ports %d-%d", fdLimit, plan.portLow, plan.portHigh)
	}
	plan.perProcess = min(byFds, byPorts)
	plan.processes = (n + plan.perProcess - 1) / plan.perProcess
	if plan.processes > 1 {
		bound := fmt.Sprintf("%d fds per process (limit %d, %d per node, %d spare)", byFds, fdLimit, farmFdsPerNode, farmFdsSpare)
		if byPorts < byFds {
			bound = fmt.Sprintf("%d ports below the ephemeral range (%d-%d) per address", byPorts, plan.portLow, plan.portHigh)
		}
		plan.why = fmt.Sprintf("%d nodes do not fit one farm process: at most %s", n, bound)
	}
	plan.perProcess = (n + plan.processes - 1) / plan.processes // even shares
	return plan, nil
}

// farmProcess is one running farm, talked to over its stdin and stdout.
type farmProcess struct {
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	stdout *bufio.Reader
	done   chan struct{}
	logs   *redistest.LogTail
	addrs  []string
}

func startFarmProcess(binary, recording, ip string, plan farmPlan, n int) (*farmProcess, error) {
	p := &farmProcess{logs: redistest.NewLogTail(64 << 10), done: make(chan struct{})}
	p.cmd = exec.Command(binary, "-recording", recording, "-ip", ip,
		"-ports", fmt.Sprintf("%d-%d", plan.portLow, plan.portHigh), "-n", strconv.Itoa(n))
	p.cmd.Stderr = p.logs
	p.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	var err error
	if p.stdin, err = p.cmd.StdinPipe(); err != nil {
		return nil, err
	}
	stdout, err := p.cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	p.stdout = bufio.NewReader(stdout)
	if err := p.cmd.Start(); err != nil {
		return nil, err
	}
	go func() {
		_ = p.cmd.Wait()
		close(p.done)
	}()
	var ready struct{ Addrs []string }
	if err := p.readLine(&ready); err != nil {
		p.close()
		return nil, err
	}
	if len(ready.Addrs) != n {
		p.close()
		return nil, fmt.Errorf("farm on %s listens on %d ports, want %d", ip, len(ready.Addrs), n)
	}
	p.addrs = ready.Addrs
	return p, nil
}

func (p *farmProcess) readLine(v any) error {
	line, err := p.stdout.ReadBytes('\n')
	if err != nil {
		return fmt.Errorf("farm pid %d: %v; stderr:\n%s", p.cmd.Process.Pid, err, p.logs)
	}
	return json.Unmarshal(line, v)
}

func (p *farmProcess) counts() (respfarm.Counts, error) {
	var c respfarm.Counts
	if _, err := io.WriteString(p.stdin, "counts\n"); err != nil {
		return c, fmt.Errorf("farm pid %d: %v; stderr:\n%s", p.cmd.Process.Pid, err, p.logs)
	}
	return c, p.readLine(&c)
}

// close ends the farm: it exits when its stdin closes, or is killed.
func (p *farmProcess) close() {
	_ = p.stdin.Close()
	select {
	case <-p.done:
	case <-time.After(10 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.done
	}
}

// newFarmFleet starts the farm processes of plan, n nodes in all, and makes them a fleet whose
// counters are the farms' own. A request any farm could not answer from the recording makes the
// counters fail: the contender sent something that was not recorded.
func newFarmFleet(binary, recording string, plan farmPlan, n int) (*fleet, error) {
	var farms []*farmProcess
	closeAll := func() {
		for _, p := range farms {
			p.close()
		}
	}
	f := &fleet{close: closeAll}
	for i := range plan.processes {
		share := min(plan.perProcess, n-i*plan.perProcess)
		p, err := startFarmProcess(binary, recording, fmt.Sprintf("127.0.0.%d", i+1), plan, share)
		if err != nil {
			closeAll()
			return nil, err
		}
		farms = append(farms, p)
		f.addrs = append(f.addrs, p.addrs...)
		f.serving = append(f.serving, p.cmd.Process.Pid)
	}
	f.counts = func() (counters, error) {
		var sum counters
		for _, p := range farms {
			c, err := p.counts()
			if err != nil {
				return sum, err
			}
			if len(c.Unmatched) > 0 {
				return sum, fmt.Errorf("farm pid %d got requests with no recording: %v; first: %s", p.cmd.Process.Pid, c.Unmatched, c.FirstMiss)
			}
			sum.connections += c.Connections
			sum.infoCalls += c.Commands["INFO"]
		}
		return sum, nil
	}
	f.rssAnon = func() (int64, error) { return sumStatusKB(f.serving, "RssAnon") }
	return f, nil
}

func sumStatusKB(pids []int, key string) (int64, error) {
	var kb int64
	for _, pid := range pids {
		n, err := procStatusKB(pid, key)
		if err != nil {
			return 0, fmt.Errorf("pid %d: %w", pid, err)
		}
		kb += n
	}
	return kb, nil
}

// buildFarm compiles tests/fleet/farm into dir.
func buildFarm(dir string) (string, error) {
	binary := filepath.Join(dir, "farm")
	return binary, pluginhost.Build("farm", binary)
}

// TestFarmFleet runs two farm processes of a hand-made recording as one fleet of three nodes:
// their counters add up, a request with no recording makes them fail, and closing the fleet ends
// the processes.
func TestFarmFleet(t *testing.T) {
	dir := t.TempDir()
	binary, err := buildFarm(dir)
	if err != nil {
		t.Fatal(err)
	}
	recording := filepath.Join(dir, "recording.json")
	infoText := "# Persistence\r\naof_enabled:1\r\n"
	if err := respfarm.Save(recording, []respfarm.Pair{
		{Request: []byte("*2\r\n$5\r\nhello\r\n$1\r\n2\r\n"), Reply: []byte("*2\r\n$6\r\nserver\r\n$5\r\nredis\r\n")},
		{Request: []byte("*2\r\n$4\r\ninfo\r\n$11\r\npersistence\r\n"), Reply: fmt.Appendf(nil, "$%d\r\n%s\r\n", len(infoText), infoText)},
	}); err != nil {
		t.Fatal(err)
	}
	ephemeral, err := ephemeralLow()
	if err != nil {
		t.Fatal(err)
	}
	plan := farmPlan{processes: 2, perProcess: 2, portLow: farmPortLow, portHigh: ephemeral - 1}
	f, err := newFarmFleet(binary, recording, plan, 3)
	if err != nil {
		t.Fatal(err)
	}
	closed := false
	defer func() {
		if !closed {
			f.close()
		}
	}()
	if len(f.addrs) != 3 || len(f.serving) != 2 || !strings.HasPrefix(f.addrs[2], "127.0.0.2:") {
		t.Fatalf("addresses %v, farm pids %v: want 3 nodes, the third on 127.0.0.2, in 2 processes", f.addrs, f.serving)
	}
	before, err := f.snapshot()
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	var clients []*redis.Client
	for _, addr := range f.addrs {
		c := redis.NewClient(&redis.Options{Addr: addr, Protocol: 2, DisableIdentity: true, MaxRetries: -1,
			MaintNotificationsConfig: &maintnotifications.Config{Mode: maintnotifications.ModeDisabled}})
		defer c.Close()
		clients = append(clients, c)
		for range 2 {
			if text, err := c.Info(ctx, "persistence").Result(); err != nil || text != infoText {
				t.Fatalf("%s: INFO %q, %v", addr, text, err)
			}
		}
	}
	after, err := f.snapshot()
	if err != nil {
		t.Fatal(err)
	}
	if d, want := f.delta(before, after), (counters{connections: 3, infoCalls: 6}); d != want {
		t.Errorf("3 nodes, one connection and 2 INFO each: %+v, want %+v", d, want)
	}
	if kb, err := f.rssAnon(); err != nil || kb <= 0 {
		t.Errorf("farm RssAnon %d kB, err %v", kb, err)
	}

	if err := clients[2].Get(ctx, "key").Err(); err == nil || !strings.Contains(err.Error(), "GET") {
		t.Fatalf("GET with no recording: %v, want the farm's error", err)
	}
	if _, err := f.snapshot(); err == nil || !strings.Contains(err.Error(), "GET") {
		t.Errorf("the counters after an unmatched GET: %v, want an error naming GET", err)
	}

	f.close()
	closed = true
	if left, err := liveChildren(os.Getpid()); err != nil || len(left) > 0 {
		t.Errorf("after closing the fleet: children %v, err %v", left, err)
	}
}
