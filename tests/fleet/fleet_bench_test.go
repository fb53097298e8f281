//go:build realredis

package fleet

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/persistwatch/redis-persistence-datasource/internal/measure"
	"github.com/persistwatch/redis-persistence-datasource/internal/redistest"
	"github.com/persistwatch/redis-persistence-datasource/pkg/settings"
)

var (
	flagSizes = flag.String("fleet.sizes", "1,10,100",
		"comma-separated fleet sizes (real redis-server processes each); 1,000 needs ~3 GiB and a few minutes")
	flagPolls  = flag.Int("fleet.polls", 50, "timed polls per contender and fleet size")
	flagWarmUp = flag.Int("fleet.warmup", 5,
		"untimed polls before the timed ones: connect every node, so the timed polls show whether steady state opens connections")
	flagConcurrentPolls = flag.Int("fleet.concurrent-polls", 10,
		"timed polls of the plugin-N-concurrent contender (each poll is -fleet.concurrent-queries queries)")
	flagConcurrentEvery = flag.Duration("fleet.concurrent-every", settings.DefaultCoalesceWindow+100*time.Millisecond,
		"start each poll of plugin-N-concurrent this long after the last one ended (warm-up included), so that each falls in a new coalescing window")
	flagConcurrentQueries = flag.Int("fleet.concurrent-queries", 50, "QueryData calls at once in each poll of plugin-N-concurrent")
	flagConcurrency       = flag.Int("fleet.concurrency", settings.DefaultMaxConcurrency,
		"nodes read at once by every contender (the plugin's maxConcurrency)")
	flagContenders = flag.String("fleet.contenders", "",
		"comma-separated contenders to run (bare, plugin, plugin-concurrent, redis_exporter); empty: all")
	flagPluginRev = flag.String("fleet.plugin-rev", "",
		"build the plugin from this git revision (e.g. HEAD) instead of the working tree")
	flagFarm = flag.Bool("fleet.farm", false,
		"poll ports of farm processes replaying a recording of a real redis-server instead of real servers (bare, plugin, plugin-concurrent; sizes of 1,000 to 10,000)")
	flagSettle = flag.Duration("fleet.settle", 3*time.Minute,
		"after starting a fleet, wait up to this long for CPU pressure (/proc/pressure/cpu avg10) to fall under 10%: a thousand servers writing their first AOF files keep the CPUs busy for a while")
	flagServerHz = flag.Int("fleet.server-hz", 1,
		"each redis-server's hz: an idle server runs its timer hz times a second, and at the default 10 a thousand idle servers take two CPUs")
	flagExporter = flag.String("fleet.exporter", "",
		"redis_exporter binary to use; empty: ~/.cache/persistwatch/tools/redis_exporter-"+exporterVersion+", built with go install if missing")
)

// pollTimeout bounds one poll; a poll of 1,000 nodes through the exporter takes seconds.
const pollTimeout = 5 * time.Minute

// The contenders' keys, for -fleet.contenders.
const (
	keyBare             = "bare"
	keyPlugin           = "plugin"
	keyPluginConcurrent = "plugin-concurrent"
	keyExporter         = "redis_exporter"
)

var contenderKeys = []string{keyBare, keyPlugin, keyPluginConcurrent, keyExporter}

// contender is one way of polling the fleet.
type contender struct {
	name  string
	key   string // for -fleet.contenders
	polls int
	every time.Duration // if set, a poll starts at least this long after the last one ended (the wait is not timed)
	start func(b *testing.B, f *fleet) (poller, error)
}

// row is one contender's result on one fleet size.
type row struct {
	nodes        int
	contender    string
	polls        int
	p50, p99     time.Duration
	cpuPerPoll   time.Duration
	peakRSSMB    float64
	connections  int64
	infoPerPoll  float64
	infoNodePoll float64
	// The farm's figures beside the contender's (-fleet.farm only).
	farmCPUPerPoll time.Duration
	farmPeakRSSMB  float64
}

// fleetRow is one fleet size's own figures.
type fleetRow struct {
	nodes               int
	start               time.Duration
	rssIdleMB, rssEndMB float64
	farms               int // farm processes serving the nodes; 0 for real servers
}

