//go:build realredis

package plugin

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/data"

	"github.com/persistwatch/redis-persistence-datasource/internal/redistest"
)

// Every test here runs against real redis-server processes, driven into the state under test.

type nodeSpec struct {
	Address string `json:"address"`
	Name    string `json:"name,omitempty"`
}

type options struct {
	nodes          []nodeSpec
	secure         map[string]string
	tlsEnabled     bool
	readTimeoutMs  int
	connectTimeout int
}

func realDatasource(t *testing.T, o options) *Datasource {
	t.Helper()
	// Coalescing off: these tests change a node's state between queries and must see it at once.
	settings := map[string]any{"nodes": o.nodes, "tlsEnabled": o.tlsEnabled, "coalesceWindowMs": 0}
	if o.readTimeoutMs > 0 {
		settings["readTimeoutMs"] = o.readTimeoutMs
	}
	if o.connectTimeout > 0 {
		settings["connectTimeoutMs"] = o.connectTimeout
	}
	raw, err := json.Marshal(settings)
	if err != nil {
		t.Fatal(err)
	}
	return configured(t, string(raw), o.secure)
}

// cacheDatasource is a data source over the one node at address, named cache.
func cacheDatasource(t *testing.T, address string) *Datasource {
	t.Helper()
	return realDatasource(t, options{nodes: []nodeSpec{{Address: address, Name: "cache"}}})
}

// cardRows queries the card and returns each node's status and reason by node name.
func cardRows(t *testing.T, ds *Datasource) (status, reason map[string]string, frame *data.Frame) {
	t.Helper()
	response := query(t, ds, "card", `{}`)
	if response.Error != nil {
		t.Fatalf("card query failed as a whole: %v", response.Error)
	}
	frame = response.Frames[0]
	status, reason = map[string]string{}, map[string]string{}
	names, statuses, reasons := field(t, frame, "node"), field(t, frame, "status"), field(t, frame, "reason")
	for i := 0; i < frame.Rows(); i++ {
		name := names.At(i).(string)
		status[name], reason[name] = statuses.At(i).(string), reasons.At(i).(string)
	}
	return status, reason, frame
}

func field(t *testing.T, frame *data.Frame, name string) *data.Field {
	t.Helper()
	f, _ := frame.FieldByName(name)
	if f == nil {
		t.Fatalf("frame %s has no field %s", frame.Name, name)
	}
	return f
}

func expectCard(t *testing.T, ds *Datasource, node, wantStatus, wantReason string) {
	t.Helper()
	status, reason, _ := cardRows(t, ds)
	if status[node] != wantStatus || !strings.Contains(reason[node], wantReason) {
		t.Fatalf("%s: status %q reason %q; want %q with a reason containing %q", node, status[node], reason[node], wantStatus, wantReason)
	}
}

func TestRealOKAfterASuccessfulRewrite(t *testing.T) {
	server := redistest.Start(t, redistest.Options{})
	server.RewriteErrKilledChild(t)
	server.RewriteOK(t)
	ds := cacheDatasource(t, server.Addr)
	expectCard(t, ds, "cache", "ok", "last AOF rewrite succeeded")

	_, _, frame := cardRows(t, ds)
	if failures := field(t, frame, "consecutive_failures").At(0).(*int64); failures == nil || *failures != 0 {
		t.Fatalf("a success resets the failure streak, got %v", failures)
	}
	if current, base := field(t, frame, "current_size").At(0).(*int64), field(t, frame, "base_size").At(0).(*int64); current == nil || base == nil || *current != *base {
		t.Fatalf("after a rewrite current == base, got %v %v", current, base)
	}
	if trigger := field(t, frame, "rewrite_trigger").At(0).(*int64); trigger == nil || *trigger != 100 {
		t.Fatalf("rewrite trigger read with CONFIG GET = %v, want the default 100", trigger)
	}
}

