package card

import (
	"fmt"

	"github.com/persistwatch/redis-persistence-datasource/pkg/info"
	"github.com/persistwatch/redis-persistence-datasource/pkg/nodeinfo"
)

// facts are the INFO fields the card reads, typed, with absent kept as nil.
type facts struct {
	aofEnabled          *int64
	rewriteStatus       *string
	rewriteInProgress   *int64
	rewriteScheduled    *int64
	currentRewriteSec   *int64
	consecutiveFailures *int64
	writeStatus         *string
	currentSize         *int64
	baseSize            *int64
	lastCowSize         *int64
	lastRewriteSec      *int64
	delayedFsyncs       *int64
	loading             *int64
	asyncLoading        *int64
	loadedPercent       *float64
	loadingETASec       *int64
	role                nodeinfo.Role
	trigger             nodeinfo.RewriteTrigger
	// odd names the first field whose value Redis cannot print (a flag of 2, a negative size):
	// such a reply is not judged or computed on. "" when every field read has a sane shape.
	odd string
}

func factsOf(reading nodeinfo.Reading) facts {
	r := shapeReader{in: reading.Info, ints: make([]int64, 0, intFacts)}
	f := facts{
		aofEnabled:          r.int("aof_enabled", flagShape),
		rewriteStatus:       r.status("aof_last_bgrewrite_status"),
		rewriteInProgress:   r.int("aof_rewrite_in_progress", flagShape),
		rewriteScheduled:    r.int("aof_rewrite_scheduled", flagShape),
		currentRewriteSec:   r.int("aof_current_rewrite_time_sec", secondsShape),
		consecutiveFailures: r.int("aof_rewrites_consecutive_failures", countShape),
		writeStatus:         r.status("aof_last_write_status"),
		currentSize:         r.int("aof_current_size", countShape),
		baseSize:            r.int("aof_base_size", countShape),
		lastCowSize:         r.int("aof_last_cow_size", countShape),
		lastRewriteSec:      r.int("aof_last_rewrite_time_sec", secondsShape),
		delayedFsyncs:       r.int("aof_delayed_fsync", countShape),
		loading:             r.int("loading", flagShape),
		asyncLoading:        r.int("async_loading", flagShape),
		loadedPercent:       r.percent("loading_loaded_perc"),
		loadingETASec:       r.int("loading_eta_seconds", countShape),
		role:                roleOf(reading.Info),
		trigger:             reading.Trigger,
	}
	f.currentRewriteSec, f.lastRewriteSec = noneAsNil(f.currentRewriteSec), noneAsNil(f.lastRewriteSec)
	f.odd = r.odd
	return f
}

// intFacts is how many integer fields factsOf reads: their values share one allocation.
const intFacts = 13

// shape is a range of integers Redis prints for a kind of field.
type shape struct {
	valid func(int64) bool
	what  string
}

var (
	flagShape    = shape{func(v int64) bool { return v == 0 || v == 1 }, "a flag is 0 or 1"}
	countShape   = shape{func(v int64) bool { return v >= 0 }, "a size or count is never negative"}
	secondsShape = shape{func(v int64) bool { return v >= -1 }, "a duration is whole seconds, or -1 for none"}
)

// oddValueShown bounds the value quoted in a reason: a hostile server can print anything.
const oddValueShown = 40

// shapeReader reads typed fields and remembers the first one whose value is outside what Redis
// can print, so that a server this plugin does not understand is reported, not computed on.
type shapeReader struct {
	in  info.Info
	odd string
	// ints holds the integers read, so that the card's many nullable fields cost one allocation
	// rather than one each: a fleet's poll reads them for every node.
	ints []int64
}

func (r *shapeReader) note(key, raw, what string) {
	if r.odd != "" {
		return
	}
	if len(raw) > oddValueShown {
		raw = raw[:oddValueShown] + "…"
	}
	r.odd = fmt.Sprintf("%s is %q, which Redis never prints (%s)", key, raw, what)
}

func (r *shapeReader) int(key string, want shape) *int64 {
	raw, ok := r.in.String(key)
	if !ok {
		return nil
	}
	value := info.Type(raw)
	if value.Kind != info.KindInt || !want.valid(value.Int) {
		r.note(key, raw, want.what)
		return nil
	}
	if len(r.ints) == cap(r.ints) { // more reads than intFacts: a fresh slab, never a moved one
		r.ints = make([]int64, 0, intFacts)
	}
	r.ints = append(r.ints, value.Int)
	return &r.ints[len(r.ints)-1]
}

func (r *shapeReader) status(key string) *string {
	raw, ok := r.in.String(key)
	if !ok {
		return nil
	}
	if raw != "ok" && raw != "err" {
		r.note(key, raw, "a status is ok or err")
		return nil
	}
	return &raw
}

func (r *shapeReader) percent(key string) *float64 {
	raw, ok := r.in.String(key)
	if !ok {
		return nil
	}
	value := info.Type(raw)
	if value.Kind == info.KindString || value.Float < 0 || value.Float > 100 {
		r.note(key, raw, "a percentage is 0 to 100")
		return nil
	}
	percent := value.Float // not &value.Float, which would keep the whole Value
	return &percent
}

func intField(in info.Info, key string) *int64 {
	if value, ok := in.Int(key); ok {
		return &value
	}
	return nil
}

func stringField(in info.Info, key string) *string {
	if value, ok := in.String(key); ok {
		return &value
	}
	return nil
}

// noneAsNil turns the -1 of a *_time_sec field, which means "none", into nil.
func noneAsNil(seconds *int64) *int64 {
	if seconds != nil && *seconds < 0 {
		return nil
	}
	return seconds
}

func isOne(value *int64) bool { return value != nil && *value == 1 }

// roleOf is the role INFO prints, master or slave; a missing or odd one is unknown (and the card
// then takes the role the topology announced).
func roleOf(in info.Info) nodeinfo.Role {
	switch role, _ := in.String("role"); role {
	case "master", "slave":
		return nodeinfo.RoleOf(role)
	}
	return nodeinfo.RoleUnknown
}
