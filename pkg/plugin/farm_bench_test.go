//go:build realredis

package plugin

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/redis/go-redis/v9"

	"github.com/persistwatch/redis-persistence-datasource/internal/pluginhost"
	"github.com/persistwatch/redis-persistence-datasource/internal/redistest"
	"github.com/persistwatch/redis-persistence-datasource/internal/respfarm"
	"github.com/persistwatch/redis-persistence-datasource/pkg/info"
	"github.com/persistwatch/redis-persistence-datasource/pkg/models"
	"github.com/persistwatch/redis-persistence-datasource/pkg/node"
)

// BenchmarkFarm reads many nodes in this process, the plugin's per-node work without the gRPC hop:
// the nodes are ports of a farm process (tests/fleet/farm) replaying what a real redis-server
// answered, so the servers' own work is neither in this process's CPU nor on the cores for long.
// Each sub-benchmark is one whole-fleet read per iteration; cpu-ns/node is this process's CPU
// (getrusage) per node and iteration:
//
//   - bare: the floor, go-redis alone sending the card's INFO to every node, as tests/fleet's
//     bare poller does (16 at once, the plugin's client options, no parsing);
//   - pool-read: the node pool's read of every node (coalescing off), parse included;
//   - own-work: the plugin's work on every node's reply without the round trip: parse, rules,
//     card frame and Arrow encoding, on one goroutine, from one shared copy of the reply; the
//     least this plugin's parser, rules and frames add to bare;
//   - query-data: QueryData, queryType card, over every node;
//   - query-data-arrow: the same and the SDK's Arrow encoding of the response, what the plugin
//     process does per query before gRPC.
//
// go test -tags realredis ./pkg/plugin -run '^$' -bench Farm -benchtime 300x -farm.nodes 1000
func BenchmarkFarm(b *testing.B) {
	addrs := startBenchFarm(b, *farmNodes)
	ctx := context.Background()
	b.Run("bare", func(b *testing.B) {
		clients := make([]*redis.Client, len(addrs))
		for i, addr := range addrs {
			clients[i] = redis.NewClient(redistest.BareOptions(addr, node.ReadBufferSize, node.WriteBufferSize))
			b.Cleanup(func() { _ = clients[i].Close() })
		}
		benchFleetRead(b, len(addrs), func() error {
			return fanOut(len(clients), 16, func(i int) error {
				text, err := clients[i].Info(ctx, cardRequest.Sections...).Result()
				if err == nil && !strings.Contains(text, "aof_enabled:1") {
					err = fmt.Errorf("INFO reply without aof_enabled:1: %.200q", text)
				}
				return err
			})
		})
	})
	b.Run("pool-read", func(b *testing.B) {
		ds := benchFarmDatasource(b, addrs)
		everyNode, err := ds.nodes.Select(ctx, nil)
		if err != nil {
			b.Fatal(err)
		}
		benchFleetRead(b, len(addrs), func() error {
			for _, r := range ds.nodes.Read(ctx, everyNode, cardRequest) {
				if r.Err != nil {
					return r.Err
				}
			}
			return nil
		})
	})
	b.Run("own-work", func(b *testing.B) {
		// The readings as the pool returns them (the configuration learned with them), and the
		// farm's INFO reply, which each iteration parses again for every node: the parse is the
		// plugin's work, the round trip is not.
		ds := benchFarmDatasource(b, addrs)
		everyNode, err := ds.nodes.Select(ctx, nil)
		if err != nil {
			b.Fatal(err)
		}
		readings := ds.nodes.Read(ctx, everyNode, cardRequest)
		for _, r := range readings {
			if r.Err != nil {
				b.Fatal(r.Err)
			}
		}
		bare := redis.NewClient(redistest.BareOptions(addrs[0], node.ReadBufferSize, node.WriteBufferSize))
		defer func() { _ = bare.Close() }()
		text, err := bare.Info(ctx, cardRequest.Sections...).Result()
		if err != nil {
			b.Fatal(err)
		}
		benchFleetRead(b, len(addrs), func() error {
			for i := range readings {
				readings[i].Info = info.Parse(text)
			}
			response := backend.NewQueryDataResponse()
			response.Responses["A"] = backend.DataResponse{Frames: cardFrames(nil, models.Query{}, readings)}
			encoded, err := backend.ToProto().QueryDataResponse(backend.DataFrameFormat_ARROW, response)
			if err == nil && len(encoded.Responses["A"].Frames) != 1 {
				err = errors.New("no card frame encoded")
			}
			return err
		})
	})
	queryData := func(b *testing.B, encode bool) {
		ds := benchFarmDatasource(b, addrs)
		request := &backend.QueryDataRequest{Queries: []backend.DataQuery{{RefID: "A", QueryType: "card", JSON: json.RawMessage(`{}`)}}}
		benchFleetRead(b, len(addrs), func() error {
			response, err := ds.QueryData(ctx, request)
			if err != nil {
				return err
			}
			result := response.Responses["A"]
			if result.Error != nil || len(result.Frames) != 1 || result.Frames[0].Rows() != len(addrs) {
				return fmt.Errorf("query failed: %v, %d frames", result.Error, len(result.Frames))
			}
			if notices := result.Frames[0].Meta; notices != nil && len(notices.Notices) > 0 {
				return fmt.Errorf("a node did not answer: %s", notices.Notices[0].Text)
			}
			if encode {
				_, err = backend.ToProto().QueryDataResponse(backend.DataFrameFormat_ARROW, response)
			}
			return err
		})
	}
	b.Run("query-data", func(b *testing.B) { queryData(b, false) })
	b.Run("query-data-arrow", func(b *testing.B) { queryData(b, true) })
}