// BenchmarkFleet polls fleets of real redis-server processes (AOF on) with every contender, one
// fleet size after the other, and prints a markdown table. Run it with -benchtime 1x: every
// contender makes -fleet.polls timed polls per b.N.
func BenchmarkFleet(b *testing.B) {
	sizes, err := parseSizes(*flagSizes)
	if err != nil {
		b.Fatal(err)
	}
	only := *flagContenders
	if *flagFarm && only == "" {
		only = keyBare + "," + keyPlugin + "," + keyPluginConcurrent // the exporter's requests are not recorded
	}
	var chosen []string
	for key := range strings.SplitSeq(only, ",") {
		if key = strings.TrimSpace(key); key == "" {
			continue
		}
		if !slices.Contains(contenderKeys, key) { // a misspelt contender would leave a long run without it
			b.Fatalf("-fleet.contenders: no contender %q; the contenders are %s", key, strings.Join(contenderKeys, ", "))
		}
		chosen = append(chosen, key)
	}
	selected := func(key string) bool {
		return chosen == nil || slices.Contains(chosen, key)
	}
	concurrency := *flagConcurrency
	// Every node costs a socket in the contender and in the server; children inherit the limit.
	fdLimit, err := raiseFdLimit()
	if err != nil {
		b.Fatalf("raising the open files limit: %v", err)
	}
	if *flagFarm && selected(keyExporter) {
		b.Fatal("-fleet.farm: redis_exporter cannot poll a farm, whose recording holds only the plugin's and bare's requests")
	}

	var pluginBinary, pluginSource string
	if selected(keyPlugin) || selected(keyPluginConcurrent) || *flagFarm { // the farm records the plugin
		if pluginBinary, pluginSource, err = buildPlugin(b.TempDir(), *flagPluginRev); err != nil {
			b.Fatal(err)
		}
	}
	var exporterPath, exporterSource, exporterVersion string
	var exporterErr error
	if selected(keyExporter) {
		exporterPath, exporterSource, exporterErr = exporterBinary(*flagExporter)
		if exporterErr == nil {
			exporterVersion = exporterVersionOf(exporterPath)
		}
	}
	closedAddr := redistest.ClosedAddr(b)

	// Not a contender: RedisGrafana's Redis data source backend
	// (github.com/RedisGrafana/grafana-redis-datasource), whose module cannot be fetched (HTTP 403
	// under either spelling of the path, for every version), so it cannot be built.
	zero := 0
	contenders := []contender{
		{name: "bare", key: keyBare, polls: *flagPolls, start: func(_ *testing.B, f *fleet) (poller, error) {
			return newBarePoller(f, concurrency), nil
		}},
		{name: "plugin", key: keyPlugin, polls: *flagPolls, start: func(_ *testing.B, f *fleet) (poller, error) {
			jsonData, err := pluginJSONData(f, concurrency, &zero)
			if err != nil {
				return nil, err
			}
			return newPluginPoller(pluginBinary, f, jsonData, 1)
		}},
		{name: fmt.Sprintf("plugin-%d-concurrent", *flagConcurrentQueries), key: keyPluginConcurrent, polls: *flagConcurrentPolls, every: *flagConcurrentEvery,
			start: func(_ *testing.B, f *fleet) (poller, error) {
				jsonData, err := pluginJSONData(f, concurrency, nil) // the default coalescing window
				if err != nil {
					return nil, err
				}
				return newPluginPoller(pluginBinary, f, jsonData, *flagConcurrentQueries)
			}},
		{name: "redis_exporter", key: keyExporter, polls: *flagPolls, start: func(b *testing.B, f *fleet) (poller, error) {
			if exporterErr != nil {
				b.Skipf("redis_exporter not available: %v", exporterErr)
			}
			return newExporterPoller(exporterPath, closedAddr, f, concurrency)
		}},
	}

	var rows []row
	var fleets []fleetRow
	exporter := ""
	if selected(keyExporter) {
		exporter = fmt.Sprintf(", redis_exporter %s (%s)", exporterVersion, exporterSource)
	}
	header := fmt.Sprintf("fleet benchmark: %d CPUs, %s, %s, plugin from the %s%s, maxConcurrency %d, %d warm-up polls, load %s",
		runtime.NumCPU(), runtime.Version(), redisVersion(), pluginSource, exporter, concurrency, *flagWarmUp, measure.LoadAverage())
	if exporterErr != nil {
		header += fmt.Sprintf("; redis_exporter unavailable: %v", exporterErr)
	}
	fmt.Println(header)
	if exporterErr == nil && selected(keyExporter) {
		fmt.Println("redis_exporter flags:", strings.Join(exporterFlags(exporterPath, "127.0.0.1:<free port>", closedAddr), " "))
	}

	var farmBinary, recording string
	if *flagFarm {
		dir := b.TempDir()
		if farmBinary, err = buildFarm(dir); err != nil {
			b.Fatal(err)
		}
		recording = filepath.Join(dir, "recording.json")
		server := redistest.Start(b, redistest.Options{})
		said, err := record(pluginBinary, recording, server, concurrency)
		if err != nil {
			b.Fatal(err)
		}
		server.Stop(b)
		ephemeral, err := ephemeralLow()
		if err != nil {
			b.Fatal(err)
		}
		fmt.Printf("farm mode: %s; open files limit %d; farms listen on ports %d-%d, below the ephemeral range (from %d), one loopback address per farm process\n",
			said, fdLimit, farmPortLow, ephemeral-1, ephemeral)
	}

	for _, n := range sizes {
		b.Run(fmt.Sprintf("nodes=%d", n), func(b *testing.B) {
			began := time.Now()
			var f *fleet
			var fr fleetRow
			if *flagFarm {
				ephemeral, err := ephemeralLow()
				if err != nil {
					b.Fatal(err)
				}
				plan, err := planFarm(n, fdLimit, ephemeral)
				if err != nil {
					b.Fatal(err)
				}
				if plan.why != "" {
					fmt.Printf("nodes=%d: %d farm processes of %d nodes each, because %s\n", n, plan.processes, plan.perProcess, plan.why)
				}
				if f, err = newFarmFleet(farmBinary, recording, plan, n); err != nil {
					b.Fatal(err)
				}
				fr = fleetRow{nodes: n, start: time.Since(began), farms: plan.processes}
			} else {
				servers := redistest.StartMany(b, n, redistest.Options{ExtraArgs: []string{"--hz", strconv.Itoa(*flagServerHz)}})
				fr = fleetRow{nodes: n, start: time.Since(began)}
				if f, err = newFleet(servers); err != nil {
					b.Fatal(err)
				}
			}
			b.Cleanup(f.close)
			waited, pressure, err := settle(*flagSettle)
			if err != nil {
				b.Fatal(err)
			}
			switch {
			case pressure >= 10:
				fmt.Printf("nodes=%d: the CPUs did not settle: %.0f%% CPU pressure after %.0f s (the idle fleet's own)\n", n, pressure, waited.Seconds())
			case waited >= time.Second:
				fmt.Printf("nodes=%d: waited %.0f s for the CPUs to settle (%.0f%% CPU pressure)\n", n, waited.Seconds(), pressure)
			}
			if fr.rssIdleMB, err = f.rssAnonMB(); err != nil {
				b.Fatal(err)
			}
			fmt.Printf("nodes=%d: started in %.1f s, fleet RssAnon %.0f MB (%s), load %s\n", n, fr.start.Seconds(), fr.rssIdleMB, fleetKind(fr), measure.LoadAverage())
			for _, c := range contenders {
				if !selected(c.key) {
					continue
				}
				b.Run(c.name, func(b *testing.B) {
					rows = append(rows, runContender(b, f, c))
				})
			}
			b.Run("fleet", func(b *testing.B) {
				if fr.rssEndMB, err = f.rssAnonMB(); err != nil {
					b.Fatal(err)
				}
				b.ReportMetric(fr.rssEndMB, "fleet-rss-anon-MB")
				b.ReportMetric(fr.rssEndMB/float64(n), "rss-anon-MB/server")
				b.ReportMetric(fr.start.Seconds(), "start-s")
			})
			fleets = append(fleets, fr)
		})
		// The fleet's cleanups have run: no redis-server (nor plugin, nor exporter) may be left.
		if left, err := liveChildren(os.Getpid()); err != nil {
			b.Error(err)
		} else if len(left) > 0 {
			b.Errorf("after the %d-node fleet, %d child processes are still running: %v", n, len(left), left[:min(len(left), 5)])
		}
		printTable(os.Stdout, rows, fleets, n)
	}
	fmt.Println("\nall fleet sizes:")
	printTable(os.Stdout, rows, fleets, 0)
}

