package plugin

import (
	"context"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/data"

	"github.com/persistwatch/redis-persistence-datasource/pkg/flight"
	"github.com/persistwatch/redis-persistence-datasource/pkg/frames"
	"github.com/persistwatch/redis-persistence-datasource/pkg/info"
	"github.com/persistwatch/redis-persistence-datasource/pkg/node"
	"github.com/persistwatch/redis-persistence-datasource/pkg/nodeinfo"
	"github.com/persistwatch/redis-persistence-datasource/pkg/settings"
)

// fakeNodes answers the handlers from canned readings: the handlers tested without a server.
type fakeNodes struct {
	nodes    []nodeinfo.Node
	readings map[string]nodeinfo.Reading // by node name
	reads    atomic.Int32
	// hold, when set, keeps every read waiting until it is closed.
	hold chan struct{}
}

func (f *fakeNodes) Select(_ context.Context, filter []string) (node.Selection, error) {
	if len(filter) == 0 {
		return node.NewSelection(f.nodes, nil), nil
	}
	var chosen []nodeinfo.Node
	for _, name := range filter {
		i := findNode(f.nodes, name)
		if i < 0 {
			return node.Selection{}, fmt.Errorf("node filter names %q, which this data source does not configure", name)
		}
		chosen = append(chosen, f.nodes[i])
	}
	return node.NewSelection(chosen, nil), nil
}

func findNode(nodes []nodeinfo.Node, name string) int {
	for i, n := range nodes {
		if n.Name == name {
			return i
		}
	}
	return -1
}

func (f *fakeNodes) Read(_ context.Context, selection node.Selection, _ node.Request) []nodeinfo.Reading {
	f.reads.Add(1)
	if f.hold != nil {
		<-f.hold
	}
	nodes := selection.Nodes()
	readings := make([]nodeinfo.Reading, len(nodes))
	for i, n := range nodes {
		readings[i] = f.readings[n.Name]
		readings[i].Node = n
	}
	return readings
}

func (f *fakeNodes) Discovery() settings.Discovery { return settings.DiscoveryStatic }
func (f *fakeNodes) Close() error                  { return nil }

// persistenceINFO is an INFO reply of a node with AOF on or off and the last rewrite's status.
func persistenceINFO(aofEnabled int, rewriteStatus string) info.Info {
	return info.Parse(fmt.Sprintf("# Persistence\r\nloading:0\r\naof_enabled:%d\r\naof_rewrite_in_progress:0\r\naof_rewrite_scheduled:0\r\n"+
		"aof_last_bgrewrite_status:%s\r\naof_last_write_status:ok\r\naof_current_size:200\r\naof_base_size:100\r\n# Replication\r\nrole:master\r\n", aofEnabled, rewriteStatus))
}

// fourNodes is a fleet of one node per card status the fake can show.
func fourNodes() *fakeNodes {
	fake := &fakeNodes{readings: map[string]nodeinfo.Reading{
		"ok":   {Info: persistenceINFO(1, "ok")},
		"err":  {Info: persistenceINFO(1, "err")},
		"off":  {Info: persistenceINFO(0, "err")},
		"gone": {Err: &nodeinfo.Failure{Kind: nodeinfo.KindRefused, Detail: "connection refused"}},
	}}
	for i, name := range []string{"ok", "err", "off", "gone"} {
		fake.nodes = append(fake.nodes, nodeinfo.Node{Name: name, Address: fmt.Sprintf("10.0.0.%d:6379", i+1)})
	}
	return fake
}

func column(t *testing.T, frame *data.Frame, name string) []string {
	t.Helper()
	field, _ := frame.FieldByName(name)
	if field == nil {
		t.Fatalf("frame %q has no field %q", frame.Name, name)
	}
	values := make([]string, field.Len())
	for i := range values {
		values[i] = fmt.Sprint(field.At(i))
	}
	return values
}