var farmNodes = flag.Int("farm.nodes", 1000, "BenchmarkFarm: how many nodes the farm serves")

// benchFleetRead runs read once per iteration after a few untimed ones (which connect every node)
// and reports the CPU per node besides the usual figures.
func benchFleetRead(b *testing.B, nodes int, read func() error) {
	b.Helper()
	for range 5 {
		if err := read(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	meter := startCPUMeter(b, nil)
	for range b.N {
		if err := read(); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64((selfCPU(b)-meter.self).Nanoseconds())/float64(b.N*nodes), "cpu-ns/node")
}

// fanOut calls fn for 0..n-1 on limit goroutines taking the indexes in turn, as tests/fleet's bare
// poller does, and returns the first error.
func fanOut(n, limit int, fn func(i int) error) error {
	var next atomic.Int64
	errs := make([]error, limit)
	var wg sync.WaitGroup
	for worker := range limit {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := int(next.Add(1) - 1); i < n; i = int(next.Add(1) - 1) {
				if err := fn(i); err != nil && errs[worker] == nil {
					errs[worker] = err
				}
			}
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

func benchFarmDatasource(b *testing.B, addrs []string) *Datasource {
	b.Helper()
	nodes := make([]map[string]string, len(addrs))
	for i, addr := range addrs {
		nodes[i] = map[string]string{"address": addr}
	}
	jsonData, err := json.Marshal(map[string]any{"nodes": nodes, "maxConcurrency": 16, "coalesceWindowMs": 0})
	if err != nil {
		b.Fatal(err)
	}
	return started(b, context.Background(), backend.DataSourceInstanceSettings{UID: "farm", JSONData: jsonData})
}

// startBenchFarm records what the plugin and the bare client send to a real server with AOF on,
// and starts a farm process replaying it on n ports.
func startBenchFarm(b *testing.B, n int) []string {
	b.Helper()
	var limit syscall.Rlimit // the farm holds two files per node: raise its inherited limit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &limit); err != nil {
		b.Fatal(err)
	}
	limit.Cur = limit.Max
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &limit); err != nil {
		b.Fatal(err)
	}
	dir := b.TempDir()
	recording := filepath.Join(dir, "recording.json")
	recordBenchFarm(b, benchServers(b, 1)[0], recording)
	binary := filepath.Join(dir, "farm")
	if err := pluginhost.Build("../../tests/fleet/farm", binary); err != nil {
		b.Fatal(err)
	}
	farm := exec.Command(binary, "-recording", recording, "-n", fmt.Sprint(n), "-ports", "10000-32000")
	farm.Stderr = os.Stderr
	stdin, err := farm.StdinPipe() // the farm exits when it closes
	if err != nil {
		b.Fatal(err)
	}
	stdout, err := farm.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	if err := farm.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		_ = stdin.Close()
		_ = farm.Wait()
	})
	var ready struct{ Addrs []string }
	line, err := bufio.NewReader(stdout).ReadBytes('\n')
	if err == nil {
		err = json.Unmarshal(line, &ready)
	}
	if err != nil || len(ready.Addrs) != n {
		b.Fatalf("farm: %v, %d ports", err, len(ready.Addrs))
	}
	return ready.Addrs
}

// recordBenchFarm drives the plugin's card read (the first pipelines CONFIG GET, the later ones
// send INFO alone) and the bare client's INFO through a recording proxy.
func recordBenchFarm(b *testing.B, server *redistest.Server, path string) {
	b.Helper()
	recorder, err := respfarm.StartRecorder(server.Addr)
	if err != nil {
		b.Fatal(err)
	}
	defer recorder.Close()
	ds := benchFarmDatasource(b, []string{recorder.Addr})
	ctx := context.Background()
	everyNode, err := ds.nodes.Select(ctx, nil)
	if err != nil {
		b.Fatal(err)
	}
	for _, request := range []node.Request{cardRequest, cardRequest} {
		if r := ds.nodes.Read(ctx, everyNode, request); r[0].Err != nil {
			b.Fatal(r[0].Err)
		}
	}
	bare := redis.NewClient(redistest.BareOptions(recorder.Addr, node.ReadBufferSize, node.WriteBufferSize))
	defer func() { _ = bare.Close() }()
	if err := bare.Info(ctx, cardRequest.Sections...).Err(); err != nil {
		b.Fatal(err)
	}
	pairs, err := recorder.Pairs()
	if err != nil {
		b.Fatal(err)
	}
	if err := respfarm.Save(path, pairs); err != nil {
		b.Fatal(err)
	}
}
