package plugin

import (
	"context"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"testing"
)

func TestTheCollectorTargetFollowsTheLiveHeap(t *testing.T) {
	for _, c := range []struct {
		live    uint64
		current int
		want    int
	}{
		{4 << 20, defaultGCPercent, defaultGCPercent},  // a few panels' nodes
		{4 << 20, fleetGCPercent, defaultGCPercent},    // a fleet's heap that has gone
		{30 << 20, defaultGCPercent, fleetGCPercent},   // a fleet's poll
		{12 << 20, defaultGCPercent, defaultGCPercent}, // between the two: no switch
		{12 << 20, fleetGCPercent, fleetGCPercent},
	} {
		if got := (gcThresholds{fleetHeapAbove, defaultHeapBelow}).percentFor(c.live, c.current); got != c.want {
			t.Errorf("%d MiB live at %d: %d, want %d", c.live>>20, c.current, got, c.want)
		}
	}
}

func TestTheLiveHeapMetricExists(t *testing.T) {
	sample := []metrics.Sample{{Name: liveHeapMetric}}
	metrics.Read(sample)
	if sample[0].Value.Kind() != metrics.KindUint64 {
		t.Fatalf("%s is not a uint64 metric in this Go", liveHeapMetric)
	}
}

// With GOGC set, the target is the environment's; without, the tuner's first look sets one.
func TestGOGCHasTheLastWord(t *testing.T) {
	before := debug.SetGCPercent(77)
	t.Cleanup(func() { debug.SetGCPercent(before) })
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	TuneGC(ctx, func(key string) (string, bool) { return "77", key == "GOGC" })
	if got := debug.SetGCPercent(77); got != 77 {
		t.Errorf("with GOGC set the tuner changed the target to %d", got)
	}
	TuneGC(ctx, func(string) (string, bool) { return "", false }) // a test's small heap: the default
	if got := debug.SetGCPercent(before); got != defaultGCPercent {
		t.Errorf("without GOGC, on a small heap, the target is %d, want %d", got, defaultGCPercent)
	}
}

// A heap that grows past the fleet size gets the fleet target at the next collection, and the
// default again once it has shrunk. The thresholds sit above what this test binary already
// holds, whatever the tests before it left.
func TestTheTunerFollowsTheHeapAcrossCollections(t *testing.T) {
	before := debug.SetGCPercent(defaultGCPercent)
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(func() {
		cancel()
		runtime.GC() // lets the armed finalizer see the end
		debug.SetGCPercent(before)
	})
	runtime.GC()
	sample := []metrics.Sample{{Name: liveHeapMetric}}
	metrics.Read(sample)
	baseline := sample[0].Value.Uint64()
	startGCTuner(ctx, gcThresholds{above: baseline + 16<<20, below: baseline + 8<<20})

	withFleetHeap := func() int {
		fleet := make([][]byte, 0, 32)
		for range 32 {
			fleet = append(fleet, make([]byte, 1<<20))
		}
		target := targetAfterCollections(fleetGCPercent)
		runtime.KeepAlive(fleet)
		return target
	}
	if got := withFleetHeap(); got != fleetGCPercent {
		t.Errorf("with 32 MiB more live the target is %d, want %d", got, fleetGCPercent)
	}
	if got := targetAfterCollections(defaultGCPercent); got != defaultGCPercent {
		t.Errorf("after the heap shrank the target is %d, want %d", got, defaultGCPercent)
	}
}

// targetAfterCollections runs collections until the tuner has left want as the target, for at most
// 20 rounds, and returns the target it found last. Finalizers run in batches, newest first, so one
// collection and one finalizer of the test's own do not prove that the tuner has looked.
func targetAfterCollections(want int) int {
	target := 0
	for range 20 {
		done := make(chan struct{})
		runtime.SetFinalizer(&gcSentinel{}, func(*gcSentinel) { close(done) })
		runtime.GC()
		<-done
		runtime.GC() // the tuner's next sentinel, armed in that batch, runs after this one
		runtime.Gosched()
		target = debug.SetGCPercent(-1)
		debug.SetGCPercent(target)
		if target == want {
			return target
		}
	}
	return target
}
