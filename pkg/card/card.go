// Package card holds the rules of the Last AOF Rewrite Status card. They are all in this file,
// to be read beside the card's specification (last-aof-rewrite-status-card.txt) and the table
// test in card_test.go:
//   - no answer is unreachable; an answer that refuses INFO or hides the AOF fields is restricted;
//     a node loading its dataset is loading;
//   - AOF off (aof_enabled:0) is n/a, even when the stale aof_last_bgrewrite_status says err;
//   - otherwise the card is aof_last_bgrewrite_status, ok or err;
//   - while a rewrite runs, the status is the previous attempt's (stale by one), and says so;
//   - StuckAfter failures in a row make an err stuck rather than transient;
//   - aof_last_write_status:err is a separate, more serious signal, added to the reason.
//
// It is pure: readings in (package nodeinfo), cards out. facts.go reads the typed INFO fields.
package card

import (
	"fmt"

	"github.com/persistwatch/redis-persistence-datasource/pkg/nodeinfo"
)

// Status is the Last AOF Rewrite Status card's value.
type Status string

const (
	StatusOK            Status = "ok"          // AOF on, last completed rewrite succeeded
	StatusErr           Status = "err"         // AOF on, last completed rewrite failed
	StatusNotApplicable Status = "n/a"         // AOF off: the stale status field is ignored
	StatusUnreachable   Status = "unreachable" // no answer: refused, timeout, DNS, auth, TLS
	StatusRestricted    Status = "restricted"  // answers, but refuses INFO or hides the AOF fields
	StatusLoading       Status = "loading"     // loading its dataset (restart, replica sync): AOF state unknown until done
)

// StuckAfter is how many failed rewrites in a row make an err "stuck" rather than transient: the
// spec's "stuck on err across multiple rewrite attempts".
const StuckAfter = 2

// Card is one node's card: the status, a short reason, and the context beside it.
type Card struct {
	Status Status
	Reason string
	Role   nodeinfo.Role

	AOFEnabled          *bool
	RewriteInProgress   bool // the status shown is the previous attempt's (stale by one)
	RewriteRunningSec   *int64
	RewriteScheduled    bool
	ConsecutiveFailures *int64 // nil on servers that do not report it (before 7.0)
	Stuck               bool
	WriteStatus         *string // aof_last_write_status: a separate, more serious signal
	CurrentSize         *int64
	BaseSize            *int64
	GrowthPercent       *float64 // current over base
	TriggerPercent      *int64   // auto-aof-rewrite-percentage, when CONFIG is allowed
	// GrowthOverTrigger is GrowthPercent / TriggerPercent once the file is past
	// auto-aof-rewrite-min-size (0 below it: Redis would not rewrite yet); 1 means a rewrite is
	// due. nil when the trigger is unknown or automatic rewrites are off.
	GrowthOverTrigger *float64
	LastCowSize       *int64
	LastRewriteSec    *int64
	// DelayedFsyncs is aof_delayed_fsync: fsyncs appendfsync everysec had to postpone because
	// the previous one was still running, counted since the server started.
	DelayedFsyncs *int64
	// LoadedPercent and LoadingETASec are a load's progress, while the status is loading.
	LoadedPercent *float64
	LoadingETASec *int64
}

// Evaluate applies the card's rules to one node's reading.
func Evaluate(reading nodeinfo.Reading) Card {
	card := judge(reading)
	if card.Role == nodeinfo.RoleUnknown {
		card.Role = reading.Node.Role // what the cluster or sentinels announced, when INFO cannot say
	}
	return card
}

