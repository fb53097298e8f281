package card

import (
	"fmt"
	"strings"
	"testing"

	"github.com/persistwatch/redis-persistence-datasource/pkg/info"
	"github.com/persistwatch/redis-persistence-datasource/pkg/nodeinfo"
)

// redis70 is the INFO persistence of a Redis 7.0 primary with AOF on and a clean history.
var redis70 = map[string]string{
	"role": "master", "aof_enabled": "1", "aof_rewrite_in_progress": "0", "aof_rewrite_scheduled": "0",
	"aof_last_rewrite_time_sec": "-1", "aof_current_rewrite_time_sec": "-1", "aof_last_bgrewrite_status": "ok",
	"aof_rewrites": "0", "aof_rewrites_consecutive_failures": "0", "aof_last_write_status": "ok",
	"aof_last_cow_size": "0", "aof_current_size": "4096", "aof_base_size": "4096",
}

// with returns the 7.0 fields changed by the given key, value pairs; a value of "-" removes the key.
func with(changes ...string) nodeinfo.Reading {
	fields := map[string]string{}
	for k, v := range redis70 {
		fields[k] = v
	}
	for i := 0; i < len(changes); i += 2 {
		if changes[i+1] == "-" {
			delete(fields, changes[i])
			continue
		}
		fields[changes[i]] = changes[i+1]
	}
	var text strings.Builder
	text.WriteString("# Persistence\r\n")
	for k, v := range fields {
		fmt.Fprintf(&text, "%s:%s\r\n", k, v)
	}
	return nodeinfo.Reading{Info: info.Parse(text.String())}
}

func failed(kind nodeinfo.Kind, detail string) nodeinfo.Reading {
	return nodeinfo.Reading{Err: &nodeinfo.Failure{Kind: kind, Detail: detail}}
}

