package fleet

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/redis/go-redis/v9/maintnotifications"

	"github.com/persistwatch/redis-persistence-datasource/internal/measure"
	"github.com/persistwatch/redis-persistence-datasource/internal/redistest"
	"github.com/persistwatch/redis-persistence-datasource/pkg/info"
)

// Measuring helpers: /proc figures of a process, the servers' own counters (CPU time and
// percentiles are in internal/measure).

// parseProcStatPPidState returns the parent pid (field 4) and state (field 3).
func parseProcStatPPidState(stat string) (ppid int, state string, err error) {
	end := strings.LastIndexByte(stat, ')')
	if end < 0 {
		return 0, "", fmt.Errorf("no command name in /proc stat %q", stat)
	}
	fields := strings.Fields(stat[end+1:])
	if len(fields) < 2 {
		return 0, "", fmt.Errorf("short /proc stat %q", stat)
	}
	ppid, err = strconv.Atoi(fields[1])
	return ppid, fields[0], err
}

// selfCPU is this process's CPU time (every thread, GC included) from getrusage.
func selfCPU() (time.Duration, error) {
	var usage syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &usage); err != nil {
		return 0, err
	}
	return time.Duration(usage.Utime.Nano() + usage.Stime.Nano()), nil
}

// processCPU is measure.ProcCPU for another process and getrusage for this one (pid 0 or our own).
func processCPU(pid int) (time.Duration, error) {
	if pid == 0 || pid == os.Getpid() {
		return selfCPU()
	}
	return measure.ProcCPU(pid)
}

// procStatusKB reads one "Key:   123 kB" line of /proc/<pid>/status (VmHWM, VmRSS, RssAnon...).
func procStatusKB(pid int, key string) (int64, error) {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	return parseStatusKB(string(raw), key)
}

func parseStatusKB(status, key string) (int64, error) {
	for line := range strings.SplitSeq(status, "\n") {
		name, value, ok := strings.Cut(line, ":")
		if !ok || name != key {
			continue
		}
		fields := strings.Fields(value)
		if len(fields) != 2 || fields[1] != "kB" {
			return 0, fmt.Errorf("/proc status line %q is not a size in kB", line)
		}
		return strconv.ParseInt(fields[0], 10, 64)
	}
	return 0, fmt.Errorf("no %s in /proc status", key)
}

// resetPeakRSS makes the kernel start VmHWM afresh from the current RSS (clear_refs 5, Linux 4.0+).
// The bare contender runs inside this test process, whose peak would otherwise be whatever the
// harness reached before.
func resetPeakRSS(pid int) error {
	return os.WriteFile(fmt.Sprintf("/proc/%d/clear_refs", pid), []byte("5"), 0)
}

// liveChildren lists the processes whose parent is ppid and that are not zombies.
func liveChildren(ppid int) ([]string, error) {
	stats, err := filepath.Glob("/proc/[0-9]*/stat")
	if err != nil {
		return nil, err
	}
	var found []string
	for _, path := range stats {
		raw, err := os.ReadFile(path)
		if err != nil {
			continue // gone meanwhile
		}
		parent, state, err := parseProcStatPPidState(string(raw))
		if err != nil || parent != ppid || state == "Z" || state == "X" {
			continue
		}
		stat := string(raw)
		found = append(found, stat[:strings.LastIndexByte(stat, ')')+1])
	}
	return found, nil
}

// counters are what one `INFO stats commandstats` says about the traffic a server has seen.
type counters struct {
	connections int64 // total_connections_received
	infoCalls   int64 // cmdstat_info calls
}

func parseCounters(text string) (counters, error) {
	fields := info.Parse(text)
	var c counters
	var ok bool
	if c.connections, ok = fields.Int("total_connections_received"); !ok {
		return counters{}, fmt.Errorf("total_connections_received is not an integer in %.200q", text)
	}
	// cmdstat_info:calls=12,usec=345,usec_per_call=28.75,rejected_calls=0,failed_calls=0. The line
	// is missing until the first INFO has completed.
	stat, ok := fields.String("cmdstat_info")
	if !ok {
		return c, nil
	}
	for part := range strings.SplitSeq(stat, ",") {
		if value, ok := strings.CutPrefix(part, "calls="); ok {
			var err error
			if c.infoCalls, err = strconv.ParseInt(value, 10, 64); err != nil {
				return counters{}, fmt.Errorf("cmdstat_info %q: %w", stat, err)
			}
			return c, nil
		}
	}
	return counters{}, fmt.Errorf("cmdstat_info %q has no calls=", stat)
}

// fleet is the nodes the contenders poll (their addresses) and where their figures come from:
// real servers (newFleet) or farm processes replaying a recording (newFarmFleet).
type fleet struct {
	addrs []string
	// counts sums what the nodes have seen so far: connections accepted, INFO calls served.
	counts func() (counters, error)
	// ownInfo is the INFO calls one counts call itself makes the nodes serve.
	ownInfo int64
	// rssAnon sums the private resident memory of the processes serving the nodes, in kB.
	rssAnon func() (int64, error)
	// serving are the processes serving all the nodes, measured (CPU, peak RSS) beside each
	// contender: the farm's; nil for real servers, one process per node.
	serving []int
	close   func()
}

