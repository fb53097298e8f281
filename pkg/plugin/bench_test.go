//go:build realredis

package plugin

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/redis/go-redis/v9"
	"google.golang.org/protobuf/proto"

	"github.com/persistwatch/redis-persistence-datasource/internal/redistest"
	"github.com/persistwatch/redis-persistence-datasource/pkg/frames"
	"github.com/persistwatch/redis-persistence-datasource/pkg/info"
	"github.com/persistwatch/redis-persistence-datasource/pkg/models"
	"github.com/persistwatch/redis-persistence-datasource/pkg/node"
	"github.com/persistwatch/redis-persistence-datasource/pkg/nodeinfo"
)

// Benchmarks against real redis-server processes. The target: QueryData for one node within 1.5x
// of a bare go-redis `INFO persistence` round trip. Results and how to run them: docs/benchmarks.md.
//
// The Bare* benchmarks are floors measured with go-redis alone; the QueryData* ones go through the
// whole handler (query type mux, query JSON, node pool, INFO parsing, card rules, frames), as
// Grafana calls it, minus the gRPC hop.

// benchWarmUp is how many untimed calls precede the timed loop of each I/O benchmark: the first
// benchmark of a process otherwise pays for a cold connection, GC and caches, and looked slower
// than its heavier neighbours.
const benchWarmUp = 100

// benchServers starts n plain servers (AOF on).
func benchServers(b *testing.B, n int) []*redistest.Server {
	b.Helper()
	return redistest.StartMany(b, n, redistest.Options{})
}

// benchClient is a go-redis client configured like the plugin's node clients (RESP2, no identity
// handshake, one connection with the same buffer sizes, no retries, context deadlines), connected
// before the timer starts.
func benchClient(b *testing.B, server *redistest.Server) *redis.Client {
	b.Helper()
	options := server.ClientOptions()
	options.Protocol = 2
	options.PoolSize = 1
	options.ReadBufferSize, options.WriteBufferSize = node.ReadBufferSize, node.WriteBufferSize
	options.MaxRetries = -1
	options.ContextTimeoutEnabled = true
	client := redis.NewClient(options)
	b.Cleanup(func() { _ = client.Close() })
	if err := client.Ping(context.Background()).Err(); err != nil {
		b.Fatal(err)
	}
	return client
}

// BenchmarkBareInfoPersistence is the floor: one `INFO persistence` round trip, nothing else.
func BenchmarkBareInfoPersistence(b *testing.B) {
	benchBare(b, bareRead{sections: []string{"persistence"}})
}

// BenchmarkBareInfoPersistenceReplication adds the replication section the card reads for the
// node's role: still one command.
func BenchmarkBareInfoPersistenceReplication(b *testing.B) {
	benchBare(b, bareRead{sections: cardRequest.Sections})
}

// BenchmarkBareCardPipeline sends what the card query sends, in one pipeline: INFO persistence
// replication and CONFIG GET auto-aof-rewrite-*.
func BenchmarkBareCardPipeline(b *testing.B) {
	benchBare(b, bareRead{sections: cardRequest.Sections, configGet: true})
}

// BenchmarkBareCardPipelineParsed adds info.Parse of the reply, in the same goroutine.
func BenchmarkBareCardPipelineParsed(b *testing.B) {
	benchBare(b, bareRead{sections: cardRequest.Sections, configGet: true, parse: true})
}

// BenchmarkBareCardPipelineParsedInGoroutine does the read the way node.Pool.Read wraps it: in a
// new goroutine with its own context timer, waited for with a WaitGroup.
func BenchmarkBareCardPipelineParsedInGoroutine(b *testing.B) {
	benchBare(b, bareRead{sections: cardRequest.Sections, configGet: true, parse: true, goroutine: true})
}

// BenchmarkBareInfoAfterIdle times the card's INFO round trip when the client has been idle
// before it, as a plugin is between two queries, against the same round trip back to back: the
// difference is the machine's wake-up latency, which no client can skip. It reports each case's
// p50 (sleeping is not timed).
func BenchmarkBareInfoAfterIdle(b *testing.B) {
	client := benchClient(b, benchServers(b, 1)[0])
	ctx := context.Background()
	for _, idle := range []time.Duration{0, time.Millisecond} {
		b.Run(fmt.Sprintf("idle=%v", idle), func(b *testing.B) {
			samples := make([]time.Duration, 0, b.N)
			for range b.N {
				time.Sleep(idle)
				began := time.Now()
				if err := client.Info(ctx, cardRequest.Sections...).Err(); err != nil {
					b.Fatal(err)
				}
				samples = append(samples, time.Since(began))
			}
			slices.Sort(samples)
			b.ReportMetric(float64(samples[len(samples)/2].Nanoseconds()), "p50-ns")
		})
	}
}