func TestTheCardReadsLikeTheSpec(t *testing.T) {
	tests := []struct {
		spec       string
		reading    nodeinfo.Reading
		status     Status
		reasonHas  string
		inProgress bool
		stuck      bool
	}{
		{"ok: AOF on and the last rewrite finished cleanly",
			with(), StatusOK, "succeeded", false, false},
		{"err: AOF on and the last rewrite failed",
			with("aof_last_bgrewrite_status", "err", "aof_rewrites_consecutive_failures", "1"), StatusErr, "check disk space and fork headroom", false, false},
		{"a single err is not yet stuck: it may be transient",
			with("aof_last_bgrewrite_status", "err", "aof_rewrites_consecutive_failures", "1"), StatusErr, "may be transient", false, false},
		{"err across repeated attempts is stuck",
			with("aof_last_bgrewrite_status", "err", "aof_rewrites_consecutive_failures", "3"), StatusErr, "stuck: 3 failures in a row", false, true},
		{"AOF off means n/a even when the stale field says err",
			with("aof_enabled", "0", "aof_last_bgrewrite_status", "err", "aof_current_size", "-", "aof_base_size", "-"), StatusNotApplicable, "stale and ignored", false, false},
		{"AOF off means n/a when the stale field says ok, too",
			with("aof_enabled", "0", "aof_current_size", "-", "aof_base_size", "-"), StatusNotApplicable, "AOF is off", false, false},
		{"a replica in full sync reports aof_enabled:0 with sizes still printed: n/a, keyed off aof_enabled",
			with("role", "slave", "aof_enabled", "0"), StatusNotApplicable, "AOF is off", false, false},
		{"a rewrite in progress is stale by one: the previous err still shows",
			with("aof_last_bgrewrite_status", "err", "aof_rewrite_in_progress", "1", "aof_current_rewrite_time_sec", "12"), StatusErr, "previous attempt's result", true, false},
		{"a rewrite in progress after an ok still shows ok",
			with("aof_rewrite_in_progress", "1"), StatusOK, "previous attempt's result", true, false},
		{"write status is a separate, more serious signal: it never turns the card red by itself",
			with("aof_last_write_status", "err"), StatusOK, "AOF WRITES ARE FAILING", false, false},
		{"Redis 6.2 has no consecutive-failure counter: the card still works",
			with("aof_rewrites_consecutive_failures", "-", "aof_rewrites", "-", "aof_last_bgrewrite_status", "err"), StatusErr, "check disk space", false, false},
		{"a managed service that hides the AOF fields is restricted, never ok",
			with("aof_enabled", "-", "aof_last_bgrewrite_status", "-"), StatusRestricted, "does not report AOF state", false, false},
		{"a server that prints an unknown status is restricted, never a false colour",
			with("aof_last_bgrewrite_status", "pending"), StatusRestricted, `"pending"`, false, false},
		{"loading after a restart prints aof_enabled:0 with appendonly yes: loading, never n/a",
			with("loading", "1", "aof_enabled", "0", "loading_loaded_perc", "42.50", "loading_eta_seconds", "7"), StatusLoading, "42.5% loaded, about 7 s left", false, false},
		{"a replica loading a new dataset in the background is loading too",
			with("async_loading", "1", "aof_enabled", "0"), StatusLoading, "async_loading", false, false},
		{"a LOADING reply is loading, not a failure",
			failed(nodeinfo.KindLoading, "LOADING Redis is loading the dataset in memory"), StatusLoading, "answers once loading ends", false, false},
		{"a flag Redis cannot print is reported, not read as on",
			with("aof_enabled", "2"), StatusRestricted, `aof_enabled is "2", which Redis never prints (a flag is 0 or 1)`, false, false},
		{"a negative size is reported, not computed on",
			with("aof_current_size", "-9223372036854775808"), StatusRestricted, `aof_current_size is "-9223372036854775808"`, false, false},
		{"a size past int64 is reported",
			with("aof_base_size", "99999999999999999999"), StatusRestricted, "aof_base_size", false, false},
		{"a write status that is neither ok nor err is reported",
			with("aof_last_write_status", "pending"), StatusRestricted, "a status is ok or err", false, false},
		{"a negative failure count is reported",
			with("aof_rewrites_consecutive_failures", "-3"), StatusRestricted, "aof_rewrites_consecutive_failures", false, false},
		{"a duration below -1 is reported",
			with("aof_last_rewrite_time_sec", "-5"), StatusRestricted, "aof_last_rewrite_time_sec", false, false},
		{"a load past 100 % is reported",
			with("loading", "1", "loading_loaded_perc", "250"), StatusRestricted, "loading_loaded_perc", false, false},
		{"a server that refuses INFO is restricted",
			failed(nodeinfo.KindInfoRefused, "ERR unknown command 'INFO'"), StatusRestricted, "unknown command", false, false},
		{"a node that does not answer is unreachable, with the kind and what to check",
			failed(nodeinfo.KindTimeout, "no answer within the timeout"), StatusUnreachable, "timeout: no answer within the timeout; the node is down", false, false},
		{"a wrong password is unreachable with an auth reason",
			failed(nodeinfo.KindAuth, "WRONGPASS invalid username-password pair"), StatusUnreachable, "check the ACL user name and password", false, false},
	}
	for _, tt := range tests {
		t.Run(tt.spec, func(t *testing.T) {
			card := Evaluate(tt.reading)
			if card.Status != tt.status {
				t.Errorf("status = %q, want %q (reason %q)", card.Status, tt.status, card.Reason)
			}
			if !strings.Contains(card.Reason, tt.reasonHas) {
				t.Errorf("reason = %q, want it to say %q", card.Reason, tt.reasonHas)
			}
			if card.RewriteInProgress != tt.inProgress || card.Stuck != tt.stuck {
				t.Errorf("in progress %v stuck %v; want %v %v", card.RewriteInProgress, card.Stuck, tt.inProgress, tt.stuck)
			}
		})
	}
}

func TestTheCardCarriesItsContext(t *testing.T) {
	reading := with("aof_current_size", "300000000", "aof_base_size", "100000000", "aof_last_cow_size", "2048",
		"aof_last_rewrite_time_sec", "7", "aof_rewrite_in_progress", "1", "aof_current_rewrite_time_sec", "3", "role", "slave")
	reading.Trigger = nodeinfo.RewriteTrigger{Known: true, Percent: 100, MinSizeBytes: 64 << 20}
	card := Evaluate(reading)
	if card.Role != "replica" || *card.CurrentSize != 300000000 || *card.BaseSize != 100000000 || *card.LastCowSize != 2048 || *card.LastRewriteSec != 7 {
		t.Fatalf("context not carried: %+v", card)
	}
	if *card.GrowthPercent != 200 || *card.TriggerPercent != 100 || *card.GrowthOverTrigger != 2 || *card.RewriteRunningSec != 3 {
		t.Fatalf("growth %v trigger %v ratio %v running %v", *card.GrowthPercent, *card.TriggerPercent, *card.GrowthOverTrigger, *card.RewriteRunningSec)
	}
}