func judge(reading nodeinfo.Reading) Card {
	if failure := reading.Err; failure != nil {
		status := StatusUnreachable
		switch failure.Kind {
		case nodeinfo.KindInfoRefused:
			status = StatusRestricted
		case nodeinfo.KindLoading:
			status = StatusLoading
		}
		return Card{Status: status, Reason: fmt.Sprintf("%s: %s; %s", failure.Kind, failure.Detail, failure.Hint())}
	}
	f := factsOf(reading)
	if f.odd != "" {
		return Card{Status: StatusRestricted, Role: f.role,
			Reason: "INFO says " + f.odd + ": a server this plugin does not understand, so nothing is judged or computed from its reply"}
	}
	card := withContext(f)
	switch {
	case isOne(f.loading) || isOne(f.asyncLoading):
		return loadingCard(card, f)
	case f.aofEnabled == nil || f.rewriteStatus == nil:
		card.Status = StatusRestricted
		card.Reason = "INFO persistence has no aof_enabled or aof_last_bgrewrite_status: a managed or Redis-compatible server that does not report AOF state; use its backup history"
		return card
	case *f.aofEnabled == 0:
		card.Status = StatusNotApplicable
		card.Reason = fmt.Sprintf("AOF is off (appendonly no); the last rewrite status it still prints (%s) is stale and ignored", *f.rewriteStatus)
		return card
	case *f.rewriteStatus == "ok":
		card.Status = StatusOK
		card.Reason = "last AOF rewrite succeeded"
	case *f.rewriteStatus == "err":
		card.Status = StatusErr
		card.Reason = errReason(card)
	}
	if card.RewriteInProgress {
		card.Reason += "; a rewrite is running now, so this is the previous attempt's result"
	}
	if card.WriteStatus != nil && *card.WriteStatus == "err" {
		card.Reason += "; AOF WRITES ARE FAILING (aof_last_write_status:err): recent writes may not be on disk"
	}
	return card
}

// loadingCard is a node loading its dataset. While Redis replays its AOF it prints aof_enabled:0
// even with appendonly yes, and a replica loading a new dataset has stopped its AOF for the
// moment: neither is "AOF off", and nothing is judged until the load ends.
func loadingCard(card Card, f facts) Card {
	card.Status = StatusLoading
	card.AOFEnabled = nil
	card.LoadedPercent, card.LoadingETASec = f.loadedPercent, f.loadingETASec
	what := "loading its dataset (an AOF replay after a restart, or a replica's full sync)"
	if !isOne(f.loading) {
		what = "a replica loading a new dataset from its primary while serving the old one (async_loading)"
	}
	card.Reason = what + "; AOF state and the last rewrite status are judged once loading ends"
	if f.loadedPercent != nil {
		card.Reason += fmt.Sprintf("; %.1f%% loaded", *f.loadedPercent)
	}
	if f.loadingETASec != nil {
		card.Reason += fmt.Sprintf(", about %d s left", *f.loadingETASec)
	}
	return card
}

func errReason(card Card) string {
	reason := "last AOF rewrite failed: check disk space and fork headroom (Redis log), then run BGREWRITEAOF"
	switch {
	case card.ConsecutiveFailures == nil:
	case card.Stuck:
		reason += fmt.Sprintf("; stuck: %d failures in a row", *card.ConsecutiveFailures)
	default:
		reason += "; first failure in a row, may be transient"
	}
	return reason
}

// withContext fills everything but the status and reason.
func withContext(f facts) Card {
	card := Card{
		RewriteInProgress:   isOne(f.rewriteInProgress),
		RewriteScheduled:    isOne(f.rewriteScheduled),
		ConsecutiveFailures: f.consecutiveFailures,
		Stuck:               f.consecutiveFailures != nil && *f.consecutiveFailures >= StuckAfter,
		WriteStatus:         f.writeStatus,
		CurrentSize:         f.currentSize,
		BaseSize:            f.baseSize,
		LastCowSize:         f.lastCowSize,
		LastRewriteSec:      f.lastRewriteSec,
		DelayedFsyncs:       f.delayedFsyncs,
		Role:                f.role,
	}
	if f.aofEnabled != nil {
		enabled := *f.aofEnabled == 1
		card.AOFEnabled = &enabled
	}
	if card.RewriteInProgress {
		card.RewriteRunningSec = f.currentRewriteSec
	}
	if f.currentSize != nil && f.baseSize != nil && *f.baseSize > 0 {
		growth := float64(*f.currentSize-*f.baseSize) * 100 / float64(*f.baseSize)
		card.GrowthPercent = &growth
	}
	if f.trigger.Known {
		card.TriggerPercent = &f.trigger.Percent
		card.GrowthOverTrigger = growthOverTrigger(card.GrowthPercent, f.currentSize, f.trigger)
	}
	return card
}

func growthOverTrigger(growth *float64, current *int64, trigger nodeinfo.RewriteTrigger) *float64 {
	if growth == nil || current == nil || trigger.Percent <= 0 {
		return nil
	}
	ratio := 0.0
	if *current >= trigger.MinSizeBytes {
		ratio = *growth / float64(trigger.Percent)
	}
	return &ratio
}