func TestRealErrFromAKilledRewriteChild(t *testing.T) {
	server := redistest.Start(t, redistest.Options{})
	server.RewriteErrKilledChild(t)
	ds := cacheDatasource(t, server.Addr)
	expectCard(t, ds, "cache", "err", "may be transient")

	server.RewriteErrKilledChild(t)
	expectCard(t, ds, "cache", "err", "stuck: 2 failures in a row")
	assertAlertValue(t, ds, "aof_rewrite_ok", "cache", ptr(0))
	assertAlertValue(t, ds, "aof_rewrites_consecutive_failures", "cache", ptr(2))
}

func TestRealNotApplicableWhenAOFIsOffAfterAnEarlierErr(t *testing.T) {
	server := redistest.Start(t, redistest.Options{})
	server.RewriteErrKilledChild(t)
	server.DisableAOF(t)
	if server.Info(t)["aof_last_bgrewrite_status"] != "err" {
		t.Fatal("precondition: the stale field should still say err")
	}
	ds := cacheDatasource(t, server.Addr)
	expectCard(t, ds, "cache", "n/a", "(err) is stale and ignored")
	assertAlertValue(t, ds, "aof_rewrite_ok", "cache", nil)
	assertAlertValue(t, ds, "aof_enabled", "cache", ptr(0))
}

func TestRealRewriteInProgressShowsThePreviousResult(t *testing.T) {
	server := redistest.Start(t, redistest.Options{})
	server.RewriteErrKilledChild(t)
	server.HoldRewriteInProgress(t)
	ds := cacheDatasource(t, server.Addr)
	expectCard(t, ds, "cache", "err", "previous attempt's result")
	_, _, frame := cardRows(t, ds)
	if !field(t, frame, "rewrite_in_progress").At(0).(bool) {
		t.Fatal("rewrite_in_progress should be true")
	}
	assertAlertValue(t, ds, "aof_rewrite_ok", "cache", ptr(0))
}

func TestRealWriteErrIsASeparateSignal(t *testing.T) {
	server := redistest.Start(t, redistest.Options{FileSizeLimitKB: 64})
	server.WriteErr(t)
	ds := cacheDatasource(t, server.Addr)
	expectCard(t, ds, "cache", "ok", "AOF WRITES ARE FAILING")
	assertAlertValue(t, ds, "aof_write_ok", "cache", ptr(0))
	assertAlertValue(t, ds, "aof_rewrite_ok", "cache", ptr(1))
}

func TestRealClosedPortIsUnreachableAndDoesNotBlankOthers(t *testing.T) {
	server := redistest.Start(t, redistest.Options{})
	closed := redistest.ClosedAddr(t)
	ds := realDatasource(t, options{nodes: []nodeSpec{{Address: closed, Name: "gone"}, {Address: server.Addr, Name: "cache"}}})
	expectCard(t, ds, "gone", "unreachable", "refused")
	expectCard(t, ds, "cache", "ok", "succeeded")
	assertAlertValue(t, ds, "node_up", "gone", ptr(0))
	assertAlertValue(t, ds, "aof_rewrite_ok", "gone", nil)

	health, err := ds.CheckHealth(context.Background(), &backend.CheckHealthRequest{})
	if err != nil || health.Status != backend.HealthStatusError ||
		!strings.Contains(health.Message, "1 of 2 Redis nodes answered INFO") ||
		!strings.Contains(health.Message, "gone ("+closed+"): unreachable, refused") ||
		!strings.Contains(health.Message, "cache ("+server.Addr+"): AOF on, last rewrite ok") {
		t.Fatalf("health = %+v, %v", health, err)
	}
}