func TestGrowthAgainstTheRewriteTrigger(t *testing.T) {
	tests := []struct {
		name          string
		current, base string
		trigger       nodeinfo.RewriteTrigger
		wantGrowth    string
		wantRatio     string
	}{
		{"doubled past min size: a rewrite is due", "200000000", "100000000", nodeinfo.RewriteTrigger{Known: true, Percent: 100, MinSizeBytes: 64 << 20}, "100", "1"},
		{"below auto-aof-rewrite-min-size Redis would not rewrite yet", "3000", "1000", nodeinfo.RewriteTrigger{Known: true, Percent: 100, MinSizeBytes: 64 << 20}, "200", "0"},
		{"automatic rewrites off (percentage 0): no ratio", "3000", "1000", nodeinfo.RewriteTrigger{Known: true, Percent: 0}, "200", "nil"},
		{"CONFIG refused: trigger unknown, growth still shown", "3000", "1000", nodeinfo.RewriteTrigger{}, "200", "nil"},
		{"no base yet (fresh 7.0 start prints base 0): growth unknown", "50", "0", nodeinfo.RewriteTrigger{Known: true, Percent: 100}, "nil", "nil"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reading := with("aof_current_size", tt.current, "aof_base_size", tt.base)
			reading.Trigger = tt.trigger
			card := Evaluate(reading)
			if got := show(card.GrowthPercent); got != tt.wantGrowth {
				t.Errorf("growth %% = %s, want %s", got, tt.wantGrowth)
			}
			if got := show(card.GrowthOverTrigger); got != tt.wantRatio {
				t.Errorf("growth over trigger = %s, want %s", got, tt.wantRatio)
			}
		})
	}
}

func TestAlertSignalsCannotFireForAOFOff(t *testing.T) {
	tests := []struct {
		name                                      string
		reading                                   nodeinfo.Reading
		up, enabled, rewriteOK, writeOK, failures string
	}{
		{"ok", with(), "1", "1", "1", "1", "0"},
		{"err", with("aof_last_bgrewrite_status", "err", "aof_rewrites_consecutive_failures", "2"), "1", "1", "0", "1", "2"},
		{"write err with rewrite ok", with("aof_last_write_status", "err"), "1", "1", "1", "0", "0"},
		{"AOF off with a stale err: nothing to fire on", with("aof_enabled", "0", "aof_last_bgrewrite_status", "err", "aof_last_write_status", "err"), "1", "0", "nil", "nil", "nil"},
		{"unreachable: only node_up speaks", failed(nodeinfo.KindRefused, "connection refused"), "0", "nil", "nil", "nil", "nil"},
		{"restricted: up, but nothing to judge", failed(nodeinfo.KindInfoRefused, "ERR unknown command 'INFO'"), "1", "nil", "nil", "nil", "nil"},
		{"loading with aof_enabled:0: neither AOF off nor a failure", with("loading", "1", "aof_enabled", "0", "aof_last_write_status", "err"), "1", "nil", "nil", "nil", "nil"},
		{"odd aof_enabled:2: no signal at all", with("aof_enabled", "2"), "1", "nil", "nil", "nil", "nil"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := SignalsOf(Evaluate(tt.reading), Siblings{})
			got := []string{show(&s.NodeUp), show(s.AOFEnabled), show(s.RewriteOK), show(s.WriteOK), show(s.ConsecutiveFailures)}
			want := []string{tt.up, tt.enabled, tt.rewriteOK, tt.writeOK, tt.failures}
			if strings.Join(got, " ") != strings.Join(want, " ") {
				t.Errorf("node_up aof_enabled rewrite_ok write_ok failures = %v, want %v", got, want)
			}
		})
	}
}