// bareRead is one read made with go-redis alone, built up step by step towards what the plugin
// does, so that the distance between two steps is the cost of one of them.
type bareRead struct {
	sections  []string // INFO sections
	configGet bool     // CONFIG GET auto-aof-rewrite-* in the same pipeline
	parse     bool     // info.Parse the reply
	goroutine bool     // in a new goroutine with a context timer, as node.Pool.Read does
}

func benchBare(b *testing.B, r bareRead) {
	server := benchServers(b, 1)[0]
	client := benchClient(b, server)
	read := func(ctx context.Context) error {
		var text string
		if r.configGet {
			var infoCmd *redis.StringCmd
			var configCmd *redis.MapStringStringCmd
			_, err := client.Pipelined(ctx, func(pipe redis.Pipeliner) error {
				infoCmd = pipe.Info(ctx, r.sections...)
				configCmd = pipe.ConfigGet(ctx, "auto-aof-rewrite-*")
				return nil
			})
			if err != nil {
				return err
			}
			if len(configCmd.Val()) != 2 {
				return fmt.Errorf("CONFIG GET answered %v", configCmd.Val())
			}
			text = infoCmd.Val()
		} else {
			var err error
			if text, err = client.Info(ctx, r.sections...).Result(); err != nil {
				return err
			}
		}
		if r.parse {
			if _, ok := info.Parse(text).Int("aof_enabled"); !ok {
				return fmt.Errorf("no aof_enabled in %q", text)
			}
		}
		return nil
	}
	if r.goroutine {
		inline := read
		read = func(ctx context.Context) error {
			var err error
			var wg sync.WaitGroup
			wg.Add(1)
			go func() {
				defer wg.Done()
				nodeCtx, cancel := context.WithTimeout(ctx, 6*time.Second)
				defer cancel()
				err = inline(nodeCtx)
			}()
			wg.Wait()
			return err
		}
	}
	ctx := context.Background()
	for range benchWarmUp {
		if err := read(ctx); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	meter := startCPUMeter(b, []*redistest.Server{server})
	for range b.N {
		if err := read(ctx); err != nil {
			b.Fatal(err)
		}
	}
	meter.report(b)
}

// benchDatasource builds a data source over the servers, as Grafana's instance factory would.
func benchDatasource(b *testing.B, servers []*redistest.Server) *Datasource {
	b.Helper()
	nodes := make([]map[string]string, len(servers))
	for i, s := range servers {
		nodes[i] = map[string]string{"address": s.Addr}
	}
	// Coalescing off: every iteration must really read the node, as the bare benchmarks do.
	jsonData, err := json.Marshal(map[string]any{"nodes": nodes, "coalesceWindowMs": 0})
	if err != nil {
		b.Fatal(err)
	}
	return started(b, context.Background(), backend.DataSourceInstanceSettings{UID: "bench", JSONData: jsonData})
}

// benchQueryData runs one query per iteration and checks on every iteration (cheaply, inside the
// timed loop) that it succeeded and that every node answered.
func benchQueryData(b *testing.B, servers []*redistest.Server, queryType, model string, wantFrames func(nodes int) int) {
	b.Helper()
	ds := benchDatasource(b, servers)
	request := &backend.QueryDataRequest{Queries: []backend.DataQuery{{RefID: "A", QueryType: queryType, JSON: json.RawMessage(model)}}}
	ctx := context.Background()
	run := func() {
		response, err := ds.QueryData(ctx, request)
		if err != nil {
			b.Fatal(err)
		}
		result := response.Responses["A"]
		if result.Error != nil || len(result.Frames) != wantFrames(len(servers)) {
			b.Fatalf("query failed: %v, %d frames", result.Error, len(result.Frames))
		}
		if notices := result.Frames[0].Meta; notices != nil && len(notices.Notices) > 0 {
			b.Fatalf("a node did not answer: %s", notices.Notices[0].Text)
		}
	}
	for range benchWarmUp { // connect every node, settle the GC and the CPU caches
		run()
	}
	b.ReportAllocs()
	meter := startCPUMeter(b, servers)
	for range b.N {
		run()
	}
	meter.report(b)
}

func benchOneFrame(int) int           { return 1 }
func benchFramePerNode(nodes int) int { return nodes }

func BenchmarkQueryDataCard1Node(b *testing.B) {
	benchQueryData(b, benchServers(b, 1), "card", `{}`, benchOneFrame)
}

func BenchmarkQueryDataCard50Nodes(b *testing.B) {
	benchQueryData(b, benchServers(b, 50), "card", `{}`, benchOneFrame)
}

func BenchmarkQueryDataAlerting1Node(b *testing.B) {
	benchQueryData(b, benchServers(b, 1), "alerting", `{"metric":"aof_rewrite_ok"}`, benchFramePerNode)
}

// BenchmarkQueryDataRaw1Node sends exactly the bare floor's command (INFO persistence alone), so
// its distance to BenchmarkBareInfoPersistence is the plugin's own overhead.
func BenchmarkQueryDataRaw1Node(b *testing.B) {
	benchQueryData(b, benchServers(b, 1), "raw", `{}`, benchOneFrame)
}

// The benchmarks below split BenchmarkQueryDataCard1Node into its parts.

// BenchmarkPoolReadCard1Node is the node pool's read alone (goroutine, context timer, pipeline,
// parse): the I/O part of a card query, without rules, frames and the query mux.
func BenchmarkPoolReadCard1Node(b *testing.B) {
	server := benchServers(b, 1)[0]
	ds := benchDatasource(b, []*redistest.Server{server})
	ctx := context.Background()
	everyNode, err := ds.nodes.Select(ctx, nil)
	if err != nil {
		b.Fatal(err)
	}
	read := func() {
		if readings := ds.nodes.Read(ctx, everyNode, cardRequest); readings[0].Err != nil {
			b.Fatal(readings[0].Err)
		}
	}
	for range benchWarmUp {
		read()
	}
	b.ReportAllocs()
	meter := startCPUMeter(b, []*redistest.Server{server})
	for range b.N {
		read()
	}
	meter.report(b)
}

// benchCardReadings reads one real node once, for the pure benchmarks.
func benchCardReadings(b *testing.B) []nodeinfo.Reading {
	b.Helper()
	ds := benchDatasource(b, benchServers(b, 1))
	everyNode, err := ds.nodes.Select(context.Background(), nil)
	if err != nil {
		b.Fatal(err)
	}
	readings := ds.nodes.Read(context.Background(), everyNode, cardRequest)
	if readings[0].Err != nil {
		b.Fatal(readings[0].Err)
	}
	return readings
}

// BenchmarkInfoParseCardReply parses a real reply to the card query's INFO sections (server,
// persistence, replication): no I/O.
func BenchmarkInfoParseCardReply(b *testing.B) {
	client := benchClient(b, benchServers(b, 1)[0])
	text, err := client.Info(context.Background(), cardRequest.Sections...).Result()
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	meter := startCPUMeter(b, nil)
	for range b.N {
		if _, ok := info.Parse(text).Int("aof_enabled"); !ok {
			b.Fatal("no aof_enabled in the reply")
		}
	}
	meter.report(b)
}

// BenchmarkCardRulesAndFrame applies the card's rules and builds the card frame from a reading
// taken once: no I/O.
func BenchmarkCardRulesAndFrame(b *testing.B) {
	readings := benchCardReadings(b)
	b.ReportAllocs()
	meter := startCPUMeter(b, nil)
	for range b.N {
		if frames := cardFrames(nil, models.Query{}, readings); frames[0].Rows() != 1 {
			b.Fatal("no card row")
		}
	}
	meter.report(b)
}

// The benchmarks below split one card query into stages, each on its own input made once
// beforehand, so that each measures that stage alone: the rules, the frame, the Arrow encoding
// the SDK does before the response leaves the plugin, and Grafana's decoding of it. The read and
// the parse are BenchmarkPoolReadCard1Node (which includes the parse) and BenchmarkInfoParseCardReply.

// BenchmarkCardRules applies the card's rules to a reading taken once: no frame.
func BenchmarkCardRules(b *testing.B) {
	readings := benchCardReadings(b)
	b.ReportAllocs()
	meter := startCPUMeter(b, nil)
	for range b.N {
		if cards := evaluate(readings); cards[0].Card.Status == "" {
			b.Fatal("no status")
		}
	}
	meter.report(b)
}

// BenchmarkCardFrame builds the card frame from cards judged once: no rules.
func BenchmarkCardFrame(b *testing.B) {
	cards := evaluate(benchCardReadings(b))
	b.ReportAllocs()
	meter := startCPUMeter(b, nil)
	for range b.N {
		if frame := frames.Card(cards); frame.Rows() != 1 {
			b.Fatal("no card row")
		}
	}
	meter.report(b)
}

// benchCardResponse is one card query's response, refId A, as QueryData returns it.
func benchCardResponse(b *testing.B) *backend.QueryDataResponse {
	b.Helper()
	response := backend.NewQueryDataResponse()
	response.Responses["A"] = backend.DataResponse{Frames: cardFrames(nil, models.Query{}, benchCardReadings(b))}
	return response
}

// BenchmarkCardEncode is what the SDK does with the card query's response before it leaves the
// plugin: the frames to Arrow, in the protobuf message (not its serialization, which gRPC does).
func BenchmarkCardEncode(b *testing.B) {
	response := benchCardResponse(b)
	b.ReportAllocs()
	meter := startCPUMeter(b, nil)
	for range b.N {
		encoded, err := backend.ToProto().QueryDataResponse(backend.DataFrameFormat_ARROW, response)
		if err != nil || len(encoded.Responses["A"].Frames) != 1 {
			b.Fatalf("encoding: %v", err)
		}
	}
	meter.report(b)
	encoded, err := backend.ToProto().QueryDataResponse(backend.DataFrameFormat_ARROW, response)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(proto.Size(encoded)), "response-bytes")
}

