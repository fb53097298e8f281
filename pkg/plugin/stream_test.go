//go:build realredis

package plugin

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"

	"github.com/persistwatch/redis-persistence-datasource/internal/redistest"
)

// The tests stream at 100 ms; production refuses anything under liveIntervalMin.
const testInterval = 100 * time.Millisecond

func liveDatasource(t *testing.T, nodes ...nodeSpec) *Datasource {
	t.Helper()
	ds := realDatasource(t, options{nodes: nodes})
	ds.liveIntervalFloor = testInterval
	return ds
}

func growthPathFor(interval time.Duration, nodes ...string) (string, json.RawMessage) {
	path := fmt.Sprintf("growth/%d", interval.Milliseconds())
	if len(nodes) == 0 {
		return path, nil
	}
	raw, _ := json.Marshal(liveData{Nodes: nodes})
	return path + "/" + nodesKey(nodes), raw
}

// sample is one streamed row, by field name.
type sample map[string]any

// streamRecorder is the Grafana side of RunStream: it decodes each packet the way the browser's
// streaming buffer does, a schema packet replacing the field list and data appending rows.
type streamRecorder struct {
	t       *testing.T
	mu      sync.Mutex
	fields  []string
	schemas int
	packets int
	samples []sample
	arrived chan struct{}
}

func newStreamRecorder(t *testing.T) *streamRecorder {
	return &streamRecorder{t: t, arrived: make(chan struct{}, 1)}
}

func (r *streamRecorder) Send(packet *backend.StreamPacket) error {
	var decoded struct {
		Schema *struct {
			Fields []struct {
				Name   string            `json:"name"`
				Labels map[string]string `json:"labels"`
			} `json:"fields"`
		} `json:"schema"`
		Data *struct {
			Values [][]any `json:"values"`
		} `json:"data"`
	}
	if err := json.Unmarshal(packet.Data, &decoded); err != nil {
		return fmt.Errorf("packet is not frame JSON: %w", err)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.packets++
	if decoded.Schema != nil {
		r.schemas++
		r.fields = r.fields[:0]
		for _, f := range decoded.Schema.Fields {
			r.fields = append(r.fields, f.Name)
		}
	}
	if decoded.Data != nil {
		if len(decoded.Data.Values) != len(r.fields) {
			return fmt.Errorf("data with %d fields for a schema of %d (%v)", len(decoded.Data.Values), len(r.fields), r.fields)
		}
		for row := range decoded.Data.Values[0] {
			s := sample{}
			for i, name := range r.fields {
				s[name] = decoded.Data.Values[i][row]
			}
			r.samples = append(r.samples, s)
		}
	}
	select {
	case r.arrived <- struct{}{}:
	default:
	}
	return nil
}

// waitFor waits until a sample satisfies cond (given its index) and returns it; it fails the test
// after 20 s.
func (r *streamRecorder) waitFor(what string, cond func(index int, s sample) bool) sample {
	r.t.Helper()
	deadline := time.After(20 * time.Second)
	seen := 0
	for {
		r.mu.Lock()
		for ; seen < len(r.samples); seen++ {
			if cond(seen, r.samples[seen]) {
				s := r.samples[seen]
				r.mu.Unlock()
				return s
			}
		}
		last := sample(nil)
		if len(r.samples) > 0 {
			last = r.samples[len(r.samples)-1]
		}
		r.mu.Unlock()
		select {
		case <-r.arrived:
		case <-deadline:
			r.t.Fatalf("no sample with %s after 20 s; last sample: %v", what, last)
		}
	}
}

func (r *streamRecorder) counts() (schemas, packets, samples int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.schemas, r.packets, len(r.samples)
}

// runStream starts RunStream and returns a stop function that cancels it and checks it ended
// cleanly.
func runStream(t *testing.T, ds *Datasource, path string, raw json.RawMessage, recorder *streamRecorder) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- ds.RunStream(ctx, &backend.RunStreamRequest{Path: path, Data: raw}, backend.NewStreamSender(recorder))
	}()
	stopped := false
	stop = func() {
		t.Helper()
		if stopped {
			return
		}
		stopped = true
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("RunStream ended with %v after its context was cancelled; want nil", err)
			}
		case <-time.After(10 * time.Second):
			t.Errorf("RunStream did not return within 10 s of its context being cancelled")
		}
	}
	t.Cleanup(stop)
	return stop
}