// runContender starts the contender, makes the warm-up polls, then the timed ones between two
// snapshots of the servers' counters, and reports.
func runContender(b *testing.B, f *fleet, c contender) row {
	if c.key == keyBare {
		// The bare fan-out runs in this process: start its peak afresh, from the harness's live
		// heap alone (what earlier contenders left behind is collected and returned first).
		runtime.GC()
		debug.FreeOSMemory()
		if err := resetPeakRSS(os.Getpid()); err != nil {
			b.Logf("cannot reset this process's peak RSS (%v): bare's figure includes the harness's peak", err)
		}
	}
	p, err := c.start(b, f)
	if err != nil {
		b.Fatal(err)
	}
	defer p.close()
	var lastEnd time.Time
	pollOnce := func() (time.Duration, error) {
		if c.every > 0 {
			b.StopTimer()
			time.Sleep(time.Until(lastEnd.Add(c.every)))
			b.StartTimer()
		}
		ctx, cancel := context.WithTimeout(context.Background(), pollTimeout)
		defer cancel()
		began := time.Now()
		err := p.poll(ctx)
		lastEnd = time.Now()
		return lastEnd.Sub(began), err
	}
	for i := range *flagWarmUp {
		if _, err := pollOnce(); err != nil {
			b.Fatalf("warm-up poll %d: %v", i, err)
		}
	}
	pid := p.pid()
	if pid == 0 {
		pid = os.Getpid()
	}
	before, err := f.snapshot()
	if err != nil {
		b.Fatal(err)
	}
	cpuBefore, err := processCPU(pid)
	if err != nil {
		b.Fatal(err)
	}
	for _, farm := range f.serving {
		if err := resetPeakRSS(farm); err != nil {
			b.Fatalf("farm pid %d: %v", farm, err)
		}
	}
	farmCPUBefore, err := sumCPU(f.serving)
	if err != nil {
		b.Fatal(err)
	}
	polls := c.polls * b.N
	latencies := make([]time.Duration, 0, polls)
	b.ResetTimer()
	for i := range polls {
		took, err := pollOnce()
		if err != nil {
			b.Fatalf("poll %d: %v", i, err)
		}
		latencies = append(latencies, took)
	}
	b.StopTimer()
	cpuAfter, err := processCPU(pid)
	if err != nil {
		b.Fatal(err)
	}
	farmCPUAfter, err := sumCPU(f.serving)
	if err != nil {
		b.Fatal(err)
	}
	farmPeakKB, err := sumStatusKB(f.serving, "VmHWM")
	if err != nil {
		b.Fatal(err)
	}
	after, err := f.snapshot()
	if err != nil {
		b.Fatal(err)
	}
	peakKB, err := procStatusKB(pid, "VmHWM")
	if err != nil {
		b.Fatal(err)
	}
	d := f.delta(before, after)
	r := row{
		nodes: len(f.addrs), contender: c.name, polls: polls,
		p50: measure.Percentile(latencies, 50), p99: measure.Percentile(latencies, 99),
		cpuPerPoll:     (cpuAfter - cpuBefore) / time.Duration(polls),
		peakRSSMB:      float64(peakKB) / 1024,
		connections:    d.connections,
		infoPerPoll:    float64(d.infoCalls) / float64(polls),
		farmCPUPerPoll: (farmCPUAfter - farmCPUBefore) / time.Duration(polls),
		farmPeakRSSMB:  float64(farmPeakKB) / 1024,
	}
	r.infoNodePoll = r.infoPerPoll / float64(len(f.addrs))
	b.ReportMetric(ms(r.p50), "p50-ms")
	b.ReportMetric(ms(r.p99), "p99-ms")
	b.ReportMetric(ms(r.cpuPerPoll), "cpu-ms/poll")
	b.ReportMetric(r.peakRSSMB, "peak-rss-MB")
	b.ReportMetric(float64(r.connections), "conns-opened")
	b.ReportMetric(r.infoPerPoll, "info/poll")
	b.ReportMetric(r.infoNodePoll, "info/node/poll")
	if len(f.serving) > 0 {
		b.ReportMetric(ms(r.farmCPUPerPoll), "farm-cpu-ms/poll")
		b.ReportMetric(r.farmPeakRSSMB, "farm-peak-rss-MB")
	}
	return r
}

