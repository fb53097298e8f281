//go:build realredis

package protocol

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/grafana/dataplane/sdata/numeric"
	"github.com/grafana/dataplane/sdata/reader"
	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/data"

	"github.com/persistwatch/redis-persistence-datasource/internal/redistest"
	"github.com/persistwatch/redis-persistence-datasource/pkg/card"
	pkgframes "github.com/persistwatch/redis-persistence-datasource/pkg/frames"
	"github.com/persistwatch/redis-persistence-datasource/pkg/models"
)

// provisionedDatasource is the provisioned data source as the plugin process sees it.
type provisionedDatasource struct {
	host    *pluginHost
	pc      backend.PluginContext
	names   []string          // configured node names, in order
	address map[string]string // node name -> address
}

func newProvisionedDatasource(t *testing.T, host *pluginHost, pc backend.PluginContext) *provisionedDatasource {
	t.Helper()
	var stored struct {
		Nodes []struct{ Name, Address string } `json:"nodes"`
	}
	if err := json.Unmarshal(pc.DataSourceInstanceSettings.JSONData, &stored); err != nil {
		t.Fatal(err)
	}
	ds := &provisionedDatasource{host: host, pc: pc, address: map[string]string{}}
	for _, n := range stored.Nodes {
		ds.names = append(ds.names, n.Name)
		ds.address[n.Name] = n.Address
	}
	return ds
}

func (d *provisionedDatasource) send(t *testing.T, query backend.DataQuery, headers map[string]string) backend.DataResponse {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), callTimeout)
	defer cancel()
	response, err := d.host.QueryData(ctx, &backend.QueryDataRequest{PluginContext: d.pc, Headers: headers, Queries: []backend.DataQuery{query}})
	if err != nil {
		t.Fatalf("%v\nplugin stderr:\n%s", err, tail(d.host.stderr.String()))
	}
	result, ok := response.Responses[query.RefID]
	if !ok || len(response.Responses) != 1 {
		t.Fatalf("%d responses, want exactly refId %s", len(response.Responses), query.RefID)
	}
	return result
}

// panelQuery sends a dashboard target, its variables already interpolated, as a panel does.
func (d *provisionedDatasource) panelQuery(t *testing.T, target, model map[string]any) backend.DataResponse {
	t.Helper()
	raw, err := json.Marshal(model)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	return d.send(t, backend.DataQuery{
		RefID: fmt.Sprint(target["refId"]), QueryType: fmt.Sprint(target["queryType"]), JSON: raw,
		MaxDataPoints: 1000, Interval: 10 * time.Second, TimeRange: backend.TimeRange{From: now.Add(-6 * time.Hour), To: now},
	}, nil)
}

// alertQuery sends a rule's data source query as Grafana's alert evaluator does: the model as
// provisioned (no template variables), its relative time range, intervalMs and maxDataPoints
// added, and the headers alerting sets on every data source request.
func (d *provisionedDatasource) alertQuery(t *testing.T, r bundledRule) backend.DataResponse {
	t.Helper()
	model := map[string]any{"intervalMs": 1000, "maxDataPoints": 43200}
	for key, value := range r.model {
		model[key] = value
	}
	raw, err := json.Marshal(model)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	span := r.query.RelativeTimeRange
	return d.send(t, backend.DataQuery{
		RefID: r.query.RefID, QueryType: r.query.QueryType, JSON: raw, MaxDataPoints: 43200, Interval: time.Second,
		TimeRange: backend.TimeRange{From: now.Add(-time.Duration(span.From) * time.Second), To: now.Add(-time.Duration(span.To) * time.Second)},
	}, map[string]string{"FromAlert": "true", "X-Cache-Skip": "true", "X-Rule-Uid": r.rule.UID})
}

// alertValues reads a rule's answer the way Grafana's server-side expressions read it, with the
// dataplane numeric reader, and returns each node's value. Every node must have exactly one
// series, labelled with its name, address and role, and a value that is never null.
func alertValues(t *testing.T, d *provisionedDatasource, r bundledRule) map[string]float64 {
	t.Helper()
	values := map[string]float64{}
	for node, value := range seriesValues(t, d, r) {
		if value == nil {
			t.Fatalf("rule %q: node %s has no value: a rule's metric must never be null", r.rule.Title, node)
		}
		values[node] = *value
	}
	return values
}