// BenchmarkCardDecode is Grafana's side: the card query's response message back to frames.
func BenchmarkCardDecode(b *testing.B) {
	encoded, err := backend.ToProto().QueryDataResponse(backend.DataFrameFormat_ARROW, benchCardResponse(b))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	meter := startCPUMeter(b, nil)
	for range b.N {
		decoded, err := backend.FromProto().QueryDataResponse(encoded)
		if err != nil || decoded.Responses["A"].Frames[0].Rows() != 1 {
			b.Fatalf("decoding: %v", err)
		}
	}
	meter.report(b)
}

// cpuMeter measures the CPU time spent in the timed loop by this process (getrusage: every
// thread, GC included) and by the redis-server main threads (/proc/<pid>/schedstat, ns). Unlike
// ns/op, these barely move when other processes compete for the cores, so they carry the
// comparison when other work shares the cores.
type cpuMeter struct {
	pids         []int
	self, server time.Duration
}

// startCPUMeter resets the benchmark timer and starts measuring.
func startCPUMeter(b *testing.B, servers []*redistest.Server) *cpuMeter {
	b.Helper()
	m := &cpuMeter{}
	for _, s := range servers {
		m.pids = append(m.pids, s.Pid)
	}
	m.self, m.server = selfCPU(b), m.serverCPU(b)
	b.ResetTimer()
	return m
}

// report stops the timer and adds client-cpu-ns/op and server-cpu-ns/op to the results.
func (m *cpuMeter) report(b *testing.B) {
	b.Helper()
	b.StopTimer()
	self, server := selfCPU(b)-m.self, m.serverCPU(b)-m.server
	b.ReportMetric(float64(self.Nanoseconds())/float64(b.N), "client-cpu-ns/op")
	if len(m.pids) > 0 {
		b.ReportMetric(float64(server.Nanoseconds())/float64(b.N), "server-cpu-ns/op")
	}
}

func selfCPU(b *testing.B) time.Duration {
	b.Helper()
	var usage syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &usage); err != nil {
		b.Fatal(err)
	}
	return time.Duration(usage.Utime.Nano() + usage.Stime.Nano())
}

func (m *cpuMeter) serverCPU(b *testing.B) time.Duration {
	b.Helper()
	var total time.Duration
	for _, pid := range m.pids {
		raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/schedstat", pid))
		if err != nil {
			b.Fatal(err)
		}
		var ns int64
		if _, err := fmt.Sscan(string(raw), &ns); err != nil {
			b.Fatalf("/proc/%d/schedstat %q: %v", pid, raw, err)
		}
		total += time.Duration(ns)
	}
	return total
}