// newFleet is a fleet of real servers plus one measuring connection per server, opened before any
// measurement so that it never counts as a connection opened by a contender.
func newFleet(servers []*redistest.Server) (*fleet, error) {
	var meters []*redis.Client
	closeMeters := func() {
		for _, m := range meters {
			_ = m.Close()
		}
	}
	f := &fleet{ownInfo: int64(len(servers)), close: closeMeters}
	for _, s := range servers {
		f.addrs = append(f.addrs, s.Addr)
		options := s.ClientOptions()
		options.PoolSize = 1
		options.MaxRetries = -1
		options.Protocol = 2
		options.ConnMaxIdleTime = -1 // never closed and reopened while measuring
		options.MaintNotificationsConfig = &maintnotifications.Config{Mode: maintnotifications.ModeDisabled}
		meters = append(meters, redis.NewClient(options))
	}
	err := fanOut(context.Background(), len(servers), 16, func(ctx context.Context, i int) error {
		return meters[i].Ping(ctx).Err()
	})
	if err != nil {
		closeMeters()
		return nil, err
	}
	// Every server's own counters. It costs every server one INFO of its own; that INFO is not in
	// its own reply (a command's stats are counted after it has run) but is in the next
	// snapshot's, which delta takes out (ownInfo).
	f.counts = func() (counters, error) {
		var connections, infoCalls atomic.Int64
		err := fanOut(context.Background(), len(servers), 16, func(ctx context.Context, i int) error {
			text, err := meters[i].Info(ctx, "stats", "commandstats").Result()
			if err != nil {
				return fmt.Errorf("%s: %w", servers[i].Addr, err)
			}
			c, err := parseCounters(text)
			if err != nil {
				return fmt.Errorf("%s: %w", servers[i].Addr, err)
			}
			connections.Add(c.connections)
			infoCalls.Add(c.infoCalls)
			return nil
		})
		return counters{connections: connections.Load(), infoCalls: infoCalls.Load()}, err
	}
	// Each server's private memory (RssAnon) is what it costs; the binary's pages (RssFile) are
	// shared between them and left out.
	f.rssAnon = func() (int64, error) {
		var kb int64
		for _, s := range servers {
			n, err := procStatusKB(s.Pid, "RssAnon")
			if err != nil {
				return 0, fmt.Errorf("redis-server pid %d: %w", s.Pid, err)
			}
			kb += n
		}
		return kb, nil
	}
	return f, nil
}

// snapshot sums the nodes' counters.
func (f *fleet) snapshot() (counters, error) { return f.counts() }

// delta is what happened between two snapshots, less the earlier snapshot's own INFO calls.
func (f *fleet) delta(before, after counters) counters {
	return counters{
		connections: after.connections - before.connections,
		infoCalls:   after.infoCalls - before.infoCalls - f.ownInfo,
	}
}

// rssAnonMB is rssAnon in MB.
func (f *fleet) rssAnonMB() (float64, error) {
	kb, err := f.rssAnon()
	return float64(kb) / 1024, err
}

// fanOut calls fn(i) for i in [0, n) on at most limit goroutines and returns the first error.
func fanOut(ctx context.Context, n, limit int, fn func(ctx context.Context, i int) error) error {
	workers := min(limit, n)
	if workers <= 1 {
		for i := range n {
			if err := fn(ctx, i); err != nil {
				return err
			}
		}
		return nil
	}
	var next atomic.Int64
	var first error
	var once sync.Once
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				if err := fn(ctx, i); err != nil {
					once.Do(func() { first = err })
				}
			}
		}()
	}
	wg.Wait()
	return first
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func parseSizes(list string) ([]int, error) {
	var sizes []int
	for part := range strings.SplitSeq(list, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(part))
		if err != nil || n < 1 {
			return nil, fmt.Errorf("-fleet.sizes %q: %q is not a positive number", list, part)
		}
		sizes = append(sizes, n)
	}
	return sizes, nil
}

// settle waits, up to limit, until the CPUs have been under 10% pressure over the last 10 s. It
// returns how long it waited and the last pressure read (-1 on a kernel without pressure stall
// information, which is not waited for).
func settle(limit time.Duration) (waited time.Duration, pressure float64, err error) {
	began := time.Now()
	for {
		raw, err := os.ReadFile("/proc/pressure/cpu")
		if os.IsNotExist(err) {
			return 0, -1, nil
		}
		if err != nil {
			return 0, 0, err
		}
		if pressure, err = cpuPressure(string(raw)); err != nil {
			return 0, 0, err
		}
		if pressure < 10 || time.Since(began) >= limit {
			return time.Since(began), pressure, nil
		}
		time.Sleep(2 * time.Second)
	}
}

// cpuPressure reads avg10 of the "some" line of /proc/pressure/cpu: the share of the last 10 s in
// which some runnable task waited for a CPU.
func cpuPressure(text string) (float64, error) {
	for line := range strings.SplitSeq(text, "\n") {
		fields := strings.Fields(line)
		if len(fields) < 2 || fields[0] != "some" {
			continue
		}
		if value, ok := strings.CutPrefix(fields[1], "avg10="); ok {
			return strconv.ParseFloat(value, 64)
		}
	}
	return 0, fmt.Errorf("no some avg10= in /proc/pressure/cpu: %q", text)
}