// sumCPU is the CPU time of the processes, summed.
func sumCPU(pids []int) (time.Duration, error) {
	var sum time.Duration
	for _, pid := range pids {
		cpu, err := measure.ProcCPU(pid)
		if err != nil {
			return 0, fmt.Errorf("pid %d: %w", pid, err)
		}
		sum += cpu
	}
	return sum, nil
}

// fleetKind says what served the nodes.
func fleetKind(fr fleetRow) string {
	if fr.farms > 0 {
		return fmt.Sprintf("%d farm processes", fr.farms)
	}
	return "one redis-server per node"
}

// tableHead starts a markdown table, a blank line away from what came before.
func tableHead(w io.Writer, header, alignment string) {
	fmt.Fprintln(w)
	fmt.Fprintln(w, header)
	fmt.Fprintln(w, alignment)
}

// printTable writes the markdown table of the rows of one fleet size (nodes > 0) or of all.
func printTable(w io.Writer, rows []row, fleets []fleetRow, nodes int) {
	bare := map[int]time.Duration{}
	for _, r := range rows {
		if r.contender == "bare" {
			bare[r.nodes] = r.p50
		}
	}
	tableHead(w,
		"| nodes | contender | polls | p50 ms | p99 ms | p50 / bare | CPU ms/poll | peak RSS MB | conns opened (timed) | INFO/poll | INFO/node/poll |",
		"| ----: | --------- | ----: | -----: | -----: | ---------: | ----------: | ----------: | -------------------: | --------: | -------------: |")
	for _, r := range rows {
		if nodes != 0 && r.nodes != nodes {
			continue
		}
		ratio := "-"
		if base := bare[r.nodes]; base > 0 {
			ratio = fmt.Sprintf("%.2f", float64(r.p50)/float64(base))
		}
		fmt.Fprintf(w, "| %d | %s | %d | %.2f | %.2f | %s | %.2f | %.1f | %d | %.1f | %.2f |\n",
			r.nodes, r.contender, r.polls, ms(r.p50), ms(r.p99), ratio, ms(r.cpuPerPoll), r.peakRSSMB, r.connections, r.infoPerPoll, r.infoNodePoll)
	}
	if *flagFarm {
		printFarmTables(w, rows, fleets, nodes)
		return
	}
	tableHead(w,
		"| nodes | start s | fleet RssAnon MB, idle | fleet RssAnon MB, at the end | per server MB |",
		"| ----: | ------: | ---------------------: | ---------------------------: | ------------: |")
	for _, f := range fleets {
		if nodes != 0 && f.nodes != nodes {
			continue
		}
		fmt.Fprintf(w, "| %d | %.1f | %.0f | %.0f | %.2f |\n", f.nodes, f.start.Seconds(), f.rssIdleMB, f.rssEndMB, f.rssEndMB/float64(f.nodes))
	}
	fmt.Fprintln(w)
}