func TestRealWrongPasswordIsAnAuthFailureThatNeverShowsTheSecret(t *testing.T) {
	const real, wrong = "correct-horse-battery", "hunter2-wrong-secret"
	server := redistest.Start(t, redistest.Options{Password: real})
	ds := realDatasource(t, options{nodes: []nodeSpec{{Address: server.Addr, Name: "cache"}}, secure: map[string]string{"password": wrong}})
	expectCard(t, ds, "cache", "unreachable", "auth: WRONGPASS")
	health, _ := ds.CheckHealth(context.Background(), &backend.CheckHealthRequest{})
	_, reason, _ := cardRows(t, ds)
	for _, text := range []string{health.Message, string(health.JSONDetails), reason["cache"]} {
		if strings.Contains(text, wrong) || strings.Contains(text, real) {
			t.Fatalf("a secret leaked: %q", text)
		}
	}
	if !strings.Contains(health.Message, "check the ACL user name and password") {
		t.Fatalf("health message does not say what to check: %q", health.Message)
	}

	right := realDatasource(t, options{nodes: []nodeSpec{{Address: server.Addr, Name: "cache"}}, secure: map[string]string{"password": real}})
	expectCard(t, right, "cache", "ok", "succeeded")
}

func TestRealServerSlowerThanTheTimeout(t *testing.T) {
	frozen := redistest.Start(t, redistest.Options{})
	healthy := redistest.Start(t, redistest.Options{})
	frozen.Freeze(t)
	ds := realDatasource(t, options{readTimeoutMs: 300, connectTimeout: 300,
		nodes: []nodeSpec{{Address: frozen.Addr, Name: "frozen"}, {Address: healthy.Addr, Name: "healthy"}}})
	expectCard(t, ds, "frozen", "unreachable", "timeout")
	expectCard(t, ds, "healthy", "ok", "succeeded")
}

func TestRealServerThatRefusesInfoIsRestricted(t *testing.T) {
	server := redistest.Start(t, redistest.Options{RenameInfo: true})
	ds := realDatasource(t, options{nodes: []nodeSpec{{Address: server.Addr, Name: "managed"}}})
	expectCard(t, ds, "managed", "restricted", "unknown command")
	assertAlertValue(t, ds, "node_up", "managed", ptr(1))
	assertAlertValue(t, ds, "aof_rewrite_ok", "managed", nil)
}

func TestRealTLSWithAGeneratedCA(t *testing.T) {
	ca := redistest.NewCA(t)
	server := redistest.Start(t, redistest.Options{TLS: ca})
	trusting := realDatasource(t, options{tlsEnabled: true, nodes: []nodeSpec{{Address: server.Addr, Name: "tls"}},
		secure: map[string]string{"tlsCACert": string(ca.CAPEM)}})
	expectCard(t, trusting, "tls", "ok", "succeeded")

	perNode := realDatasource(t, options{nodes: []nodeSpec{{Address: "rediss://" + server.Addr, Name: "tls"}},
		secure: map[string]string{"tlsCACert": string(ca.CAPEM)}})
	expectCard(t, perNode, "tls", "ok", "succeeded")

	other := redistest.NewCA(t)
	untrusting := realDatasource(t, options{tlsEnabled: true, nodes: []nodeSpec{{Address: server.Addr, Name: "tls"}},
		secure: map[string]string{"tlsCACert": string(other.CAPEM)}})
	expectCard(t, untrusting, "tls", "unreachable", "tls:")

	plain := realDatasource(t, options{readTimeoutMs: 500, nodes: []nodeSpec{{Address: server.Addr, Name: "tls"}}})
	expectCard(t, plain, "tls", "unreachable", "the server speaks only TLS on this port: turn TLS on")
}