// seriesValues reads a rule's numeric-multi answer with the dataplane reader: one series per
// node, labelled with its name, address and role; nil where the node has no value.
func seriesValues(t *testing.T, d *provisionedDatasource, r bundledRule) map[string]*float64 {
	t.Helper()
	response := d.alertQuery(t, r)
	if response.Error != nil {
		t.Fatalf("rule %q: %v", r.rule.Title, response.Error)
	}
	kind, err := reader.CanReadBasedOnMeta(response.Frames)
	if err != nil || kind != data.FrameTypeNumericMulti {
		t.Fatalf("rule %q: dataplane reader sees %q (%v), want %s", r.rule.Title, kind, err, data.FrameTypeNumericMulti)
	}
	collectionReader, err := numeric.CollectionReaderFromFrames(response.Frames)
	if err != nil {
		t.Fatalf("rule %q: %v", r.rule.Title, err)
	}
	collection, err := collectionReader.GetCollection(false) // true is not implemented in v0.0.9
	if err != nil || collection.Warning != nil {
		t.Fatalf("rule %q: numeric collection: %v (warning %v)", r.rule.Title, err, collection.Warning)
	}
	values := map[string]*float64{}
	for _, ref := range collection.Refs {
		labels := ref.GetLabels()
		node := labels["node"]
		if ref.GetMetricName() != string(r.metric) || labels["instance"] != d.address[node] || labels["role"] == "" {
			t.Fatalf("rule %q: series %s%v; want %s labelled with node, its address and a role", r.rule.Title, ref.GetMetricName(), labels, r.metric)
		}
		value, empty, err := ref.NullableFloat64Value()
		if err != nil || empty {
			t.Fatalf("rule %q: node %s: a series without its one row (empty %v, err %v)", r.rule.Title, node, empty, err)
		}
		if _, dup := values[node]; dup {
			t.Fatalf("rule %q: two series for node %q", r.rule.Title, node)
		}
		values[node] = value
	}
	if len(values) != len(d.names) {
		t.Fatalf("rule %q: %d series for %d nodes", r.rule.Title, len(values), len(d.names))
	}
	return values
}

// firingNodes are the nodes whose value meets the rule's threshold.
func firingNodes(r bundledRule, values map[string]float64) []string {
	rule := evidenceRule[r.metric]
	var firing []string
	for node, value := range values {
		if (rule.evaluator == "gt" && value > rule.param) || (rule.evaluator == "lt" && value < rule.param) {
			firing = append(firing, node)
		}
	}
	sort.Strings(firing)
	return firing
}

// interpolate replaces $node in a target's node filter the way the frontend does for one repeat
// (values = one node) or for "All" (values = every node).
func interpolate(t *testing.T, target map[string]any, values []string) map[string]any {
	t.Helper()
	out := map[string]any{}
	for k, v := range target {
		out[k] = v
	}
	var nodes []string
	entries, _ := target["nodes"].([]any)
	for _, entry := range entries {
		text := fmt.Sprint(entry)
		switch {
		case text == "$"+nodeVariable || text == "${"+nodeVariable+"}":
			nodes = append(nodes, values...)
		case strings.Contains(text, "$"):
			t.Fatalf("target %v uses an unknown variable %q", target, text)
		default:
			nodes = append(nodes, text)
		}
	}
	out["nodes"] = nodes
	return out
}

func fieldValue(t *testing.T, frame *data.Frame, field string, row int) any {
	t.Helper()
	f, _ := frame.FieldByName(field)
	if f == nil {
		t.Fatalf("frame %q has no field %q", frame.Name, field)
	}
	if v, ok := f.ConcreteAt(row); ok {
		return v
	}
	return nil
}

func rowOf(t *testing.T, frame *data.Frame, node string) int {
	t.Helper()
	for i := 0; i < frame.Rows(); i++ {
		if fieldValue(t, frame, "node", i) == node {
			return i
		}
	}
	t.Fatalf("frame %q has no row for node %q", frame.Name, node)
	return -1
}

