package frames

import (
	"flag"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/data"
	"github.com/grafana/grafana-plugin-sdk-go/experimental"

	"github.com/persistwatch/redis-persistence-datasource/internal/tsconst"
	"github.com/persistwatch/redis-persistence-datasource/pkg/card"
	"github.com/persistwatch/redis-persistence-datasource/pkg/info"
	"github.com/persistwatch/redis-persistence-datasource/pkg/models"
	"github.com/persistwatch/redis-persistence-datasource/pkg/nodeinfo"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// fleet is one node in each state the card shows, starting from a real Redis 7.0.15 reply.
func fleet(t *testing.T) []nodeinfo.Reading {
	t.Helper()
	raw, err := os.ReadFile("testdata/redis-7.0.15-server-memory-persistence-replication.txt")
	if err != nil {
		t.Fatal(err)
	}
	real := string(raw)
	replace := func(pairs ...string) info.Info { return info.Parse(strings.NewReplacer(pairs...).Replace(real)) }
	trigger := nodeinfo.RewriteTrigger{Known: true, Percent: 100, MinSizeBytes: 64 << 20}
	schedule, everysec := "3600 1 300 100 60 10000", "everysec"
	config := nodeinfo.PersistenceConfig{Save: &schedule, AppendFsync: &everysec}
	return []nodeinfo.Reading{
		{Node: nodeAt("healthy", "10.0.0.1:6379"), Info: info.Parse(real), Trigger: trigger, Config: config},
		{Node: nodeAt("failing", "10.0.0.2:6379"), Trigger: trigger, Config: config, Info: replace(
			"aof_last_bgrewrite_status:ok", "aof_last_bgrewrite_status:err",
			"aof_rewrites_consecutive_failures:0", "aof_rewrites_consecutive_failures:3",
			"aof_current_size:50", "aof_current_size:400000000", "aof_base_size:0", "aof_base_size:100000000",
			"rdb_last_bgsave_status:ok", "rdb_last_bgsave_status:err")},
		{Node: nodeAt("aof-off", "10.0.0.3:6379"), Config: nodeinfo.PersistenceConfig{ConfigRefused: true}, Info: replace("aof_enabled:1", "aof_enabled:0", "aof_last_bgrewrite_status:ok", "aof_last_bgrewrite_status:err")},
		{Node: nodeAt("rewriting", "10.0.0.4:6379"), Trigger: trigger, Info: replace(
			"aof_rewrite_in_progress:0", "aof_rewrite_in_progress:1", "aof_current_rewrite_time_sec:-1", "aof_current_rewrite_time_sec:42", "role:master", "role:slave")},
		{Node: nodeAt("down", "10.0.0.5:6379"), Err: &nodeinfo.Failure{Kind: nodeinfo.KindRefused, Detail: "dial tcp 10.0.0.5:6379: connect: connection refused"}},
		{Node: nodeAt("managed", "10.0.0.6:6379"), Err: &nodeinfo.Failure{Kind: nodeinfo.KindInfoRefused, Detail: "ERR unknown command 'INFO'"}},
	}
}

func nodeAt(name, address string) nodeinfo.Node {
	return nodeinfo.Node{Name: name, Address: address, Network: "tcp", Dial: address}
}

func cardsOf(readings []nodeinfo.Reading) []NodeCard {
	cards := make([]NodeCard, len(readings))
	for i, r := range readings {
		cards[i] = NodeCard{Node: r.Node, Card: card.Evaluate(r)}
	}
	return cards
}

// siblingsNow is the fallback clock of the fixtures (they print server_time_usec).
var siblingsNow = time.Unix(1795491900, 0)

func signalsOf(readings []nodeinfo.Reading) []NodeSignals {
	result := make([]NodeSignals, len(readings))
	for i, r := range readings {
		c := card.Evaluate(r)
		result[i] = NodeSignals{NodeCard: NodeCard{Node: r.Node, Card: c}, Signals: card.SignalsOf(c, card.SiblingsOf(r, siblingsNow))}
	}
	return result
}

// loadingReading is a node replaying its AOF after a restart, as Redis 7.0.15 prints it: AOF is
// off internally for the replay (aof_enabled:0, no sizes) and the load's progress follows.
func loadingReading(t *testing.T) nodeinfo.Reading {
	t.Helper()
	raw, err := os.ReadFile("testdata/redis-7.0.15-server-memory-persistence-replication.txt")
	if err != nil {
		t.Fatal(err)
	}
	text := strings.NewReplacer(
		"\nloading:0", "\nloading:1",
		"aof_enabled:1", "aof_enabled:0",
		"aof_current_size:50\r\naof_base_size:0\r\naof_pending_rewrite:0\r\naof_buffer_length:0\r\naof_pending_bio_fsync:0\r\naof_delayed_fsync:0\r\n",
		"loading_start_time:1796087337\r\nloading_total_bytes:36988\r\nloading_rdb_used_mem:1220904\r\nloading_loaded_bytes:2047\r\nloading_loaded_perc:5.53\r\nloading_eta_seconds:17\r\n",
	).Replace(string(raw))
	return nodeinfo.Reading{Node: nodeAt("restarting", "10.0.0.7:6379"), Info: info.Parse(text)}
}

func TestCardFrameGolden(t *testing.T) {
	response := backend.DataResponse{Frames: data.Frames{Card(cardsOf(append(fleet(t), loadingReading(t))))}}
	experimental.CheckGoldenJSONResponse(t, "testdata", "card", &response, *update)
}

// An evidence metric (never null) and a measurement (null where the node cannot be judged).
func TestAlertingFramesGolden(t *testing.T) {
	for _, metric := range []models.Metric{models.MetricRewriteFailing, models.MetricRewriteOK, models.MetricRDBSaveFailing, models.MetricRDBUnsavedAge, models.MetricRewriteOverdue} {
		t.Run(string(metric), func(t *testing.T) {
			response := backend.DataResponse{Frames: Alerting(signalsOf(fleet(t)), metric)}
			experimental.CheckGoldenJSONResponse(t, "testdata", "alerting-"+string(metric), &response, *update)
		})
	}
}

// discoveredFleet is a cluster shard (a primary and a replica that is down, whose role only the
// cluster knows) and a sentinel-managed master, with a discovery problem.
func discoveredFleet(t *testing.T) []nodeinfo.Reading {
	t.Helper()
	readings := fleet(t)
	primary, replica, master := readings[0], readings[4], readings[1]
	primary.Node.Role, primary.Node.Shard = "primary", "0-8191"
	replica.Node.Role, replica.Node.Shard = "replica", "0-8191"
	master.Node.Role, master.Node.MasterName = "primary", "orders"
	return []nodeinfo.Reading{primary, replica, master}
}

func TestDiscoveredNodesCarryTheirGroupGolden(t *testing.T) {
	readings := discoveredFleet(t)
	problems := []nodeinfo.Problem{{Source: "cluster seed 10.9.9.9:6379", Err: &nodeinfo.Failure{Kind: nodeinfo.KindRefused, Detail: "connection refused"}}}
	card := WithDiscoveryProblems(data.Frames{Card(cardsOf(readings))}, problems)
	response := backend.DataResponse{Frames: append(card, Alerting(signalsOf(readings), models.MetricNodeUp)...)}
	experimental.CheckGoldenJSONResponse(t, "testdata", "discovered", &response, *update)
}

func TestRawFrameGolden(t *testing.T) {
	response := backend.DataResponse{Frames: data.Frames{Raw(fleet(t))}}
	experimental.CheckGoldenJSONResponse(t, "testdata", "raw", &response, *update)
}

func TestAlertingFramesAreDataplaneNumericMulti(t *testing.T) {
	cards := signalsOf(fleet(t))
	frames := Alerting(cards, "")
	if want := len(cards) * len(models.Metrics); len(frames) != want {
		t.Fatalf("got %d frames, want one per node and metric (%d)", len(frames), want)
	}
	for _, frame := range frames {
		if frame.Meta == nil || frame.Meta.Type != data.FrameTypeNumericMulti || frame.Meta.TypeVersion.IsZero() {
			t.Fatalf("frame %s has no dataplane type/version: %+v", frame.Name, frame.Meta)
		}
		if len(frame.Fields) != 1 || frame.Fields[0].Len() != 1 || frame.Fields[0].Type() != data.FieldTypeNullableFloat64 {
			t.Fatalf("frame %s is not one nullable number", frame.Name)
		}
		labels := frame.Fields[0].Labels
		if labels["instance"] == "" || labels["role"] == "" || labels["node"] == "" {
			t.Fatalf("frame %s lacks identity labels: %v", frame.Name, labels)
		}
	}
}

func TestAOFOffCannotFireTheRewriteAlert(t *testing.T) {
	for _, frame := range Alerting(signalsOf(fleet(t)), models.MetricRewriteOK) {
		value := frame.Fields[0].At(0).(*float64)
		node := frame.Fields[0].Labels["node"]
		switch node {
		case "aof-off", "down", "managed":
			if value != nil {
				t.Errorf("%s: aof_rewrite_ok = %v, want null so no threshold can fire", node, *value)
			}
		case "failing":
			if value == nil || *value != 0 {
				t.Errorf("failing: aof_rewrite_ok = %v, want 0", value)
			}
		case "rewriting":
			if value == nil || *value != 1 {
				t.Errorf("rewriting after an ok: aof_rewrite_ok = %v, want 1 (previous result)", value)
			}
		}
	}
}

func TestNoticesNameTheNodesThatCouldNotBeJudged(t *testing.T) {
	got := Card(cardsOf(fleet(t))).Meta.Notices
	if len(got) != 2 || !strings.Contains(got[0].Text, "down (10.0.0.5:6379) is unreachable: refused") ||
		!strings.Contains(got[1].Text, "managed (10.0.0.6:6379) is restricted") {
		t.Fatalf("notices = %+v", got)
	}
}

func TestSiblingsFrameGolden(t *testing.T) {
	var rows []NodeSiblings
	for _, r := range fleet(t) {
		row := NodeSiblings{Node: r.Node, Siblings: card.SiblingsOf(r, siblingsNow)}
		if r.Err != nil {
			text := r.Err.Error()
			row.Err = &text
		}
		rows = append(rows, row)
	}
	response := backend.DataResponse{Frames: data.Frames{Siblings(rows)}}
	experimental.CheckGoldenJSONResponse(t, "testdata", "siblings", &response, *update)
}

// A loading node is up and cannot be judged: node_up 1, no evidence of any failure (0), and no
// measurement (null).
func TestALoadingNodeFiresNoAlert(t *testing.T) {
	evidence := map[string]bool{}
	for _, m := range []models.Metric{models.MetricRewriteFailing, models.MetricRewriteStuck, models.MetricWriteFailing,
		models.MetricRDBSaveFailing, models.MetricRDBUnsavedAge, models.MetricRewriteOverdue, models.MetricDelayedFsyncIncrease} {
		evidence[string(m)] = true
	}
	for _, frame := range Alerting(signalsOf([]nodeinfo.Reading{loadingReading(t)}), "") {
		value := frame.Fields[0].At(0).(*float64)
		var want *float64
		switch {
		case frame.Name == string(models.MetricNodeUp):
			one := 1.0
			want = &one
		case evidence[frame.Name]:
			want = new(float64)
		}
		if (value == nil) != (want == nil) || (value != nil && *value != *want) {
			t.Errorf("%s of a loading node = %v, want %v", frame.Name, value, want)
		}
	}
}

// The status panel's card: node, the status and whether a rewrite runs now, with the notices.
func TestSelectedCardFieldsGolden(t *testing.T) {
	selected := CardFields.Select(Card(cardsOf(fleet(t))), []string{"status", "rewrite_in_progress"})
	response := backend.DataResponse{Frames: data.Frames{selected}}
	experimental.CheckGoldenJSONResponse(t, "testdata", "card-selected", &response, *update)
}

// What a selection may name is what the frames really have: a discovered node's card has every
// card field, a siblings frame every siblings field.
func TestFieldSetsNameTheFramesFields(t *testing.T) {
	if got, want := frameFieldNames(Card(cardsOf(discoveredFleet(t)))), CardFields.Names(); !slices.Equal(got, want) {
		t.Errorf("card frame fields %v, CardFields %v", got, want)
	}
	if _, err := CardFields.Normalize(CardFields.Names()); err != nil {
		t.Errorf("every card field must be selectable: %v", err)
	}
	if got, err := CardFields.Normalize([]string{"reason", "status", "reason"}); err != nil || !slices.Equal(got, []string{"status", "reason"}) {
		t.Errorf("a selection in another order, with a repeat: %v, %v; want status and reason, in frame order", got, err)
	}
	if _, err := SiblingsFields.Normalize([]string{"uptime", "status"}); err == nil || !strings.Contains(err.Error(), `field "status" is not in the siblings frame`) {
		t.Errorf("a card field asked of siblings: %v", err)
	}
	if _, err := CardFields.Normalize(slices.Repeat([]string{"node"}, len(CardFields.Names())+1)); err == nil {
		t.Error("more names than the frame has fields must be refused")
	}
	static := CardFields.Select(Card(cardsOf(fleet(t))), []string{"shard", "growth"})
	if got := frameFieldNames(static); !slices.Equal(got, []string{"node", "growth"}) {
		t.Errorf("shard on a static data source: fields %v, want node and growth", got)
	}
}

// The frontend's field pickers offer the same names, in the same order (src/types.ts).
func TestFrontendListsTheSameFields(t *testing.T) {
	for name, set := range map[string]FieldSet{"CARD_FIELDS": CardFields, "SIBLINGS_FIELDS": SiblingsFields} {
		got, err := tsconst.Tuple("../../src/types.ts", name)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got, set.Names()) {
			t.Errorf("src/types.ts %s %v, backend %v", name, got, set.Names())
		}
	}
}
