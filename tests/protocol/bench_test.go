//go:build realredis

package protocol

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/data"
	"google.golang.org/protobuf/proto"

	"github.com/persistwatch/redis-persistence-datasource/internal/measure"
	"github.com/persistwatch/redis-persistence-datasource/internal/pluginhost"
	"github.com/persistwatch/redis-persistence-datasource/internal/redistest"
)

var (
	flagBenchWarmUp = flag.Int("protocol.warmup", 100,
		"untimed rounds before the timed ones: connect the node, settle both plugin processes")
	flagBenchCPUProfile = flag.String("protocol.cpuprofile", "",
		"after the timed rounds, send card queries back to back and write a CPU profile of the plugin process (the SDK's pprof endpoint) to this file")
	flagBenchProfileSeconds = flag.Int("protocol.profile-seconds", 10, "length of the -protocol.cpuprofile profile")
	flagBenchWindowMs       = flag.Int("protocol.coalesce-window-ms", 0,
		"the data source's coalesceWindowMs: 0 reads the node on every query; 60000 shares one reading, which leaves the Redis round trip out")
)

// floorReadingEnv is floorplugin.ReadingEnv: the captured reply the same-shape floor serves.
const floorReadingEnv = "FLOOR_PLUGIN_READING"

// benchKind is one kind of query of BenchmarkProtocol, with what it measured.
type benchKind struct {
	name             string
	host             *pluginhost.Host
	pid              int
	queryType, model string
	check            func(backend.DataResponse) error
	// bytes is proto.Size of the QueryDataResponse message, as it crosses the gRPC connection.
	bytes   int
	samples []time.Duration
	cpu     time.Duration
}