func TestEachQueryTypeAnswersItsOwnFrames(t *testing.T) {
	ds := newDatasource(fourNodes())
	card := query(t, ds, "card", `{}`)
	if card.Error != nil || len(card.Frames) != 1 {
		t.Fatalf("card: %v, %d frames", card.Error, len(card.Frames))
	}
	if got := strings.Join(column(t, card.Frames[0], "status"), " "); got != "ok err n/a unreachable" {
		t.Errorf("card statuses %q, want ok err n/a unreachable", got)
	}
	if defaulted := query(t, ds, "", `{}`); defaulted.Error != nil || len(defaulted.Frames) != 1 || defaulted.Frames[0].Name != card.Frames[0].Name {
		t.Errorf("a query without queryType must answer the card; got %+v", defaulted)
	}
	growth := query(t, ds, "card", `{"live":true,"liveIntervalMs":5000}`)
	if growth.Error != nil || len(growth.Frames) != 1 || growth.Frames[0].Name != "growth" {
		t.Fatalf("a live card query must answer the growth series, not the card: %+v", growth)
	}
	failing := query(t, ds, "alerting", `{"metric":"aof_rewrite_failing"}`)
	var values []string
	for _, frame := range failing.Frames {
		values = append(values, frame.Fields[0].Labels["node"]+"="+fmt.Sprint(*frame.Fields[0].At(0).(*float64)))
	}
	if got := strings.Join(values, " "); got != "ok=0 err=1 off=0 gone=0" {
		t.Errorf("aof_rewrite_failing %q, want ok=0 err=1 off=0 gone=0", got)
	}
	raw := query(t, ds, "raw", `{"nodes":["err"]}`)
	if raw.Error != nil || len(raw.Frames) != 1 || raw.Frames[0].Rows() == 0 {
		t.Fatalf("raw: %+v", raw)
	}
	if nodes := column(t, raw.Frames[0], "node"); slicesHaveOnly(nodes, "err") != nil {
		t.Errorf("raw rows of %v; the filter asked for err only", nodes)
	}
	siblings := query(t, ds, "siblings", `{}`)
	if siblings.Error != nil || len(siblings.Frames) != 1 || siblings.Frames[0].Rows() != 4 {
		t.Fatalf("siblings: %+v", siblings)
	}
}

func fieldNames(frame *data.Frame) string {
	names := make([]string, len(frame.Fields))
	for i, field := range frame.Fields {
		names[i] = field.Name
	}
	return strings.Join(names, " ")
}

// A panel asks for the fields it shows and gets them, in frame order, with the fields that tell
// the rows apart; a name the frame lacks is the query's error; other answers ignore the selection.
func TestAFieldSelectionReturnsWhatThePanelShows(t *testing.T) {
	ds := newDatasource(fourNodes())
	status := query(t, ds, "card", `{"fields":["rewrite_in_progress","status"]}`)
	if status.Error != nil || len(status.Frames) != 1 {
		t.Fatalf("card with fields: %+v", status)
	}
	if got, want := fieldNames(status.Frames[0]), "node status rewrite_in_progress"; got != want {
		t.Errorf("card fields %q, want %q", got, want)
	}
	if got := strings.Join(column(t, status.Frames[0], "status"), " "); got != "ok err n/a unreachable" {
		t.Errorf("card statuses %q, want ok err n/a unreachable", got)
	}
	if meta := status.Frames[0].Meta; meta == nil || len(meta.Notices) != 1 || !strings.Contains(meta.Notices[0].Text, "gone") {
		t.Errorf("a selection must keep the notice of the node that could not be judged; meta %+v", meta)
	}
	if whole := query(t, ds, "card", `{}`); len(whole.Frames[0].Fields) != len(frames.CardFields.Names())-2 { // no shard, master_name
		t.Errorf("a card without a selection has %d fields, want every card field", len(whole.Frames[0].Fields))
	}
	siblings := query(t, ds, "siblings", `{"fields":["uptime"]}`)
	if got, want := fieldNames(siblings.Frames[0]), "node error uptime"; siblings.Error != nil || got != want {
		t.Errorf("siblings fields %q (%v), want %q", got, siblings.Error, want)
	}
	typo := query(t, ds, "card", `{"fields":["stauts"]}`)
	if typo.Error == nil || typo.Status != backend.StatusBadRequest || !strings.Contains(typo.Error.Error(), `field "stauts" is not in the card frame; its fields are node, instance, role, shard`) {
		t.Errorf("an unknown field: %+v", typo)
	}
	alerting := query(t, ds, "alerting", `{"metric":"node_up","fields":["status"]}`)
	if alerting.Error != nil || len(alerting.Frames) != 4 || alerting.Frames[0].Fields[0].Name == "node" {
		t.Errorf("alerting must ignore a field selection: %+v", alerting)
	}
}

