package measure

import (
	"os"
	"testing"
	"time"
)

func TestParseProcStatCPU(t *testing.T) {
	// A command name with a space and a parenthesis, as /proc prints it; utime 250 and stime 75
	// ticks are fields 14 and 15.
	stat := "4242 (gpx (x) y) S 1 4242 4242 0 -1 4194560 1000 0 0 0 250 75 0 0 20 0 12 0 99 123456 789 18446744073709551615\n"
	got, err := ParseProcStatCPU(stat)
	if err != nil {
		t.Fatal(err)
	}
	if want := 3250 * time.Millisecond; got != want {
		t.Errorf("CPU %v, want %v", got, want)
	}
	if _, err := ParseProcStatCPU("4242 (short) S 1 2"); err == nil {
		t.Error("a short stat line parsed")
	}
	if _, err := ProcCPU(os.Getpid()); err != nil {
		t.Errorf("this process's /proc stat: %v", err)
	}
}

func TestPercentile(t *testing.T) {
	var samples []time.Duration
	for i := 100; i >= 1; i-- {
		samples = append(samples, time.Duration(i)*time.Millisecond)
	}
	for p, want := range map[float64]time.Duration{50: 50 * time.Millisecond, 99: 99 * time.Millisecond, 100: 100 * time.Millisecond, 1: time.Millisecond} {
		if got := Percentile(samples, p); got != want {
			t.Errorf("p%v = %v, want %v", p, got, want)
		}
	}
	if got := Percentile(samples[:3], 99); got != 100*time.Millisecond {
		t.Errorf("p99 of 3 samples = %v, want the largest", got)
	}
	if samples[0] != 100*time.Millisecond {
		t.Error("Percentile sorted its input in place")
	}
}
