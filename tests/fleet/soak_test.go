//go:build realredis

package fleet

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/genproto/pluginv2"

	"github.com/persistwatch/redis-persistence-datasource/internal/measure"
	"github.com/persistwatch/redis-persistence-datasource/internal/pluginhost"
	"github.com/persistwatch/redis-persistence-datasource/internal/redistest"
)

var (
	flagSoakNodes    = flag.Int("soak.nodes", 100, "real redis-server nodes in the soak")
	flagSoakFlapping = flag.Float64("soak.flapping", 0.1, "fraction of the nodes that are killed (SIGKILL) and stopped (SIGSTOP) at random")
	flagSoakQueries  = flag.Int("soak.queries", 10000, "card queries over every node, in total")
	flagSoakWorkers  = flag.Int("soak.workers", 8, "queries in flight at once")
	flagSoakMax      = flag.Duration("soak.max", 20*time.Minute, "stop the soak after this long even if queries are left")
)

// soakTimeoutMs is the data source's connect and read timeout in the soak: a stopped node costs a
// query this long.
const soakTimeoutMs = 300

// timeline is what a node really was, and since when: the truth a card is judged against.
type timeline struct {
	mu      sync.Mutex
	changes []change
}

type change struct {
	at time.Time
	up bool
}

func (t *timeline) set(up bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.changes = append(t.changes, change{time.Now(), up})
}

// during says whether the node was up for the whole of [from, to], down for the whole of it, or
// changed in between (settled false).
func (t *timeline) during(from, to time.Time) (up, settled bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	state := true
	for _, c := range t.changes {
		if c.at.After(to) {
			break
		}
		if c.at.After(from) {
			return false, false
		}
		state = c.up
	}
	return state, true
}

type soakSample struct {
	elapsed          time.Duration
	rssMB            float64
	fds, goroutines  int
	queries, packets int64
}