// checkPanel runs one panel's targets for the given node values and checks the frame has what
// the panel shows. It returns the frames of the first target.
func checkPanel(t *testing.T, live *provisionedDatasource, p panel, values []string) data.Frames {
	t.Helper()
	var first data.Frames
	for i, target := range p.Targets {
		model := interpolate(t, target, values)
		response := live.panelQuery(t, target, model)
		if response.Error != nil {
			t.Fatalf("panel %q for %v: %v", p.Title, values, response.Error)
		}
		if isLive, _ := target["live"].(bool); isLive {
			// The browser streams this target; through /api/ds/query it answers one sample.
			checkGrowthSample(t, p, response, values)
			if i == 0 {
				first = response.Frames
			}
			continue
		}
		if len(response.Frames) != 1 || response.Frames[0].Rows() != len(values) {
			t.Fatalf("panel %q for %v: want one frame with a row per node, got %d frames", p.Title, values, len(response.Frames))
		}
		frame := response.Frames[0]
		if i == 0 {
			first = response.Frames
		}
		// Every field a panel configures by name must exist: a renamed backend field would leave
		// the panel silently empty.
		display := map[string]string{}
		for _, f := range frame.Fields {
			display[f.Name] = f.Name
			if f.Config != nil && f.Config.DisplayName != "" {
				display[f.Name] = f.Config.DisplayName
			}
		}
		configured := p.overriddenFields()
		for name, displayName := range configured {
			if _, ok := display[name]; !ok {
				t.Errorf("panel %q configures field %q, which the %s frame does not have", p.Title, name, frame.Name)
			}
			if displayName != "" {
				display[name] = displayName
			}
		}
		for _, transformation := range p.Transformations {
			for _, key := range []string{"excludeByName", "indexByName", "renameByName"} {
				names, _ := transformation.Options[key].(map[string]any)
				for name := range names {
					if _, ok := display[name]; !ok {
						t.Errorf("panel %q: transformation %s names field %q, which the %s frame does not have", p.Title, transformation.ID, name, frame.Name)
					}
				}
			}
		}
		// A stat panel shows the fields whose display name matches reduceOptions.fields (Grafana's
		// byRegexp matcher tests the display name): exactly the fields it configures.
		if p.Type == "stat" {
			re := jsRegexp(t, p.Options.ReduceOptions.Fields)
			var shown, want []string
			for name, displayName := range display {
				if re.MatchString(displayName) {
					shown = append(shown, name)
				}
			}
			for name := range configured {
				want = append(want, name)
			}
			sort.Strings(shown)
			sort.Strings(want)
			if !slices.Equal(shown, want) {
				t.Errorf("stat %q: reduceOptions.fields %q shows fields %v, want %v", p.Title, p.Options.ReduceOptions.Fields, shown, want)
			}
		}
	}
	return first
}

// fleet is a real redis-server in every state the card shows. The provisioned trio (healthy,
// failing-rewrites, aof-off) comes from the data source file; the others join it as extra nodes.
type fleet struct {
	env   map[string]string
	extra []map[string]any
}

const (
	fleetPassword = "provisioned-Pa55-1d9e"
	otherPassword = "another-Pa55-83b2"
)

