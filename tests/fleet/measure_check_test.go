package fleet

import (
	"os"
	"runtime"
	"runtime/debug"
	"strings"
	"testing"
	"time"

	"github.com/persistwatch/redis-persistence-datasource/internal/measure"
)

// Tests of the measuring helpers: they run in `go test ./tests/fleet` (and so in make test);
// the benchmark itself does not.

func TestParseProcStatPPidState(t *testing.T) {
	// A command name with a space and a parenthesis, as /proc prints it.
	stat := "4242 (gpx (x) y) S 1 4242 4242 0 -1 4194560 1000 0 0 0 250 75 0 0 20 0 12 0 99 123456 789 18446744073709551615\n"
	ppid, state, err := parseProcStatPPidState(stat)
	if err != nil || ppid != 1 || state != "S" {
		t.Errorf("ppid %d state %q err %v, want 1 S", ppid, state, err)
	}
}

// TestProcFiguresOfThisProcess reads the real /proc files of the test process.
func TestProcFiguresOfThisProcess(t *testing.T) {
	hwm, err := procStatusKB(os.Getpid(), "VmHWM")
	if err != nil || hwm < 1024 {
		t.Errorf("VmHWM %d kB, err %v: want at least 1 MB", hwm, err)
	}
	if _, err := procStatusKB(os.Getpid(), "NoSuchKey"); err == nil {
		t.Error("a missing key was found")
	}
	// Burn 200 ms of this process's CPU, measured as CPU rather than wall time: on a busy machine
	// 200 ms of wall time can be far less CPU.
	start, err := selfCPU()
	if err != nil {
		t.Fatal(err)
	}
	spins := 0
	for used := start; used-start < 200*time.Millisecond; spins++ {
		if spins%100000 == 0 {
			if used, err = selfCPU(); err != nil {
				t.Fatal(err)
			}
		}
	}
	t.Logf("%d spins", spins)
	fromStat, err := measure.ProcCPU(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	fromRusage, err := selfCPU()
	if err != nil {
		t.Fatal(err)
	}
	// Both count every thread of this process; stat in 10 ms ticks, sampled, so only roughly.
	if fromRusage < 150*time.Millisecond || fromStat < fromRusage/2 || fromStat > fromRusage+50*time.Millisecond {
		t.Errorf("CPU from /proc stat %v, from getrusage %v: want them close and at least 150 ms", fromStat, fromRusage)
	}

	// A 64 MiB peak, given back to the OS, then a reset: the peak starts again from the RSS.
	touchMemory(64 << 20)
	debug.FreeOSMemory()
	before, _ := procStatusKB(os.Getpid(), "VmHWM")
	if err := resetPeakRSS(os.Getpid()); err != nil {
		t.Fatalf("clear_refs: %v (the bare contender's peak would include the harness's)", err)
	}
	after, _ := procStatusKB(os.Getpid(), "VmHWM")
	rss, _ := procStatusKB(os.Getpid(), "VmRSS")
	if before < 64<<10 || after > before-32<<10 || after > rss+1024 {
		t.Errorf("VmHWM %d kB before a reset, %d kB after, VmRSS %d kB: want the 64 MiB peak gone", before, after, rss)
	}
}

func TestParseCounters(t *testing.T) {
	text := "# Stats\r\ntotal_connections_received:17\r\ntotal_commands_processed:40\r\n\r\n" +
		"# Commandstats\r\ncmdstat_ping:calls=3,usec=2,usec_per_call=0.67,rejected_calls=0,failed_calls=0\r\n" +
		"cmdstat_info:calls=12,usec=345,usec_per_call=28.75,rejected_calls=0,failed_calls=0\r\n"
	got, err := parseCounters(text)
	if err != nil {
		t.Fatal(err)
	}
	if got != (counters{connections: 17, infoCalls: 12}) {
		t.Errorf("counters %+v, want 17 connections and 12 INFO calls", got)
	}
	// Before the first INFO has completed there is no cmdstat_info line.
	if got, err := parseCounters("total_connections_received:2\r\n"); err != nil || got.infoCalls != 0 {
		t.Errorf("counters %+v err %v, want 0 INFO calls", got, err)
	}
	if _, err := parseCounters("cmdstat_info:calls=1\r\n"); err == nil {
		t.Error("a reply without total_connections_received parsed")
	}
}

func TestParseSizes(t *testing.T) {
	got, err := parseSizes("1, 10,1000")
	if err != nil || len(got) != 3 || got[2] != 1000 {
		t.Errorf("sizes %v err %v", got, err)
	}
	for _, bad := range []string{"", "1,,2", "0", "ten"} {
		if _, err := parseSizes(bad); err == nil {
			t.Errorf("%q parsed", bad)
		}
	}
}

// touchMemory allocates size bytes and writes to every page, so that they count in the RSS.
func touchMemory(size int) {
	memory := make([]byte, size)
	for i := 0; i < len(memory); i += 4096 {
		memory[i] = 1
	}
	runtime.KeepAlive(memory)
}

func TestPlanFarm(t *testing.T) {
	// 1,000 nodes fit one process.
	plan, err := planFarm(1000, 20000, 32768)
	if err != nil || plan.processes != 1 || plan.perProcess != 1000 || plan.why != "" {
		t.Errorf("1,000 nodes: %+v, %v; want one process, no reason", plan, err)
	}
	// 10,000 nodes need 20,000 fds plus spares: two processes of 5,000, bound by fds.
	plan, err = planFarm(10000, 20000, 32768)
	if err != nil || plan.processes != 2 || plan.perProcess != 5000 || !strings.Contains(plan.why, "fds") {
		t.Errorf("10,000 nodes: %+v, %v; want two processes of 5,000, bound by fds", plan, err)
	}
	if plan.portHigh != 32767 {
		t.Errorf("ports up to %d, want up to 32767, below the ephemeral range", plan.portHigh)
	}
	// A low ephemeral range bounds a process's share by ports instead.
	plan, err = planFarm(5000, 20000, farmPortLow+2000)
	if err != nil || plan.processes != 3 || !strings.Contains(plan.why, "ports") {
		t.Errorf("5,000 nodes, 2,000 ports: %+v, %v; want three processes, bound by ports", plan, err)
	}
	if _, err := planFarm(10, 20000, farmPortLow); err == nil {
		t.Error("an ephemeral range starting at the farm's lowest port left room for a farm")
	}
}

func TestCPUPressure(t *testing.T) {
	text := "some avg10=98.64 avg60=98.56 avg300=85.20 total=1290893906\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=0\n"
	if got, err := cpuPressure(text); err != nil || got != 98.64 {
		t.Fatalf("cpuPressure = %v, %v; want 98.64", got, err)
	}
	if _, err := cpuPressure("full avg10=1.00\n"); err == nil {
		t.Fatal("a text without a some line read as a pressure")
	}
}