// BenchmarkSoak is the soak of the plugin under a misbehaving fleet: real nodes, a tenth of them
// killed with SIGKILL (then started again on the same port) or stopped with SIGSTOP (then
// continued) at random, 10,000 card queries over every node from several workers and a Live
// stream at the same time. It reports the plugin process's RSS, file descriptors and goroutines
// over time, query latency, and how many reads of a node showed its true state at that moment.
// Not part of make test; run it with `make soak` (docs/robustness.md has its figures).
func BenchmarkSoak(b *testing.B) {
	dir := b.TempDir()
	binary, source, err := buildPlugin(dir, "")
	if err != nil {
		b.Fatal(err)
	}
	servers := make([]*redistest.Server, *flagSoakNodes)
	truth := make([]*timeline, len(servers))
	nodes := make([]map[string]string, len(servers))
	for i := range servers {
		servers[i] = redistest.Start(b, redistest.Options{})
		truth[i] = &timeline{}
		nodes[i] = map[string]string{"name": fmt.Sprintf("n%03d", i), "address": servers[i].Addr}
	}
	// No coalescing window: every query reads its nodes (only reads in flight are shared), so the
	// soak measures reads, not shared answers.
	jsonData, err := json.Marshal(map[string]any{"nodes": nodes, "connectTimeoutMs": soakTimeoutMs, "readTimeoutMs": soakTimeoutMs, "coalesceWindowMs": 0})
	if err != nil {
		b.Fatal(err)
	}

	profilePort, err := redistest.FreePort()
	if err != nil {
		b.Fatal(err)
	}
	// The SDK serves pprof when asked: the goroutine count comes from it.
	b.Setenv("GF_PLUGIN_PROFILING_ENABLED", "true")
	b.Setenv("GF_PLUGIN_PROFILING_PORT", strconv.Itoa(profilePort))
	stderr := redistest.NewLogTail(64 << 10)
	host, err := pluginhost.Start(binary, stderr, io.Discard)
	if err != nil {
		b.Fatal(err)
	}
	defer host.Kill()
	pid := host.Client().ReattachConfig().Pid
	pc := backend.PluginContext{
		PluginID: pluginhost.PluginID,
		User:     &backend.User{Login: "admin", Role: "Admin"},
		DataSourceInstanceSettings: &backend.DataSourceInstanceSettings{
			ID: 1, UID: "soak", Name: "Soak", Type: pluginhost.PluginID, JSONData: jsonData,
			DecryptedSecureJSONData: map[string]string{}, Updated: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC),
		},
	}

	ctx, cancel := context.WithTimeout(context.Background(), *flagSoakMax)
	defer cancel()
	start := time.Now()
	var done, packets atomic.Int64

	// The Live stream: one growth sample per second for every node, all along.
	streams, err := host.Streams()
	if err != nil {
		b.Fatal(err)
	}
	streamCtx, stopStream := context.WithCancel(ctx)
	defer stopStream()
	run, err := streams.RunStream(streamCtx, &pluginv2.RunStreamRequest{PluginContext: backend.ToProto().PluginContext(pc), Path: "growth/1000"})
	if err != nil {
		b.Fatal(err)
	}
	streamEnded := make(chan struct{})
	go func() {
		defer close(streamEnded)
		for {
			if _, err := run.Recv(); err != nil {
				return
			}
			packets.Add(1)
		}
	}()

	// The queries.
	type read struct {
		from, to time.Time
		statuses map[string]string // node name -> card status
	}
	index := map[string]int{}
	for i, n := range nodes {
		index[n["name"]] = i
	}
	reads := make(chan read, *flagSoakWorkers)
	latencies := make([]time.Duration, 0, *flagSoakQueries)
	var latencyMu sync.Mutex
	var next atomic.Int64
	var queryErrors atomic.Int64
	var workers sync.WaitGroup
	for range *flagSoakWorkers {
		workers.Go(func() {
			for next.Add(1) <= int64(*flagSoakQueries) && ctx.Err() == nil {
				// A fifth of the fleet, picked at random: different queries, so no shared answers.
				var filter []string
				for _, i := range rand.Perm(len(nodes))[:max(1, len(nodes)/5)] {
					filter = append(filter, nodes[i]["name"])
				}
				model, _ := json.Marshal(map[string]any{"nodes": filter})
				from := time.Now()
				response, err := host.Query(ctx, pc, "card", string(model))
				to := time.Now()
				done.Add(1)
				latencyMu.Lock()
				latencies = append(latencies, to.Sub(from))
				latencyMu.Unlock()
				if err != nil || response.Error != nil || len(response.Frames) != 1 {
					queryErrors.Add(1)
					continue
				}
				names, _ := response.Frames[0].FieldByName("node")
				status, _ := response.Frames[0].FieldByName("status")
				statuses := map[string]string{}
				for row := range status.Len() {
					name, _ := names.ConcreteAt(row)
					value, _ := status.ConcreteAt(row)
					statuses[fmt.Sprint(name)] = fmt.Sprint(value)
				}
				reads <- read{from, to, statuses}
			}
		})
	}

	// Judging each read against the truth. A query may join a read of the node already in
	// flight, begun at most one read budget (connect and read timeouts) before it: so each read
	// is judged over [query start - budget, query end].
	budget := 2 * soakTimeoutMs * time.Millisecond
	var judged, upReads, upRight, downReads, downRight, unsettled atomic.Int64
	var wrong, wrongDown []string
	judging := make(chan struct{})
	go func() {
		defer close(judging)
		for r := range reads {
			for name, status := range r.statuses {
				i := index[name]
				up, settled := truth[i].during(r.from.Add(-budget), r.to)
				judged.Add(1)
				switch {
				case !settled:
					unsettled.Add(1)
				case up:
					upReads.Add(1)
					if status == "ok" {
						upRight.Add(1)
					} else if len(wrong) < 10 {
						wrong = append(wrong, fmt.Sprintf("%s up at %s: %s", name, r.from.Sub(start).Round(time.Millisecond), status))
					}
				default:
					downReads.Add(1)
					if status == "unreachable" {
						downRight.Add(1)
					} else if len(wrongDown) < 5 {
						wrongDown = append(wrongDown, fmt.Sprintf("%s down at %s: %s", name, r.from.Sub(start).Round(time.Millisecond), status))
					}
				}
			}
		}
	}()

	// Samples of the plugin process every 5 s.
	var samples []soakSample
	var samplesMu sync.Mutex
	sampling, stopSampling := context.WithCancel(ctx)
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		ticker := time.NewTicker(5 * time.Second)
		defer ticker.Stop()
		for {
			s := soakSample{elapsed: time.Since(start).Round(time.Second), queries: done.Load(), packets: packets.Load()}
			if kb, err := procStatusKB(pid, "VmRSS"); err == nil {
				s.rssMB = float64(kb) / 1024
			}
			if entries, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid)); err == nil {
				s.fds = len(entries)
			}
			s.goroutines = goroutines(profilePort)
			samplesMu.Lock()
			samples = append(samples, s)
			samplesMu.Unlock()
			select {
			case <-sampling.Done():
				return
			case <-ticker.C:
			}
		}
	}()

	// The chaos, in this goroutine (the servers' helpers may stop the benchmark): every 200 ms a
	// random flapping node that is up is killed or stopped, and comes back 0.3 to 2 s later.
	flapping := max(1, int(float64(len(servers))**flagSoakFlapping))
	type outage struct {
		node   int
		killed bool
		until  time.Time
	}
	var outages []outage
	queriesDone := make(chan struct{})
	go func() {
		workers.Wait()
		close(queriesDone)
	}()
	kills, stops := 0, 0