// startFleet drives real servers into each state: a successful rewrite; failed rewrites in a row
// (the child killed, err, stuck); AOF switched off after a failed rewrite (INFO still prints the
// stale err); a rewrite running after a failure (stale by one) while the file grows far past its
// rewrite trigger; AOF appends failing for real; an RDB save failing (its child killed); a node
// that takes snapshots and has unsaved changes; a closed port; and a server whose password is not
// the data source's. Every other node has save "" (no snapshots) and unsaved data.
func startFleet(t *testing.T) fleet {
	t.Helper()
	start := func(opts redistest.Options) *redistest.Server {
		if opts.Password == "" {
			opts.Password = fleetPassword
		}
		return redistest.Start(t, opts)
	}
	healthy, failing, aofOff := start(redistest.Options{}), start(redistest.Options{}), start(redistest.Options{})
	rewriting, writeErr := start(redistest.Options{}), start(redistest.Options{FileSizeLimitKB: 256})
	wrongPassword := start(redistest.Options{Password: otherPassword})
	rdbErr, snapshotsDue := start(redistest.Options{AOFOff: true}), start(redistest.Options{})
	healthy.RewriteOK(t)
	failing.RewriteErrStreak(t, card.StuckAfter)
	aofOff.RewriteErrKilledChild(t)
	aofOff.DisableAOF(t)
	rewriting.RewriteOK(t) // a base size to grow from
	rewriting.RewriteErrKilledChild(t)
	rewriting.HoldRewriteInProgress(t)
	rewriting.GrowPastRewriteTrigger(t)
	rdbErr.SaveErrKilledChild(t)
	snapshotsDue.SnapshotSchedule(t, "3600 1")
	snapshotsDue.UnsavedChanges(t)
	snapshotsDue.AgeLastSave(t, 1)
	writeErr.WriteErr(t)
	wrongPassword.RewriteOK(t)
	return fleet{
		env: map[string]string{
			"REDIS_HEALTHY_ADDR":          healthy.Addr,
			"REDIS_FAILING_REWRITES_ADDR": failing.Addr,
			"REDIS_AOF_OFF_ADDR":          aofOff.Addr,
			"REDIS_PASSWORD":              fleetPassword,
		},
		extra: []map[string]any{
			{"name": "rewriting", "address": rewriting.Addr},
			{"name": "write-err", "address": writeErr.Addr},
			{"name": "down", "address": redistest.ClosedAddr(t)},
			{"name": "wrong-password", "address": wrongPassword.Addr},
			{"name": "rdb-err", "address": rdbErr.Addr},
			{"name": "snapshots-due", "address": snapshotsDue.Addr},
		},
	}
}

// What each node must show: the card, whether a rewrite is reported running, and which rules
// have evidence against it.
var wantCard = map[string]struct {
	status  string
	running bool
}{
	"healthy":          {"ok", false},
	"failing-rewrites": {"err", false},
	"aof-off":          {"n/a", false},
	"rewriting":        {"err", true},
	"write-err":        {"ok", false},
	"down":             {"unreachable", false},
	"wrong-password":   {"unreachable", false},
	"rdb-err":          {"n/a", false},
	"snapshots-due":    {"ok", false},
}

var wantFiring = map[models.Metric][]string{
	models.MetricRewriteFailing: {"failing-rewrites", "rewriting"},
	models.MetricRewriteStuck:   {"failing-rewrites"},
	models.MetricWriteFailing:   {"write-err"},
	models.MetricRDBSaveFailing: {"rdb-err"},
	// No node can be a day without a save in a test: the age rule's evidence is checked by value
	// (wantAmount); its threshold leaves a node seconds old alone.
	models.MetricRDBUnsavedAge:  nil,
	models.MetricRewriteOverdue: {"rewriting"},
	// A delayed fsync needs a disk slower than Redis's 2 s wait; the memory behind the increase
	// is unit-tested in pkg/plugin.
	models.MetricDelayedFsyncIncrease: nil,
	models.MetricNodeUp:               {"down", "wrong-password"},
}

// wantAmount are the nodes with a non-zero value of an amount metric: the only node that takes
// snapshots and has unsaved changes, not the nodes with save "" and data; the node whose file
// grew past its trigger while a rewrite is held.
var wantAmount = map[models.Metric][]string{
	models.MetricRDBUnsavedAge:        {"snapshots-due"},
	models.MetricRewriteOverdue:       {"rewriting"},
	models.MetricDelayedFsyncIncrease: nil,
}