func TestRealLoadingAfterARestartIsLoadingNeverAOFOff(t *testing.T) {
	server := redistest.Start(t, redistest.Options{})
	loading := server.HoldLoading(t) // prints aof_enabled:0 although appendonly is yes
	ds := realDatasource(t, options{nodes: []nodeSpec{{Address: loading.Addr, Name: "restarting"}}})
	status, reason, frame := cardRows(t, ds)
	progress := field(t, frame, "loading_loaded_perc").At(0).(*float64)
	eta := field(t, frame, "loading_eta_seconds").At(0).(*int64)
	if status["restarting"] != "loading" || progress == nil || *progress <= 0 || *progress >= 100 || eta == nil {
		t.Fatalf("while loading: status %q reason %q progress %v eta %v", status["restarting"], reason["restarting"], progress, eta)
	}
	if enabled := field(t, frame, "aof_enabled").At(0).(*bool); enabled != nil {
		t.Fatalf("aof_enabled = %v while loading, want null: the 0 Redis prints then is not AOF off", *enabled)
	}
	for _, metric := range []string{"aof_enabled", "aof_rewrite_ok", "aof_write_ok"} {
		assertAlertValue(t, ds, metric, "restarting", nil)
	}
	assertAlertValue(t, ds, "node_up", "restarting", ptr(1))
	loading.ReleaseLoading(t)
	expectCard(t, ds, "restarting", "ok", "succeeded")
}

func TestRealRawAndSiblingsFrames(t *testing.T) {
	on := redistest.Start(t, redistest.Options{})
	off := redistest.Start(t, redistest.Options{AOFOff: true})
	ds := realDatasource(t, options{nodes: []nodeSpec{{Address: on.Addr, Name: "on"}, {Address: off.Addr, Name: "off"}}})

	raw := query(t, ds, "raw", `{}`)
	if raw.Error != nil {
		t.Fatal(raw.Error)
	}
	frame := raw.Frames[0]
	if size := field(t, frame, "aof_current_size"); size.At(0).(*int64) == nil || size.At(1).(*int64) != nil {
		t.Fatalf("aof_current_size is printed only with AOF on: got %v, %v", size.At(0), size.At(1))
	}
	if status := field(t, frame, "aof_last_bgrewrite_status").At(1).(*string); status == nil || *status != "ok" {
		t.Fatalf("strings stay strings: %v", status)
	}
	if perc := field(t, frame, "current_fork_perc"); perc.Type() != data.FieldTypeNullableFloat64 {
		t.Fatalf("decimals are numbers: current_fork_perc is %s", perc.Type())
	}

	siblings := query(t, ds, "siblings", `{"nodes":["off"]}`)
	if siblings.Error != nil {
		t.Fatal(siblings.Error)
	}
	frame = siblings.Frames[0]
	if frame.Rows() != 1 || field(t, frame, "node").At(0) != "off" {
		t.Fatalf("node filter not applied: %d rows", frame.Rows())
	}
	if uptime := field(t, frame, "uptime").At(0).(*int64); uptime == nil {
		t.Fatal("uptime missing")
	}
	if replicas := field(t, frame, "connected_replicas").At(0).(*int64); replicas == nil || *replicas != 0 {
		t.Fatalf("connected_replicas = %v", replicas)
	}
}

func ptr(value float64) *float64 { return &value }

// assertAlertValue runs the alerting query for one metric and checks the node's single value.
func assertAlertValue(t *testing.T, ds *Datasource, metric, node string, want *float64) {
	t.Helper()
	response := query(t, ds, "alerting", fmt.Sprintf(`{"metric":%q}`, metric))
	if response.Error != nil {
		t.Fatalf("alerting query failed: %v", response.Error)
	}
	for _, frame := range response.Frames {
		valueField := frame.Fields[0]
		if valueField.Labels["node"] != node {
			continue
		}
		got := valueField.At(0).(*float64)
		if (got == nil) != (want == nil) || (got != nil && *got != *want) {
			t.Fatalf("%s for %s = %s, want %s", metric, node, show(got), show(want))
		}
		return
	}
	t.Fatalf("no %s series for %s", metric, node)
}

func show(value *float64) string {
	if value == nil {
		return "null"
	}
	return fmt.Sprint(*value)
}