func size(t *testing.T, s sample, field string) int64 {
	t.Helper()
	v, ok := s[field].(float64)
	if !ok {
		t.Fatalf("%s is %v, want a size; sample %v", field, s[field], s)
	}
	return int64(v)
}

func TestRealStreamShowsTheAOFGrowingAndResettingAfterARewrite(t *testing.T) {
	server := redistest.Start(t, redistest.Options{})
	ds := liveDatasource(t, nodeSpec{Address: server.Addr, Name: "cache"})
	recorder := newStreamRecorder(t)
	path, raw := growthPathFor(testInterval, "cache")
	stop := runStream(t, ds, path, raw, recorder)

	first := recorder.waitFor("a first reading", func(_ int, s sample) bool { return s["cache status"] == "ok" })
	start := size(t, first, "cache current")

	// Overwriting one key appends every write to the AOF while the data set stays one value.
	client := server.Client(t)
	value := strings.Repeat("x", 16<<10)
	for i := range 32 {
		if err := client.Set(context.Background(), "growth", fmt.Sprint(i, value), 0).Err(); err != nil {
			t.Fatal(err)
		}
	}
	grown := recorder.waitFor("the AOF grown by the writes", func(_ int, s sample) bool {
		current, _ := s["cache current"].(float64)
		return int64(current) >= start+32*(16<<10)
	})
	peak, base := size(t, grown, "cache current"), size(t, grown, "cache base")
	if peak <= base {
		t.Fatalf("after the writes current %d is not above base %d", peak, base)
	}

	// A rewrite compacts the 32 writes into one value: current falls back to the new base.
	server.RewriteOK(t)
	reset := recorder.waitFor("current back at base after the rewrite", func(_ int, s sample) bool {
		current, okCurrent := s["cache current"].(float64)
		newBase, okBase := s["cache base"].(float64)
		return okCurrent && okBase && current < float64(peak) && current == newBase
	})
	if current := size(t, reset, "cache current"); current > peak/4 {
		t.Fatalf("after the rewrite current is %d, still near the peak %d", current, peak)
	}

	stop()
	schemas, packets, samples := recorder.counts()
	if schemas != 1 || packets != samples {
		t.Fatalf("%d packets, %d with a schema, %d samples; want the schema once and one sample per packet", packets, schemas, samples)
	}
}

func TestRealStreamKeepsGoingWhenANodeIsDown(t *testing.T) {
	server := redistest.Start(t, redistest.Options{})
	closed := redistest.ClosedAddr(t)
	ds := liveDatasource(t, nodeSpec{Address: closed, Name: "gone"}, nodeSpec{Address: server.Addr, Name: "cache"})
	recorder := newStreamRecorder(t)
	path, raw := growthPathFor(testInterval) // every node
	runStream(t, ds, path, raw, recorder)

	for i := range 3 {
		s := recorder.waitFor(fmt.Sprintf("index %d", i), func(index int, _ sample) bool { return index == i })
		if s["gone status"] != "unreachable" || s["gone current"] != nil || s["gone base"] != nil {
			t.Fatalf("the closed port: status %v, current %v, base %v; want unreachable with no sizes", s["gone status"], s["gone current"], s["gone base"])
		}
		if s["cache status"] != "ok" || s["cache current"] == nil || s["cache base"] == nil {
			t.Fatalf("the live node next to it: %v", s)
		}
	}
	recorder.mu.Lock()
	defer recorder.mu.Unlock()
	if want := []string{"time", "gone current", "gone base", "gone status", "cache current", "cache base", "cache status"}; strings.Join(recorder.fields, ",") != strings.Join(want, ",") {
		t.Fatalf("fields %v, want %v in the configured order", recorder.fields, want)
	}
}

