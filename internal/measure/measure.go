// Package measure holds the measuring helpers the benchmarks share: a process's CPU time from
// /proc, nearest-rank percentiles and the machine's load.
package measure

import (
	"fmt"
	"math"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"
)

// userHZ is the unit of utime and stime in /proc/<pid>/stat: USER_HZ, 100 on every Linux ABI Go
// supports (the kernel converts its internal HZ to it).
const userHZ = 100

// ProcCPU is the CPU time (user + system, every thread, exited threads included) of a process
// from /proc/<pid>/stat. Its resolution is 1/userHZ, 10 ms.
func ProcCPU(pid int) (time.Duration, error) {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	return ParseProcStatCPU(string(raw))
}

// ParseProcStatCPU reads utime and stime (fields 14 and 15) of a /proc/<pid>/stat line. The
// command name (field 2) is in parentheses and may itself hold spaces and parentheses, so the
// fields are counted from the last ')'.
func ParseProcStatCPU(stat string) (time.Duration, error) {
	end := strings.LastIndexByte(stat, ')')
	if end < 0 {
		return 0, fmt.Errorf("no command name in /proc stat %q", stat)
	}
	fields := strings.Fields(stat[end+1:]) // fields[0] is field 3, the state
	if len(fields) < 13 {
		return 0, fmt.Errorf("/proc stat has %d fields after the name, want at least 13: %q", len(fields), stat)
	}
	var ticks int64
	for _, f := range fields[11:13] {
		n, err := strconv.ParseInt(f, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("/proc stat utime/stime %q: %w", f, err)
		}
		ticks += n
	}
	return time.Duration(ticks) * time.Second / userHZ, nil
}

// Percentile is the nearest-rank percentile of the samples (p in (0, 100]); it leaves them in
// their order.
func Percentile(samples []time.Duration, p float64) time.Duration {
	if len(samples) == 0 {
		return 0
	}
	sorted := append([]time.Duration(nil), samples...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i] < sorted[j] })
	rank := int(math.Ceil(p / 100 * float64(len(sorted))))
	return sorted[min(max(rank, 1), len(sorted))-1]
}

// LoadAverage is the 1, 5 and 15 minute load averages from /proc/loadavg, for the header of a
// benchmark's results: other work on the machine moves every figure.
func LoadAverage() string {
	raw, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	fields := strings.Fields(string(raw))
	if len(fields) < 3 {
		return "?"
	}
	return strings.Join(fields[:3], " ")
}