// BenchmarkProtocol measures one node's card query through the real plugin protocol, as Grafana
// calls it: the plugin binary started by go-plugin, the request encoded for gRPC, the frames
// decoded from Arrow on the host side. One real redis-server (AOF on, last rewrite ok); the data
// source has that one node and no coalescing window, so every query reads the node. Each of b.N
// rounds sends, in turn (the first of them rotating from round to round, so that machine load
// falls on all alike):
//
//   - error-floor: a query the plugin refuses (unknown queryType) before any Redis I/O, the
//     cheapest round trip through the SDK, gRPC and the plugin's handler;
//   - same-shape: the same card frame (fields, field config, meta) from tests/protocol/floorplugin,
//     a plugin served by the SDK in the same way that builds it from a reply captured at start,
//     with no Redis I/O: the floor for a card-sized answer;
//   - card: queryType card;
//   - same-shape-panel and card-panel: the same two, as the provisioned "Last AOF Rewrite Status"
//     panel asks them, with its field selection;
//   - alerting: queryType alerting, metric aof_rewrite_ok, a second real query.
//
// It reports per kind the p50 and p99 wall time of Host.Query, the plugin process's CPU per query
// (/proc stat, so only meaningful over many rounds) and the response's size, and the card's p50
// and the panel's as a ratio to each floor. docs/benchmarks.md ("One node through the plugin protocol") has the
// commands and figures.
func BenchmarkProtocol(b *testing.B) {
	server := redistest.Start(b, redistest.Options{})
	server.RewriteOK(b)
	captured, readingFile := captureReading(b, server)

	binary := buildBinary(b, "../../pkg")
	floorBinary := buildBinary(b, "floorplugin")

	// The floor first, so that it does not inherit the profiling variables below.
	b.Setenv(floorReadingEnv, readingFile)
	floorHost := startBenchHost(b, floorBinary)
	profilePort := 0
	if *flagBenchCPUProfile != "" {
		var err error
		if profilePort, err = redistest.FreePort(); err != nil {
			b.Fatal(err)
		}
		b.Setenv("GF_PLUGIN_PROFILING_ENABLED", "true")
		b.Setenv("GF_PLUGIN_PROFILING_PORT", strconv.Itoa(profilePort))
	}
	host := startBenchHost(b, binary)

	ds := pluginhost.DataSource{
		ID: 1, UID: "protocol-bench", Name: "Protocol benchmark",
		Nodes:    []pluginhost.Node{{Name: "bench", Address: server.Addr}},
		JSONData: map[string]any{"coalesceWindowMs": *flagBenchWindowMs},
	}
	pc := ds.PluginContext()
	panelModel := statusPanelModel(b)
	kinds := []*benchKind{
		{name: "error-floor", host: host, queryType: "protocol-benchmark-unknown", model: `{}`, check: checkBadRequest},
		{name: "same-shape", host: floorHost, queryType: "card", model: `{}`, check: checkOKCard},
		{name: "card", host: host, queryType: "card", model: `{}`, check: checkOKCard},
		{name: "same-shape-panel", host: floorHost, queryType: "card", model: panelModel, check: checkOKCard},
		{name: "card-panel", host: host, queryType: "card", model: panelModel, check: checkOKCard},
		{name: "alerting", host: host, queryType: "alerting", model: `{"metric":"aof_rewrite_ok"}`, check: checkRewriteOK},
	}
	for _, k := range kinds {
		k.pid = k.host.Client().ReattachConfig().Pid
	}

	ctx := context.Background()
	call := func(k *benchKind) (time.Duration, backend.DataResponse) {
		began := time.Now()
		response, err := k.host.Query(ctx, pc, k.queryType, k.model)
		took := time.Since(began)
		if err != nil {
			b.Fatalf("%s: %v", k.name, err)
		}
		if err := k.check(response); err != nil {
			b.Fatalf("%s: %v", k.name, err)
		}
		return took, response
	}

	// Once, untimed: each response's size on the wire, and the floor's frame against the card's.
	answers := map[string]backend.DataResponse{}
	for _, k := range kinds {
		k.host.OnResponse = func(message proto.Message) { k.bytes = proto.Size(message) }
		_, answers[k.name] = call(k)
		k.host.OnResponse = nil
	}
	for floor, real := range map[string]string{"same-shape": "card", "same-shape-panel": "card-panel"} {
		if err := sameShape(answers[floor].Frames[0], answers[real].Frames[0]); err != nil {
			b.Fatalf("the %s floor is not the %s's shape (update tests/protocol/floorplugin): %v", floor, real, err)
		}
	}
	if panel, card := len(answers["card-panel"].Frames[0].Fields), len(answers["card"].Frames[0].Fields); panel >= card {
		b.Fatalf("the panel's card has %d fields, the whole card %d: the field selection did not apply", panel, card)
	}

	for round := range *flagBenchWarmUp {
		for i := range kinds {
			call(kinds[(round+i)%len(kinds)])
		}
	}

	// CPU: each process's CPU time between two of its queries goes to the first of them, so that
	// work done after the response (GC, connection upkeep) counts too.
	type processCPU struct {
		last time.Duration
		kind *benchKind
	}
	processes := map[int]*processCPU{}
	readCPU := func(pid int) time.Duration {
		cpu, err := measure.ProcCPU(pid)
		if err != nil {
			b.Fatal(err)
		}
		return cpu
	}
	for _, k := range kinds {
		processes[k.pid] = &processCPU{last: readCPU(k.pid)}
	}
	account := func(k *benchKind) {
		p := processes[k.pid]
		now := readCPU(k.pid)
		if p.kind != nil {
			p.kind.cpu += now - p.last
		}
		p.last, p.kind = now, k
	}

	b.ResetTimer()
	for round := range b.N {
		for i := range kinds {
			k := kinds[(round+i)%len(kinds)]
			account(k)
			took, _ := call(k)
			k.samples = append(k.samples, took)
		}
	}
	b.StopTimer()
	for pid := range processes {
		for _, k := range kinds {
			if k.pid == pid {
				account(k) // closes the last query's span; the new one is never counted
				break
			}
		}
	}

	byName := map[string]*benchKind{}
	fmt.Printf("\nprotocol benchmark: %d rounds, %d CPUs, %s, %s, load %s\n", b.N, runtime.NumCPU(), runtime.Version(), redisVersionIn(captured), measure.LoadAverage())
	fmt.Println("| query | p50 µs | p99 µs | plugin CPU µs/query | response bytes |")
	fmt.Println("| ----- | -----: | -----: | ------------------: | -------------: |")
	for _, k := range kinds {
		byName[k.name] = k
		p50, p99 := measure.Percentile(k.samples, 50), measure.Percentile(k.samples, 99)
		cpu := k.cpu / time.Duration(len(k.samples))
		fmt.Printf("| %s | %.0f | %.0f | %.0f | %d |\n", k.name, us(p50), us(p99), us(cpu), k.bytes)
		b.ReportMetric(us(p50), k.name+"-p50-us")
		b.ReportMetric(us(p99), k.name+"-p99-us")
		b.ReportMetric(us(cpu), k.name+"-cpu-us/query")
		b.ReportMetric(float64(k.bytes), k.name+"-bytes")
	}
	for _, pair := range [][2]string{{"card", "error-floor"}, {"card", "same-shape"}, {"card-panel", "error-floor"}, {"card-panel", "same-shape-panel"}} {
		ratio := float64(measure.Percentile(byName[pair[0]].samples, 50)) / float64(measure.Percentile(byName[pair[1]].samples, 50))
		fmt.Printf("%s p50 / %s p50: %.2f\n", pair[0], pair[1], ratio)
		b.ReportMetric(ratio, pair[0]+"/"+pair[1]+"-p50")
	}

	if *flagBenchCPUProfile != "" {
		profileCardQueries(b, byName["card"], pc, profilePort)
	}
}