func TestProvisionedFilesThroughThePluginHost(t *testing.T) {
	binary := buildPlugin(t)
	f := startFleet(t)
	host := startPlugin(t, binary)
	live := newProvisionedDatasource(t, host, pluginContext(t, loadDatasourceFile(t), f.env, f.extra...))
	if len(live.names) != len(wantCard) {
		t.Fatalf("configured nodes %v, want %d", live.names, len(wantCard))
	}

	t.Run("dashboard", func(t *testing.T) {
		for _, p := range loadDashboard(t).dataPanels() {
			repeats := [][]string{live.names} // "All"
			if p.repeatedBy == nodeVariable {
				repeats = nil
				for _, name := range live.names {
					repeats = append(repeats, []string{name})
				}
			}
			// A panel asks for the fields it shows: the whole card costs several times more to send.
			for _, target := range p.Targets {
				queryType, _ := target["queryType"].(string)
				isLive, _ := target["live"].(bool)
				if fields, _ := target["fields"].([]any); (queryType == "" || queryType == "card" || queryType == "siblings") && !isLive && len(fields) == 0 {
					t.Errorf("panel %q asks for every field of the %s frame; list the ones it shows in the target's fields", p.Title, queryType)
				}
			}
			for _, values := range repeats {
				frames := checkPanel(t, live, p, values)
				frame := frames[0]
				switch {
				case p.Title == cardPanelTitle:
					node, want := values[0], wantCard[values[0]]
					if got := fieldValue(t, frame, "status", 0); got != want.status {
						t.Errorf("card for %s shows %v, want %s (reason: %v)", node, got, want.status, fieldValue(t, frame, "reason", 0))
					}
					if got := fieldValue(t, frame, "rewrite_in_progress", 0); got != want.running {
						t.Errorf("card for %s: rewrite_in_progress %v, want %v", node, got, want.running)
					}
				case p.Title == livePanelTitle:
					for _, node := range values {
						status := fieldValue(t, frame, node+pkgframes.GrowthStatusSuffix, 0)
						current := fieldValue(t, frame, node+pkgframes.GrowthCurrentSuffix, 0)
						if status != wantCard[node].status || (status == "ok" || status == "err") != (current != nil) {
							t.Errorf("live growth for %s: status %v, current size %v; want %s, with a size exactly when AOF is on", node, status, current, wantCard[node].status)
						}
					}
				case frame.Name == "siblings":
					for _, node := range values {
						row := rowOf(t, frame, node)
						reachable := wantCard[node].status != "unreachable"
						for _, field := range []string{"uptime", "used_memory", "mem_fragmentation_ratio", "connected_replicas", "last_rdb_save_age", "rdb_last_bgsave_status", "rdb_unsaved_age", "save_schedule", "appendfsync"} {
							if f, _ := frame.FieldByName(field); f == nil {
								continue // not this panel's
							}
							if (fieldValue(t, frame, field, row) != nil) != reachable {
								t.Errorf("siblings for %s: %s is %v; want a value exactly when the node answers", node, field, fieldValue(t, frame, field, row))
							}
						}
					}
				}
			}
		}
	})

	t.Run("alert rules", func(t *testing.T) {
		_, rules := loadAlertRules(t)
		for _, r := range rules {
			values := alertValues(t, live, r)
			var nonZero []string
			for node, value := range values {
				if evidenceRule[r.metric].flag && value != 0 && value != 1 {
					t.Errorf("rule %q: %s = %v, want 0 or 1", r.rule.Title, node, value)
				}
				if value != 0 {
					nonZero = append(nonZero, node)
				}
			}
			sort.Strings(nonZero)
			if want, amount := wantAmount[r.metric]; amount && !slices.Equal(nonZero, want) {
				t.Errorf("rule %q: non-zero for %v, want %v (values %v)", r.rule.Title, nonZero, want, values)
			}
			if got := firingNodes(r, values); !slices.Equal(got, wantFiring[r.metric]) {
				t.Errorf("rule %q has evidence against %v, want %v (values %v)", r.rule.Title, got, wantFiring[r.metric], values)
			}
		}
	})

	t.Run("recording rules", func(t *testing.T) {
		for _, r := range loadRecordingRules(t) {
			values := seriesValues(t, live, r)
			for node, value := range values {
				judged := wantCard[node].status == "ok" || wantCard[node].status == "err"
				if r.metric == models.MetricCurrentSize && (value != nil) != judged {
					t.Errorf("rule %q: %s = %v; want a size exactly when AOF is on and the node answers", r.rule.Title, node, value)
				}
			}
		}
	})

	t.Run("no secret in any response", func(t *testing.T) {
		if wire := host.wire.Bytes(); bytes.Contains(wire, []byte(fleetPassword)) || bytes.Contains(wire, []byte(otherPassword)) {
			t.Fatal("a password appears in a gRPC response")
		}
	})
}