// RDB snapshots for real: a save that failed, a node that takes snapshots and has unsaved
// changes, and nodes that must not count as overdue (save "" with data, nothing to save).
func TestRealRDBSignals(t *testing.T) {
	failing := redistest.Start(t, redistest.Options{AOFOff: true})
	failing.SaveErrKilledChild(t)
	due := redistest.Start(t, redistest.Options{})
	due.SnapshotSchedule(t, "3600 1")
	due.UnsavedChanges(t)
	off := redistest.Start(t, redistest.Options{})
	off.UnsavedChanges(t) // save "" (the default here): no snapshots, however old the data
	quiet := redistest.Start(t, redistest.Options{})
	quiet.SnapshotSchedule(t, "3600 1")
	// CONFIG refused by the ACL, as managed services do: whether snapshots are due cannot be
	// told, so the age is not judged.
	noConfig := redistest.Start(t, redistest.Options{})
	noConfig.SnapshotSchedule(t, "3600 1")
	noConfig.UnsavedChanges(t)
	if err := noConfig.Client(t).Do(context.Background(), "ACL", "SETUSER", "default", "-config").Err(); err != nil {
		t.Fatal(err)
	}
	ds := realDatasource(t, options{nodes: []nodeSpec{
		{Address: failing.Addr, Name: "failing"}, {Address: due.Addr, Name: "due"}, {Address: off.Addr, Name: "off"}, {Address: quiet.Addr, Name: "quiet"},
		{Address: noConfig.Addr, Name: "no-config"},
	}})
	assertAlertValue(t, ds, "rdb_save_failing", "failing", ptr(1))
	for _, name := range []string{"due", "off", "quiet"} {
		assertAlertValue(t, ds, "rdb_save_failing", name, ptr(0))
	}
	assertAlertValue(t, ds, "rdb_unsaved_age_seconds", "off", ptr(0))
	assertAlertValue(t, ds, "rdb_unsaved_age_seconds", "quiet", ptr(0))
	assertAlertValue(t, ds, "rdb_unsaved_age_seconds", "no-config", ptr(0))

	// The age is the server's own clock: between what INFO says just before and just after.
	before := due.LastSaveAge(t)
	response := query(t, ds, "alerting", `{"metric":"rdb_unsaved_age_seconds","nodes":["due"]}`)
	after := due.LastSaveAge(t)
	if response.Error != nil || len(response.Frames) != 1 {
		t.Fatalf("alerting query: %v, %d frames", response.Error, len(response.Frames))
	}
	if got := response.Frames[0].Fields[0].At(0).(*float64); got == nil || *got < float64(before) || *got > float64(after) {
		t.Fatalf("rdb_unsaved_age_seconds for due = %s, want the server-clock age, %d to %d s", show(got), before, after)
	}

	siblings := query(t, ds, "siblings", `{}`)
	if siblings.Error != nil {
		t.Fatal(siblings.Error)
	}
	frame := siblings.Frames[0]
	for row, want := range []struct{ schedule, fsync, note string }{
		{`off (save "")`, "everysec", `save ""`}, {"3600 1", "everysec", ""}, {`off (save "")`, "everysec", `save ""`},
		{"3600 1", "everysec", "no changes"}, {"not shown: CONFIG is refused", "not shown: CONFIG is refused", "CONFIG is refused"},
	} {
		if got := field(t, frame, "save_schedule").At(row).(*string); got == nil || *got != want.schedule {
			t.Errorf("row %d: save_schedule %v, want %q", row, got, want.schedule)
		}
		if got := field(t, frame, "appendfsync").At(row).(*string); got == nil || *got != want.fsync {
			t.Errorf("row %d: appendfsync %v, want %q", row, got, want.fsync)
		}
		if note := field(t, frame, "rdb_unsaved_age_note").At(row).(string); !strings.Contains(note, want.note) || (want.note == "") != (note == "") {
			t.Errorf("row %d: note %q, want one with %q", row, note, want.note)
		}
	}
}