// statusPanelModel is the provisioned "Last AOF Rewrite Status" panel's query for the one node:
// its field selection.
func statusPanelModel(b *testing.B) string {
	b.Helper()
	for _, p := range loadDashboard(b).Panels {
		if p.Title == cardPanelTitle && len(p.Targets) == 1 {
			fields, ok := p.Targets[0]["fields"].([]any)
			if !ok || len(fields) == 0 {
				b.Fatalf("the %q panel asks for no fields", cardPanelTitle)
			}
			raw, err := json.Marshal(map[string]any{"fields": fields})
			if err != nil {
				b.Fatal(err)
			}
			return string(raw)
		}
	}
	b.Fatalf("%s has no %q panel with one target", bundledDashboard, cardPanelTitle)
	return ""
}

// captureReading takes the server's reply to the card query's INFO sections and writes it, with
// the node's name and address, for the same-shape floor. It returns the reply and the file.
func captureReading(b *testing.B, server *redistest.Server) (text, path string) {
	b.Helper()
	text, err := server.Client(b).Info(context.Background(), "server", "persistence", "replication").Result()
	if err != nil {
		b.Fatal(err)
	}
	raw, err := json.Marshal(map[string]string{"name": "bench", "address": server.Addr, "info": text})
	if err != nil {
		b.Fatal(err)
	}
	path = filepath.Join(b.TempDir(), "reading.json")
	if err := os.WriteFile(path, raw, 0o600); err != nil {
		b.Fatal(err)
	}
	return text, path
}

// redisVersionIn finds redis_version in an INFO server reply.
func redisVersionIn(text string) string {
	for line := range strings.SplitSeq(text, "\n") {
		if version, ok := strings.CutPrefix(strings.TrimSpace(line), "redis_version:"); ok {
			return "redis-server " + version
		}
	}
	return "redis-server of unknown version"
}

func startBenchHost(b *testing.B, binary string) *pluginhost.Host {
	b.Helper()
	stderr := redistest.NewLogTail(64 << 10)
	host, err := pluginhost.Start(binary, stderr, io.Discard)
	if err != nil {
		b.Fatalf("%v; plugin stderr:\n%s", err, stderr)
	}
	b.Cleanup(host.Kill)
	return host
}

func checkBadRequest(response backend.DataResponse) error {
	if response.Error == nil || response.Status != backend.StatusBadRequest {
		return fmt.Errorf("status %d, error %v: want a bad request", response.Status, response.Error)
	}
	return nil
}