func slicesHaveOnly(values []string, want string) error {
	for _, v := range values {
		if v != want {
			return fmt.Errorf("%q", v)
		}
	}
	return nil
}

func TestHealthCountsTheNodesThatAnswered(t *testing.T) {
	health, err := newDatasource(fourNodes()).CheckHealth(context.Background(), &backend.CheckHealthRequest{})
	if err != nil || health.Status != backend.HealthStatusError {
		t.Fatalf("health %+v, %v; want an error status for the unreachable node", health, err)
	}
	for _, want := range []string{"3 of 4 Redis nodes answered INFO", "off (10.0.0.3:6379): AOF off", "gone (10.0.0.4:6379): unreachable, refused: connection refused"} {
		if !strings.Contains(health.Message, want) {
			t.Errorf("health message %q lacks %q", health.Message, want)
		}
	}
}

func TestIdenticalQueriesInFlightShareOneRead(t *testing.T) {
	fake := fourNodes()
	fake.hold = make(chan struct{})
	ds := newDatasource(fake)
	var joined atomic.Int32
	ds.answers = flight.NewGroup[string, backend.DataResponse](byQuery, func(have, want string) bool {
		joined.Add(1) // a query that found the same query in the air
		return sameQuery(have, want)
	}, 0)
	var answered sync.WaitGroup
	for range 5 {
		answered.Add(1)
		go func() {
			defer answered.Done()
			if response := query(t, ds, "card", `{"nodes":["ok"]}`); response.Error != nil {
				t.Error(response.Error)
			}
		}()
	}
	for deadline := time.Now().Add(10 * time.Second); joined.Load() < 4; runtime.Gosched() {
		if time.Now().After(deadline) {
			t.Fatalf("%d of 4 identical queries joined the one in flight", joined.Load())
		}
	}
	close(fake.hold)
	answered.Wait()
	if reads := fake.reads.Load(); reads != 1 {
		t.Fatalf("%d reads for five identical queries in flight at once; want one, shared", reads)
	}
}

// An answer that panics is an error for its query, and the next identical query computes again
// instead of waiting on a flight that never lands.
func TestASharedAnswerThatPanickedIsNotWaitedOn(t *testing.T) {
	ds := newDatasource(nil) // the shared answers only
	first := ds.sharedAnswer(context.Background(), "key", func(context.Context) backend.DataResponse {
		panic("runtime error: makeslice: len out of range")
	})
	if first.Error == nil || first.Status != backend.StatusInternal || !strings.Contains(first.Error.Error(), "makeslice") {
		t.Fatalf("the panicking query answered %+v, want an internal error", first)
	}
	// Bounded by the caller, not a timed assertion: a flight left in the air fails this query.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	next := ds.sharedAnswer(ctx, "key", func(context.Context) backend.DataResponse { return backend.DataResponse{Status: backend.StatusOK} })
	if next.Error != nil || next.Status != backend.StatusOK {
		t.Fatalf("the next query answered %+v, want its own answer", next)
	}
}