// printFarmTables writes what the farm processes cost beside each contender, and their memory.
func printFarmTables(w io.Writer, rows []row, fleets []fleetRow, nodes int) {
	tableHead(w,
		"| nodes | contender | farm CPU ms/poll | farm peak RSS MB |",
		"| ----: | --------- | ---------------: | ---------------: |")
	for _, r := range rows {
		if nodes == 0 || r.nodes == nodes {
			fmt.Fprintf(w, "| %d | %s | %.2f | %.1f |\n", r.nodes, r.contender, ms(r.farmCPUPerPoll), r.farmPeakRSSMB)
		}
	}
	tableHead(w,
		"| nodes | farm processes | start s | farm RssAnon MB, idle | farm RssAnon MB, at the end | per node kB |",
		"| ----: | -------------: | ------: | --------------------: | --------------------------: | ----------: |")
	for _, f := range fleets {
		if nodes == 0 || f.nodes == nodes {
			fmt.Fprintf(w, "| %d | %d | %.1f | %.0f | %.0f | %.1f |\n", f.nodes, f.farms, f.start.Seconds(), f.rssIdleMB, f.rssEndMB, f.rssEndMB*1024/float64(f.nodes))
		}
	}
	fmt.Fprintln(w)
}

func redisVersion() string {
	out, err := exec.Command("redis-server", "--version").Output()
	if err != nil {
		return "redis-server: " + err.Error()
	}
	fields := strings.Fields(string(out))
	for _, f := range fields {
		if v, ok := strings.CutPrefix(f, "v="); ok {
			return "redis-server " + v
		}
	}
	return strings.TrimSpace(string(out))
}

// TestSnapshotCountsOnlyTheContender checks the counting against two real servers: the
// snapshots' own INFO calls and measuring connections cancel out, and what a client does in
// between is counted exactly.
func TestSnapshotCountsOnlyTheContender(t *testing.T) {
	servers := redistest.StartMany(t, 2, redistest.Options{})
	f, err := newFleet(servers)
	if err != nil {
		t.Fatal(err)
	}
	defer f.close()
	first, err := f.snapshot()
	if err != nil {
		t.Fatal(err)
	}
	second, err := f.snapshot()
	if err != nil {
		t.Fatal(err)
	}
	if d := f.delta(first, second); d != (counters{}) {
		t.Errorf("two snapshots in a row differ by %+v, want nothing", d)
	}

	// A contender: one new connection and three INFO calls per server.
	bare := newBarePoller(f, 2)
	defer bare.close()
	for range 3 {
		if err := bare.poll(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	third, err := f.snapshot()
	if err != nil {
		t.Fatal(err)
	}
	if d, want := f.delta(second, third), (counters{connections: 2, infoCalls: 6}); d != want {
		t.Errorf("after 3 bare polls of 2 servers: %+v, want %+v", d, want)
	}
	if mb, err := f.rssAnonMB(); err != nil || mb <= 0 {
		t.Errorf("fleet RssAnon %.1f MB, err %v", mb, err)
	}
}