chaos:
	for {
		select {
		case <-queriesDone:
			break chaos
		case <-time.After(200 * time.Millisecond):
		}
		now := time.Now()
		kept := outages[:0]
		for _, o := range outages {
			if now.Before(o.until) {
				kept = append(kept, o)
				continue
			}
			// Both ends of a change are marked: a read that overlaps the change is not judged.
			truth[o.node].set(false)
			if o.killed {
				servers[o.node] = servers[o.node].Relaunch(b)
			} else {
				servers[o.node].Thaw(b)
			}
			truth[o.node].set(true)
		}
		outages = kept
		node := rand.IntN(flapping)
		busy := false
		for _, o := range outages {
			busy = busy || o.node == node
		}
		if busy {
			continue
		}
		o := outage{node: node, killed: rand.IntN(2) == 0, until: now.Add(300*time.Millisecond + rand.N(1700*time.Millisecond))}
		truth[node].set(true)
		if o.killed {
			servers[node].Stop(b)
			kills++
		} else {
			servers[node].Freeze(b)
			stops++
		}
		truth[node].set(false)
		outages = append(outages, o)
	}
	for _, o := range outages {
		if !o.killed {
			servers[o.node].Thaw(b)
		}
	}
	stopStream()
	<-streamEnded
	close(reads)
	<-judging
	stopSampling()
	<-sampled

	latencyMu.Lock()
	p50, p99 := measure.Percentile(latencies, 50), measure.Percentile(latencies, 99)
	latencyMu.Unlock()
	w := bufio.NewWriter(os.Stdout)
	fmt.Fprintf(w, "\nsoak: %d nodes (%d flapping: %d SIGKILL, %d SIGSTOP), %d card queries of %d random nodes each by %d workers in %s, no coalescing window, plugin from %s\n",
		len(servers), flapping, kills, stops, done.Load(), max(1, len(nodes)/5), *flagSoakWorkers, time.Since(start).Round(time.Second), source)
	fmt.Fprintf(w, "| elapsed | plugin RSS MB | fds | goroutines | queries done | Live packets |\n|---:|---:|---:|---:|---:|---:|\n")
	for _, s := range samples {
		fmt.Fprintf(w, "| %s | %.1f | %d | %d | %d | %d |\n", s.elapsed, s.rssMB, s.fds, s.goroutines, s.queries, s.packets)
	}
	fmt.Fprintf(w, "query latency p50 %.1f ms, p99 %.1f ms; query errors %d\n", ms(p50), ms(p99), queryErrors.Load())
	fmt.Fprintf(w, "node reads judged %d: up %d (right %d, %.4f), down %d (right %d), changing state during the read %d\n",
		judged.Load(), upReads.Load(), upRight.Load(), float64(upRight.Load())/float64(max(upReads.Load(), 1)), downReads.Load(), downRight.Load(), unsettled.Load())
	for _, line := range append(wrong, wrongDown...) {
		fmt.Fprintf(w, "  wrong: %s\n", line)
	}
	_ = w.Flush()
	b.ReportMetric(float64(upRight.Load())/float64(max(upReads.Load(), 1)), "up-right-fraction")
	b.ReportMetric(ms(p50), "p50-ms")
	b.ReportMetric(ms(p99), "p99-ms")
	if queryErrors.Load() > 0 {
		b.Errorf("%d queries failed as a whole: a dead node must be a row, not an error", queryErrors.Load())
	}
}

// goroutines reads the plugin's goroutine count from the SDK's pprof endpoint; -1 when it cannot.
func goroutines(port int) int {
	client := http.Client{Timeout: 2 * time.Second}
	response, err := client.Get(fmt.Sprintf("http://127.0.0.1:%d/debug/pprof/goroutine?debug=1", port))
	if err != nil {
		return -1
	}
	defer func() { _ = response.Body.Close() }()
	first, err := bufio.NewReader(response.Body).ReadString('\n')
	if err != nil {
		return -1
	}
	count, err := strconv.Atoi(strings.TrimSpace(strings.TrimPrefix(first, "goroutine profile: total")))
	if err != nil {
		return -1
	}
	return count
}