// The evidence signals the bundled rules fire on: 1 only when the node reported the condition,
// never null, 0 for every node that cannot be judged.
func TestEvidenceSignalsFireOnlyOnEvidence(t *testing.T) {
	tests := []struct {
		name                                 string
		reading                              nodeinfo.Reading
		rewriteFailing, rewriteStuck, writeF float64
	}{
		{"ok", with(), 0, 0, 0},
		{"first failure: failing, not stuck", with("aof_last_bgrewrite_status", "err", "aof_rewrites_consecutive_failures", "1"), 1, 0, 0},
		{"failing twice in a row: stuck", with("aof_last_bgrewrite_status", "err", "aof_rewrites_consecutive_failures", "2"), 1, 1, 0},
		{"a rewrite running after a failure keeps the failure (stale by one)", with("aof_last_bgrewrite_status", "err", "aof_rewrite_in_progress", "1"), 1, 0, 0},
		{"before 7.0 no counter: failing, stuck cannot be told", with("aof_last_bgrewrite_status", "err", "aof_rewrites_consecutive_failures", "-"), 1, 0, 0},
		{"write err with rewrite ok", with("aof_last_write_status", "err"), 0, 0, 1},
		{"AOF off with a stale err and a stale write err", with("aof_enabled", "0", "aof_last_bgrewrite_status", "err", "aof_rewrites_consecutive_failures", "3", "aof_last_write_status", "err"), 0, 0, 0},
		{"unreachable", failed(nodeinfo.KindRefused, "connection refused"), 0, 0, 0},
		{"restricted", failed(nodeinfo.KindInfoRefused, "ERR unknown command 'INFO'"), 0, 0, 0},
		{"loading after a failure: not judged until the load ends", with("loading", "1", "aof_enabled", "0", "aof_last_bgrewrite_status", "err", "aof_last_write_status", "err"), 0, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := SignalsOf(Evaluate(tt.reading), Siblings{})
			got := [3]float64{s.RewriteFailing, s.RewriteStuck, s.WriteFailing}
			if want := [3]float64{tt.rewriteFailing, tt.rewriteStuck, tt.writeF}; got != want {
				t.Errorf("rewrite_failing rewrite_stuck write_failing = %v, want %v", got, want)
			}
		})
	}
}

// Sizes are measurements for history: bytes while AOF is on, no value while it is off.
func TestSizeSignals(t *testing.T) {
	on := SignalsOf(Evaluate(with("aof_current_size", "2048", "aof_base_size", "1024")), Siblings{})
	if show(on.CurrentSize) != "2048" || show(on.BaseSize) != "1024" {
		t.Errorf("AOF on: current %s base %s, want 2048 and 1024", show(on.CurrentSize), show(on.BaseSize))
	}
	off := SignalsOf(Evaluate(with("aof_enabled", "0", "aof_current_size", "2048", "aof_base_size", "1024")), Siblings{})
	if off.CurrentSize != nil || off.BaseSize != nil {
		t.Errorf("AOF off: current %s base %s, want no values", show(off.CurrentSize), show(off.BaseSize))
	}
}

func show[T int64 | float64](value *T) string {
	if value == nil {
		return "nil"
	}
	return fmt.Sprint(*value)
}

func TestAnOddValueLeavesNoNumberBehind(t *testing.T) {
	reading := with("aof_current_size", "-9223372036854775808", "aof_base_size", "100")
	reading.Trigger = nodeinfo.RewriteTrigger{Known: true, Percent: 100}
	card := Evaluate(reading)
	if card.GrowthPercent != nil || card.GrowthOverTrigger != nil || card.CurrentSize != nil || card.AOFEnabled != nil {
		t.Fatalf("computed on an odd reply: %+v", card)
	}
}

func TestLoadingCarriesItsProgressAndNoAOFVerdict(t *testing.T) {
	card := Evaluate(with("loading", "1", "aof_enabled", "0", "loading_loaded_perc", "5.53", "loading_eta_seconds", "17"))
	if card.AOFEnabled != nil || card.LoadedPercent == nil || *card.LoadedPercent != 5.53 || card.LoadingETASec == nil || *card.LoadingETASec != 17 {
		t.Fatalf("loading card: %+v", card)
	}
	if ok := Evaluate(with()); ok.LoadedPercent != nil || ok.LoadingETASec != nil {
		t.Fatalf("a node not loading carries load progress: %+v", ok)
	}
}

// A role Redis never prints is not passed on as a label: it would carry a server's text into
// every alert series.
func TestAnUnknownRoleIsNotPassedOn(t *testing.T) {
	if role := Evaluate(with("role", strings.Repeat("x", 1000))).Role; role != "" {
		t.Errorf("role %.40q…, want unknown (empty)", role)
	}
	if role := Evaluate(with("role", "slave")).Role; role != "replica" {
		t.Errorf("role %q, want replica", role)
	}
}
