//go:build realredis

package plugin

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/redis/go-redis/v9"

	"github.com/persistwatch/redis-persistence-datasource/internal/redistest"
)

// serverCounters are what a real server counted: INFO calls and connections received.
type serverCounters struct{ infoCalls, connections int }

// probe reads a server's counters over one connection of its own, opened before the first
// reading. Each reading is itself an INFO call, which the server counts once it has answered it.
type probe struct{ rdb *redis.Client }

func probeOf(t *testing.T, server *redistest.Server) probe {
	t.Helper()
	p := probe{rdb: server.Client(t)}
	if err := p.rdb.Ping(context.Background()).Err(); err != nil {
		t.Fatal(err)
	}
	return p
}

func (p probe) read(t *testing.T) serverCounters {
	t.Helper()
	text, err := p.rdb.Info(context.Background(), "commandstats", "stats").Result()
	if err != nil {
		t.Fatal(err)
	}
	var counters serverCounters
	for _, line := range strings.Split(text, "\r\n") {
		if rest, ok := strings.CutPrefix(line, "cmdstat_info:calls="); ok {
			counters.infoCalls, _ = strconv.Atoi(rest[:strings.IndexByte(rest, ',')])
		}
		if rest, ok := strings.CutPrefix(line, "total_connections_received:"); ok {
			counters.connections, _ = strconv.Atoi(rest)
		}
	}
	return counters
}

// infoCallsSince is the number of INFO calls others made since before was read, not counting
// the two readings.
func (p probe) infoCallsSince(t *testing.T, before serverCounters) int {
	t.Helper()
	return p.read(t).infoCalls - before.infoCalls - 1
}

func concurrentQueries(t *testing.T, ds *Datasource, n int, queryTypes ...string) {
	t.Helper()
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			queryType := queryTypes[i%len(queryTypes)]
			response, err := ds.QueryData(context.Background(), &backend.QueryDataRequest{Queries: []backend.DataQuery{{RefID: "A", QueryType: queryType, JSON: json.RawMessage(`{"metric":"aof_rewrite_ok"}`)}}})
			switch {
			case err != nil:
				errs <- err
			case response.Responses["A"].Error != nil:
				errs <- response.Responses["A"].Error
			case len(response.Responses["A"].Frames) == 0:
				errs <- fmt.Errorf("%s query returned no frames", queryType)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
}

func TestConcurrentQueriesShareOneInfoPerNode(t *testing.T) {
	servers := redistest.StartMany(t, 2, redistest.Options{})
	// A window far longer than the test, so that every query below falls inside it.
	ds := configured(t, fmt.Sprintf(`{"nodes":[{"address":%q},{"address":%q}],"coalesceWindowMs":60000}`, servers[0].Addr, servers[1].Addr), nil)
	probes := []probe{probeOf(t, servers[0]), probeOf(t, servers[1])}
	before := []serverCounters{probes[0].read(t), probes[1].read(t)}

	// Panels, alert rules and the raw table at once: whichever reads first answers all of them.
	concurrentQueries(t, ds, 50, "card", "alerting", "card", "raw")

	for i, p := range probes {
		if calls := p.infoCallsSince(t, before[i]); calls != 1 {
			t.Errorf("node %d saw %d INFO calls for 50 concurrent queries, want 1", i, calls)
		}
	}
}

func TestReadingsAreNotSharedPastTheWindow(t *testing.T) {
	server := redistest.Start(t, redistest.Options{})
	ds := configured(t, fmt.Sprintf(`{"nodes":[{"address":%q}],"coalesceWindowMs":50}`, server.Addr), nil)
	expectCard(t, ds, server.Addr, "ok", "succeeded")
	server.RewriteErrKilledChild(t)
	time.Sleep(60 * time.Millisecond) // past the window: the next card must be read afresh
	expectCard(t, ds, server.Addr, "err", "")
}

func TestSteadyPollingOpensNoNewConnections(t *testing.T) {
	server := redistest.Start(t, redistest.Options{})
	ds := configured(t, fmt.Sprintf(`{"nodes":[{"address":%q}],"coalesceWindowMs":0}`, server.Addr), nil)
	concurrentQueries(t, ds, 1, "card") // the one connection is opened here
	counters := probeOf(t, server)
	before := counters.read(t)
	for range 20 {
		concurrentQueries(t, ds, 5, "card", "alerting", "siblings")
	}
	after := counters.read(t)
	if opened := after.connections - before.connections; opened != 0 {
		t.Errorf("100 queries opened %d new connections, want 0: one connection per node, kept and reused", opened)
	}
	if calls := after.infoCalls - before.infoCalls - 1; calls < 20 {
		t.Errorf("with coalescing off, 20 rounds made only %d INFO calls", calls)
	}
}

func TestIdenticalConcurrentQueriesShareOneAnswerWithTheirOwnRefIDs(t *testing.T) {
	server := redistest.Start(t, redistest.Options{})
	ds := configured(t, fmt.Sprintf(`{"nodes":[{"address":%q,"name":"cache"}],"coalesceWindowMs":0}`, server.Addr), nil)
	const n = 20
	var queries []backend.DataQuery
	for i := range n {
		queries = append(queries, backend.DataQuery{RefID: fmt.Sprintf("Q%d", i), QueryType: "card", JSON: json.RawMessage(`{"refId":"ignored","nodes":["cache"]}`)})
	}
	var wg sync.WaitGroup
	responses := make([]*backend.QueryDataResponse, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var err error
			responses[i], err = ds.QueryData(context.Background(), &backend.QueryDataRequest{Queries: queries[i : i+1]})
			if err != nil {
				t.Error(err)
				return
			}
			// As the gRPC server does, concurrently: it writes the refId into each frame.
			if _, err := (backend.ConvertToProtobuf{}).QueryDataResponse(backend.DataFrameFormat_ARROW, responses[i]); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	for i, response := range responses {
		refID := fmt.Sprintf("Q%d", i)
		frames := response.Responses[refID].Frames
		if len(frames) != 1 || frames[0].RefID != refID {
			t.Fatalf("%s: frames %v: each query must get its own frame carrying its own refId", refID, frames)
		}
		if status, _ := frames[0].Fields[3].ConcreteAt(0); status != "ok" || frames[0].Fields[3].Name != "status" {
			t.Fatalf("%s: status %v", refID, status)
		}
	}
}
