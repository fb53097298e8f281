package plugin

import (
	"context"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
)

// The garbage collector's target follows the size of the live heap. A small heap (a few panels'
// nodes) keeps Go's default: collecting it is cheap, and a lower target would collect it twice as
// often. A large one (a fleet's poll) is mostly the poll's garbage (INFO replies, readings, the
// SDK's Arrow encoding of every response), so half the default headroom keeps the fleet's peak
// memory down, above all when many viewers ask at once, for a little more collector work.
const (
	defaultGCPercent = 100
	fleetGCPercent   = 50
	// The live heap above which the fleet target applies, and below which the default returns:
	// apart, so that a heap near one of them does not switch at every look.
	fleetHeapAbove   = 16 << 20
	defaultHeapBelow = 8 << 20
)

const liveHeapMetric = "/gc/heap/live:bytes"

// TuneGC sets the collector's target by the live heap after every collection until ctx ends,
// unless the environment sets GOGC, which then has the last word. It returns at once: a heap that
// grows in one burst (a fleet's first poll) is tuned at the collection that sees it.
func TuneGC(ctx context.Context, lookupEnv func(string) (string, bool)) {
	if _, set := lookupEnv("GOGC"); set {
		return
	}
	startGCTuner(ctx, gcThresholds{above: fleetHeapAbove, below: defaultHeapBelow})
}

// gcThresholds are the live heap sizes at which the target switches.
type gcThresholds struct{ above, below uint64 }

func startGCTuner(ctx context.Context, at gcThresholds) {
	tuner := &gcTuner{ctx: ctx, at: at, sample: []metrics.Sample{{Name: liveHeapMetric}}}
	tuner.look()
	tuner.arm()
}

type gcTuner struct {
	ctx     context.Context
	at      gcThresholds
	sample  []metrics.Sample
	percent int // 0 until the first look
}

// gcSentinel is garbage from birth: its finalizer runs after the next collection. It holds a
// pointer so that the runtime does not batch it with other tiny objects, whose finalizers may
// never run.
type gcSentinel struct{ tuner *gcTuner }

func (t *gcTuner) arm() {
	runtime.SetFinalizer(&gcSentinel{t}, func(s *gcSentinel) {
		if s.tuner.ctx.Err() == nil {
			s.tuner.look()
			s.tuner.arm()
		}
	})
}

func (t *gcTuner) look() {
	metrics.Read(t.sample)
	current := t.percent
	if current == 0 {
		current = defaultGCPercent
	}
	if next := t.at.percentFor(t.sample[0].Value.Uint64(), current); next != t.percent {
		t.percent = next
		debug.SetGCPercent(next)
	}
}

// percentFor is the target for a live heap of that many bytes, given the current one.
func (at gcThresholds) percentFor(liveBytes uint64, current int) int {
	switch {
	case liveBytes >= at.above:
		return fleetGCPercent
	case liveBytes < at.below:
		return defaultGCPercent
	}
	return current
}
