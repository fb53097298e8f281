package plugin

import (
	"testing"
	"time"
)

func TestDelayedFsyncIncreaseOverTheWindow(t *testing.T) {
	var m delayedFsyncs
	start := time.Unix(1_800_000_000, 0)
	count := func(v int64) *int64 { return &v }
	steps := []struct {
		name  string
		after time.Duration
		count *int64
		want  float64
	}{
		{"first read: no history, no evidence", 0, count(7), 0},
		{"unchanged", 10 * time.Second, count(7), 0},
		{"rose by 3", 20 * time.Second, count(10), 3},
		{"a read between samples still sees the rise", 25 * time.Second, count(11), 4},
		{"not reported (AOF off, node down): 0, history kept", 30 * time.Second, nil, 0},
		{"the rise is still within the window", 4 * time.Minute, count(11), 4},
		{"samples older than the window drop out", 5*time.Minute + 21*time.Second, count(12), 1},
		{"a restart resets the counter: 0, not a negative rise", 5*time.Minute + 40*time.Second, count(2), 0},
		{"and counting starts again", 5*time.Minute + 50*time.Second, count(5), 3},
		{"after a silence longer than the window: a first read again", 20 * time.Minute, count(9), 0},
	}
	for _, step := range steps {
		got := m.increases(start.Add(step.after), []string{"10.0.0.1:6379"}, []*int64{step.count})
		if got[0] != step.want {
			t.Fatalf("%s: increase %v, want %v", step.name, got[0], step.want)
		}
	}
}

func TestDelayedFsyncMemoryIsBounded(t *testing.T) {
	var m delayedFsyncs
	start := time.Unix(1_800_000_000, 0)
	for i := range 10_000 { // a read every 100 ms for 1000 s
		count := int64(i)
		m.increases(start.Add(time.Duration(i)*100*time.Millisecond), []string{"a", "b"}, []*int64{&count, &count})
	}
	for address, samples := range m.nodes {
		if len(samples) > delayedFsyncSamples {
			t.Fatalf("%s keeps %d samples, want at most %d", address, len(samples), delayedFsyncSamples)
		}
	}
	later := start.Add(1000*time.Second + delayedFsyncWindow + time.Second)
	m.increases(later, []string{"a"}, []*int64{nil})
	if _, kept := m.nodes["b"]; kept || len(m.nodes) != 0 {
		t.Fatalf("nodes not read for a window are kept: %v", len(m.nodes))
	}
}