// checkOKCard wants one card frame of one node whose last rewrite is ok, without notices.
func checkOKCard(response backend.DataResponse) error {
	if response.Error != nil || len(response.Frames) != 1 || response.Frames[0].Rows() != 1 {
		return fmt.Errorf("error %v, %d frames: want one card row", response.Error, len(response.Frames))
	}
	frame := response.Frames[0]
	if frame.Meta != nil && len(frame.Meta.Notices) > 0 {
		return fmt.Errorf("notice: %s", frame.Meta.Notices[0].Text)
	}
	status, _ := frame.FieldByName("status")
	if status == nil || status.At(0) != "ok" {
		return fmt.Errorf("status field %v, want ok", status)
	}
	return nil
}

// checkRewriteOK wants aof_rewrite_ok 1 for the node.
func checkRewriteOK(response backend.DataResponse) error {
	if response.Error != nil || len(response.Frames) != 1 || len(response.Frames[0].Fields) != 1 || response.Frames[0].Rows() != 1 {
		return fmt.Errorf("error %v, %d frames: want one number", response.Error, len(response.Frames))
	}
	value, ok := response.Frames[0].Fields[0].ConcreteAt(0)
	if !ok || value != 1.0 {
		return fmt.Errorf("aof_rewrite_ok %v, want 1", value)
	}
	return nil
}

// sameShape compares two frames' name, meta and fields (name, type, labels, config, which values
// are null), not their values.
func sameShape(floor, real *data.Frame) error {
	describe := func(f *data.Frame) string {
		type field struct {
			Name   string
			Type   string
			Labels data.Labels
			Config *data.FieldConfig
			Nulls  []bool
		}
		shape := struct {
			Name   string
			Meta   *data.FrameMeta
			Fields []field
		}{Name: f.Name, Meta: f.Meta}
		for _, fl := range f.Fields {
			nulls := make([]bool, fl.Len())
			for i := range nulls {
				_, ok := fl.ConcreteAt(i)
				nulls[i] = !ok
			}
			shape.Fields = append(shape.Fields, field{fl.Name, fl.Type().String(), fl.Labels, fl.Config, nulls})
		}
		raw, err := json.Marshal(shape)
		if err != nil {
			return err.Error()
		}
		return string(raw)
	}
	if a, b := describe(floor), describe(real); a != b {
		return fmt.Errorf("floor %s\ncard  %s", a, b)
	}
	return nil
}

// profileCardQueries sends card queries back to back while the plugin's pprof endpoint takes a
// CPU profile, and writes the profile to -protocol.cpuprofile.
func profileCardQueries(b *testing.B, card *benchKind, pc backend.PluginContext, port int) {
	b.Helper()
	ctx, stop := context.WithCancel(context.Background())
	queries := make(chan int)
	go func() {
		n := 0
		for ctx.Err() == nil {
			if response, err := card.host.Query(ctx, pc, card.queryType, card.model); err == nil && card.check(response) == nil {
				n++
			}
		}
		queries <- n
	}()
	url := fmt.Sprintf("http://127.0.0.1:%d/debug/pprof/profile?seconds=%d", port, *flagBenchProfileSeconds)
	response, err := http.Get(url)
	var profile []byte
	if err == nil {
		profile, err = io.ReadAll(response.Body)
		_ = response.Body.Close()
		if err == nil && (response.StatusCode != http.StatusOK || !bytes.HasPrefix(profile, []byte{0x1f, 0x8b})) {
			err = fmt.Errorf("status %d, %d bytes, not a gzipped profile: %.200q", response.StatusCode, len(profile), profile)
		}
	}
	stop()
	n := <-queries
	if err != nil {
		b.Fatalf("CPU profile from %s: %v", url, err)
	}
	if err := os.WriteFile(*flagBenchCPUProfile, profile, 0o600); err != nil {
		b.Fatal(err)
	}
	fmt.Printf("CPU profile of the plugin over %d card queries in %d s: %s (go tool pprof -top %s)\n", n, *flagBenchProfileSeconds, *flagBenchCPUProfile, *flagBenchCPUProfile)
}

func us(d time.Duration) float64 { return float64(d) / float64(time.Microsecond) }