func TestSubscribeStreamAdmitsOnlyValidChannelsOfConfiguredNodes(t *testing.T) {
	ds := configured(t, `{"nodes":[{"address":"127.0.0.1:7001","name":"one"},{"address":"127.0.0.1:7002","name":"two"}]}`, nil)
	subscribe := func(path string, raw json.RawMessage) *backend.SubscribeStreamResponse {
		t.Helper()
		response, err := ds.SubscribeStream(context.Background(), &backend.SubscribeStreamRequest{Path: path, Data: raw})
		if err != nil {
			t.Fatalf("SubscribeStream(%s): %v", path, err)
		}
		return response
	}
	twoPath, twoData := growthPathFor(2*time.Second, "two")
	oneTwoPath, oneTwoData := growthPathFor(2*time.Second, "one", "two")
	unknownPath, unknownData := growthPathFor(5*time.Second, "two", "10.9.9.9:6379")
	for name, tt := range map[string]struct {
		path string
		data json.RawMessage
		want backend.SubscribeStreamStatus
	}{
		"every node":                     {"growth/5000", nil, backend.SubscribeStreamStatusOK},
		"every node, data without nodes": {"growth/5000", json.RawMessage(`{}`), backend.SubscribeStreamStatusOK},
		"one node":                       {twoPath, twoData, backend.SubscribeStreamStatusOK},
		"the shortest interval":          {"growth/1000", nil, backend.SubscribeStreamStatusOK},
		"the longest interval":           {"growth/60000", nil, backend.SubscribeStreamStatusOK},
		"a node it does not configure":   {unknownPath, unknownData, backend.SubscribeStreamStatusPermissionDenied},
		"interval under a second":        {"growth/999", nil, backend.SubscribeStreamStatusNotFound},
		"interval over a minute":         {"growth/60001", nil, backend.SubscribeStreamStatusNotFound},
		"interval with a leading zero":   {"growth/05000", nil, backend.SubscribeStreamStatusNotFound},
		"interval not a number":          {"growth/fast", nil, backend.SubscribeStreamStatusNotFound},
		"another path":                   {"card/5000", nil, backend.SubscribeStreamStatusNotFound},
		"key of other nodes":             {twoPath, oneTwoData, backend.SubscribeStreamStatusNotFound},
		"nodes without a key":            {"growth/2000", twoData, backend.SubscribeStreamStatusNotFound},
		"a key without nodes":            {oneTwoPath, nil, backend.SubscribeStreamStatusNotFound},
		"data of the wrong shape":        {"growth/2000", json.RawMessage(`{"nodes":"two"}`), backend.SubscribeStreamStatusNotFound},
	} {
		t.Run(name, func(t *testing.T) {
			if got := subscribe(tt.path, tt.data).Status; got != tt.want {
				t.Fatalf("status %v, want %v", got, tt.want)
			}
		})
	}

	// A subscriber joining a running stream gets the schema of the channel's nodes first, so that
	// the data-only samples that follow have names.
	response := subscribe(twoPath, twoData)
	var initial struct {
		Schema struct {
			Fields []struct {
				Name   string            `json:"name"`
				Labels map[string]string `json:"labels"`
			} `json:"fields"`
		} `json:"schema"`
		Data json.RawMessage `json:"data"`
	}
	if response.InitialData == nil {
		t.Fatal("no initial data")
	}
	if err := json.Unmarshal(response.InitialData.Data(), &initial); err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range initial.Schema.Fields {
		names = append(names, f.Name)
	}
	if strings.Join(names, ",") != "time,two current,two base,two status" || initial.Data != nil || initial.Schema.Fields[1].Labels["instance"] != "127.0.0.1:7002" {
		t.Fatalf("initial data %s; want the schema of node two only, without data", response.InitialData.Data())
	}
}

// A live query outside the browser (HTTP API, public dashboards, alerting) answers one sample.
func TestLiveQueryThroughQueryDataIsOneGrowthSample(t *testing.T) {
	closed := redistest.ClosedAddr(t)
	ds := configured(t, `{"nodes":[{"address":"`+closed+`","name":"gone"}]}`, nil)
	response := query(t, ds, "card", `{"live":true,"liveIntervalMs":5000}`)
	if response.Error != nil || len(response.Frames) != 1 {
		t.Fatalf("response %+v", response)
	}
	frame := response.Frames[0]
	if frame.Name != "growth" || frame.Rows() != 1 || field(t, frame, "gone status").At(0) != "unreachable" {
		t.Fatalf("frame %s with %d rows", frame.Name, frame.Rows())
	}
}

// The browser computes the same key (src/live.test.tsx checks the same vectors).
func TestNodesKeyVectors(t *testing.T) {
	for _, tt := range []struct {
		nodes []string
		want  string
	}{
		{nil, ""},
		{[]string{"healthy"}, "533d4a0fdde272b1"},
		{[]string{"healthy", "127.0.0.1:6379"}, "dffd36ab6716636c"},
		{[]string{"a,b"}, "2e6fad0a4aeb16a5"},
		{[]string{"a", "b"}, "bdd1428ad635dedc"},
		{[]string{"nœud-😀"}, "fffa2346cb436d0c"},
	} {
		if got := nodesKey(tt.nodes); got != tt.want {
			t.Errorf("nodesKey(%q) = %q, want %q", tt.nodes, got, tt.want)
		}
	}
}
