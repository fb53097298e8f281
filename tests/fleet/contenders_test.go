//go:build realredis

package fleet

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/data"
	"github.com/redis/go-redis/v9"

	"github.com/persistwatch/redis-persistence-datasource/internal/pluginhost"
	"github.com/persistwatch/redis-persistence-datasource/internal/redistest"
	"github.com/persistwatch/redis-persistence-datasource/pkg/node"
)

// A poller polls every node of the fleet once per poll.
type poller interface {
	poll(ctx context.Context) error
	// pid is the process that does the work, whose CPU and peak RSS are reported: 0 for this one.
	pid() int
	close()
}

// ---- bare: go-redis alone ----

// barePoller sends the card query's INFO to every node, one go-redis client per node set up as
// the plugin sets up its own (pkg/node clientOptions), at most `concurrency` at once. Nothing
// else: no parsing, no frames. It is the floor.
type barePoller struct {
	clients     []*redis.Client
	concurrency int
}

func newBarePoller(f *fleet, concurrency int) *barePoller {
	p := &barePoller{concurrency: concurrency}
	for _, addr := range f.addrs {
		options := redistest.BareOptions(addr, node.ReadBufferSize, node.WriteBufferSize) // not go-redis's 32 + 32 KiB
		p.clients = append(p.clients, redis.NewClient(options))
	}
	return p
}

func (p *barePoller) poll(ctx context.Context) error {
	return fanOut(ctx, len(p.clients), p.concurrency, func(ctx context.Context, i int) error {
		text, err := p.clients[i].Info(ctx, cardSections...).Result()
		if err != nil {
			return err
		}
		if !strings.Contains(text, "aof_enabled:1") {
			return fmt.Errorf("INFO reply without aof_enabled:1: %.200q", text)
		}
		return nil
	})
}

func (p *barePoller) pid() int { return 0 }

func (p *barePoller) close() {
	for _, c := range p.clients {
		_ = c.Close()
	}
}

// cardSections is what the plugin's card query reads (pkg/plugin cardRequest). The plugin also
// sends CONFIG GET auto-aof-rewrite-*, save and appendfsync in the same pipeline, at most once a
// minute per node.
var cardSections = []string{"server", "persistence", "replication"}

// ---- plugin: QueryData over the plugin protocol ----

// pluginPoller sends `queries` card queries (all nodes) at once per poll to a plugin process
// started the way Grafana starts it.
type pluginPoller struct {
	host    *pluginhost.Host
	context backend.PluginContext
	nodes   int
	queries int
	process int
	stderr  *redistest.LogTail
}

// buildPlugin compiles the plugin's main package (pkg/) as the release build does, without -race:
// from the working tree when rev is empty, else from that git revision, exported with git archive
// into dir (so that other people's unfinished edits in the working tree do not get in). It
// returns the binary and what it was built from.
func buildPlugin(dir, rev string) (binary, source string, err error) {
	binary = filepath.Join(dir, "gpx_redis_persistence")
	pkgDir, source := "../../pkg", "working tree (not a git checkout)"
	if head, err := exec.Command("git", "rev-parse", "--short", "HEAD").Output(); err == nil {
		source = "working tree at " + strings.TrimSpace(string(head))
	}
	if rev != "" {
		commit, err := exec.Command("git", "rev-parse", "--short", rev+"^{commit}").Output()
		if err != nil {
			return "", "", fmt.Errorf("git rev-parse %s: %w", rev, err)
		}
		tree := filepath.Join(dir, "src")
		if err := os.MkdirAll(tree, 0o755); err != nil {
			return "", "", err
		}
		top, err := exec.Command("git", "rev-parse", "--show-toplevel").Output()
		if err != nil {
			return "", "", fmt.Errorf("git rev-parse --show-toplevel: %w", err)
		}
		// From the top: git archive run in a subdirectory exports only that subdirectory.
		export := exec.Command("sh", "-c", `git -C "$1" archive --format=tar "$2" | tar -x -C "$3"`, "export", strings.TrimSpace(string(top)), rev, tree)
		if out, err := export.CombinedOutput(); err != nil {
			return "", "", fmt.Errorf("git archive %s: %v: %s", rev, err, out)
		}
		pkgDir, source = filepath.Join(tree, "pkg"), "commit "+strings.TrimSpace(string(commit))
	}
	if err := pluginhost.Build(pkgDir, binary); err != nil {
		return "", "", fmt.Errorf("building the plugin (%s): %w", source, err)
	}
	return binary, source, nil
}

// pluginJSONData is the data source's jsonData. coalesceWindowMs nil leaves it out, i.e. the
// default window; older plugin code ignores the key.
func pluginJSONData(f *fleet, concurrency int, coalesceWindowMs *int) ([]byte, error) {
	nodes := make([]map[string]string, len(f.addrs))
	for i, addr := range f.addrs {
		nodes[i] = map[string]string{"address": addr}
	}
	settings := map[string]any{"nodes": nodes, "maxConcurrency": concurrency}
	if coalesceWindowMs != nil {
		settings["coalesceWindowMs"] = *coalesceWindowMs
	}
	return json.Marshal(settings)
}

func newPluginPoller(binary string, f *fleet, jsonData []byte, queries int) (*pluginPoller, error) {
	p := &pluginPoller{nodes: len(f.addrs), queries: queries, stderr: redistest.NewLogTail(64 << 10)}
	host, err := pluginhost.Start(binary, p.stderr, io.Discard)
	if err != nil {
		return nil, fmt.Errorf("%w; plugin stderr:\n%s", err, p.stderr)
	}
	p.host = host
	reattach := host.Client().ReattachConfig()
	if reattach == nil || reattach.Pid == 0 {
		host.Kill()
		return nil, fmt.Errorf("go-plugin knows no pid for the plugin process")
	}
	p.process = reattach.Pid
	p.context = backend.PluginContext{
		PluginID: pluginhost.PluginID,
		User:     &backend.User{Login: "admin", Name: "Admin", Role: "Admin"},
		DataSourceInstanceSettings: &backend.DataSourceInstanceSettings{
			ID: 1, UID: "fleet", Name: "Fleet", Type: pluginhost.PluginID, JSONData: jsonData,
			DecryptedSecureJSONData: map[string]string{}, Updated: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC),
		},
	}
	return p, nil
}

func (p *pluginPoller) poll(ctx context.Context) error {
	if p.queries == 1 {
		return p.query(ctx)
	}
	errs := make(chan error, p.queries)
	for range p.queries {
		go func() { errs <- p.query(ctx) }()
	}
	var first error
	for range p.queries {
		if err := <-errs; err != nil && first == nil {
			first = err
		}
	}
	return first
}

// query sends one card query and checks that every node answered.
func (p *pluginPoller) query(ctx context.Context) error {
	response, err := p.host.Query(ctx, p.context, "card", `{}`)
	if err != nil {
		return err
	}
	if response.Error != nil {
		return fmt.Errorf("card query: %w", response.Error)
	}
	if len(response.Frames) != 1 || response.Frames[0].Rows() != p.nodes {
		return fmt.Errorf("card query: %d frames, want one with %d rows", len(response.Frames), p.nodes)
	}
	frame := response.Frames[0]
	if frame.Meta != nil && len(frame.Meta.Notices) > 0 {
		return fmt.Errorf("card query notice: %s", frame.Meta.Notices[0].Text)
	}
	return checkStatuses(frame)
}

func checkStatuses(frame *data.Frame) error {
	field, _ := frame.FieldByName("status")
	if field == nil {
		return fmt.Errorf("the card frame has no status field")
	}
	for i := range field.Len() {
		if status, _ := field.At(i).(string); status == "unreachable" || status == "" {
			return fmt.Errorf("card row %d has status %q", i, status)
		}
	}
	return nil
}

func (p *pluginPoller) pid() int { return p.process }

func (p *pluginPoller) close() { p.host.Kill() }

// ---- redis_exporter: one scrape per node through /scrape?target= ----

const (
	exporterModule  = "github.com/oliver006/redis_exporter"
	exporterVersion = "v1.78.0"
	// debianExporter is Debian's build of redis_exporter, the fallback when the module's source
	// cannot be fetched.
	debianExporter = "prometheus-redis-exporter"
)

// exporterBinary finds or builds redis_exporter: the -fleet.exporter flag; else the cached
// v1.78.0 build; else `go install` of v1.78.0 into the cache; else Debian's package
// prometheus-redis-exporter, on PATH or extracted (apt-get download, not installed: installing
// would start its service against localhost:6379) into the cache. It returns the binary and how
// it was found.
func exporterBinary(flagPath string) (string, string, error) {
	if flagPath != "" {
		return flagPath, "-fleet.exporter", nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", "", err
	}
	tools := filepath.Join(home, ".cache", "persistwatch", "tools")
	cached := filepath.Join(tools, "redis_exporter-"+exporterVersion)
	if isFile(cached) {
		return cached, "cached go install", nil
	}
	installErr := goInstallExporter(tools, cached)
	if installErr == nil {
		return cached, "go install", nil
	}
	if onPath, err := exec.LookPath(debianExporter); err == nil {
		return onPath, fmt.Sprintf("Debian package on PATH (go install failed: %v)", installErr), nil
	}
	debian := filepath.Join(tools, debianExporter+"-debian")
	if isFile(debian) {
		return debian, fmt.Sprintf("Debian package, extracted (go install failed: %v)", installErr), nil
	}
	if err := extractDebianExporter(debian); err != nil {
		return "", "", fmt.Errorf("go install %s@%s: %v; Debian fallback: %v", exporterModule, exporterVersion, installErr, err)
	}
	return debian, fmt.Sprintf("Debian package, extracted now (go install failed: %v)", installErr), nil
}

func isFile(path string) bool {
	info, err := os.Stat(path)
	return err == nil && info.Mode().IsRegular()
}

func goInstallExporter(tools, target string) error {
	gobin, err := os.MkdirTemp("", "fleetbench-gobin-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(gobin)
	cmd := exec.Command("go", "install", exporterModule+"@"+exporterVersion)
	cmd.Dir = gobin // outside this module, so go.mod is not involved
	cmd.Env = append(os.Environ(), "GOBIN="+gobin, "GOFLAGS=")
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("%v: %s", err, lastLine(string(out)))
	}
	if err := os.MkdirAll(tools, 0o755); err != nil {
		return err
	}
	return os.Rename(filepath.Join(gobin, "redis_exporter"), target)
}

func extractDebianExporter(target string) error {
	for _, tool := range []string{"apt-get", "dpkg-deb"} {
		if _, err := exec.LookPath(tool); err != nil {
			return fmt.Errorf("%s not found", tool)
		}
	}
	dir, err := os.MkdirTemp("", "fleetbench-deb-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	download := exec.Command("apt-get", "download", debianExporter)
	download.Dir = dir
	if out, err := download.CombinedOutput(); err != nil {
		return fmt.Errorf("apt-get download %s: %v: %s", debianExporter, err, lastLine(string(out)))
	}
	debs, _ := filepath.Glob(filepath.Join(dir, debianExporter+"_*.deb"))
	if len(debs) != 1 {
		return fmt.Errorf("apt-get download left %d .deb files", len(debs))
	}
	root := filepath.Join(dir, "root")
	if out, err := exec.Command("dpkg-deb", "-x", debs[0], root).CombinedOutput(); err != nil {
		return fmt.Errorf("dpkg-deb -x: %v: %s", err, out)
	}
	raw, err := os.ReadFile(filepath.Join(root, "usr", "bin", debianExporter))
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
		return err
	}
	return os.WriteFile(target, raw, 0o755) //nolint:gosec // an executable
}

// lastLine is the line of a tool's output that says why it failed: one naming an HTTP 403 (a
// module that cannot be fetched), else the last.
func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	for _, line := range lines {
		if strings.Contains(line, "403") {
			return strings.TrimSpace(line)
		}
	}
	return strings.TrimSpace(lines[len(lines)-1])
}

var exporterVersionRE = regexp.MustCompile(`Redis Metrics Exporter (\S+)`)

// exporterVersionOf runs `binary -version` ("Redis Metrics Exporter v1.78.0 build date: ...").
func exporterVersionOf(binary string) string {
	out, _ := exec.Command(binary, "-version").CombinedOutput()
	if m := exporterVersionRE.FindStringSubmatch(string(out)); m != nil {
		return m[1]
	}
	return "unknown version"
}

// exporterFlags are the flags that make redis_exporter comparable and cheap: bound to loopback,
// no CLIENT SETNAME per connection (the plugin sends none), no Go runtime metrics, the plugin's
// connect timeout. Flags a version lacks are left out (its -h lists what it has). Its default
// target (-redis.addr, used only by /metrics, which is never scraped here) is an address that
// refuses connections, so it can never reach the machine's other Redis on :6379.
func exporterFlags(binary, listen, closedAddr string) []string {
	help, _ := exec.Command(binary, "-h").CombinedOutput()
	has := func(flag string) bool {
		return strings.Contains(string(help), "-"+flag+" ") || strings.Contains(string(help), "-"+flag+"\n")
	}
	flags := []string{"-web.listen-address", listen, "-redis.addr", "redis://" + closedAddr}
	for _, f := range []struct{ name, value string }{
		{"set-client-name", "false"},
		{"redis-only-metrics", "true"},
		{"connection-timeout", "2s"},
		{"include-system-metrics", "false"},
		{"export-client-list", "false"},
		{"ping-on-connect", "false"},
		{"include-config-metrics", "false"},
		{"exclude-latency-histogram-metrics", "true"},
		{"include-go-runtime-metrics", "false"},
	} {
		if has(f.name) {
			flags = append(flags, "-"+f.name+"="+f.value)
		}
	}
	return flags
}

type exporterPoller struct {
	cmd         *exec.Cmd
	done        chan struct{}
	logs        *redistest.LogTail
	base        string
	client      *http.Client
	targets     []string
	concurrency int
}

func newExporterPoller(binary, closedAddr string, f *fleet, concurrency int) (*exporterPoller, error) {
	port, err := redistest.FreePort()
	if err != nil {
		return nil, err
	}
	listen := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	p := &exporterPoller{
		logs:        redistest.NewLogTail(64 << 10),
		base:        "http://" + listen,
		concurrency: concurrency,
		done:        make(chan struct{}),
		client: &http.Client{
			Timeout: 30 * time.Second,
			// Keep-alive connections to the exporter, as many as scrapes run at once, so the
			// harness does not pay a TCP connect per scrape.
			Transport: &http.Transport{MaxIdleConns: concurrency, MaxIdleConnsPerHost: concurrency, IdleConnTimeout: time.Hour},
		},
	}
	for _, addr := range f.addrs {
		p.targets = append(p.targets, p.base+"/scrape?target="+url.QueryEscape("redis://"+addr))
	}
	p.cmd = exec.Command(binary, exporterFlags(binary, listen, closedAddr)...)
	p.cmd.Stdout, p.cmd.Stderr = p.logs, p.logs
	p.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	p.cmd.WaitDelay = 2 * time.Second
	if err := p.cmd.Start(); err != nil {
		return nil, err
	}
	go func() {
		_ = p.cmd.Wait()
		close(p.done)
	}()
	deadline := time.Now().Add(20 * time.Second)
	for {
		select {
		case <-p.done:
			return nil, fmt.Errorf("redis_exporter exited during start-up; log:\n%s", p.logs)
		default:
		}
		response, err := p.client.Get(p.base + "/")
		if err == nil {
			_, _ = io.Copy(io.Discard, response.Body)
			_ = response.Body.Close()
			if response.StatusCode == http.StatusOK {
				return p, nil
			}
		}
		if time.Now().After(deadline) {
			p.close()
			return nil, fmt.Errorf("redis_exporter did not answer on %s: %v; log:\n%s", listen, err, p.logs)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (p *exporterPoller) poll(ctx context.Context) error {
	return fanOut(ctx, len(p.targets), p.concurrency, func(ctx context.Context, i int) error {
		request, err := http.NewRequestWithContext(ctx, http.MethodGet, p.targets[i], nil)
		if err != nil {
			return err
		}
		response, err := p.client.Do(request)
		if err != nil {
			return err
		}
		body, err := io.ReadAll(response.Body)
		_ = response.Body.Close()
		if err != nil {
			return err
		}
		if response.StatusCode != http.StatusOK || !containsLine(body, "redis_up 1") || !containsLine(body, "redis_aof_enabled 1") {
			return fmt.Errorf("scrape %s: status %d, redis_up 1 and redis_aof_enabled 1 not both in %d bytes", p.targets[i], response.StatusCode, len(body))
		}
		return nil
	})
}

func containsLine(body []byte, line string) bool {
	return strings.Contains(string(body), "\n"+line+"\n")
}

func (p *exporterPoller) pid() int { return p.cmd.Process.Pid }

func (p *exporterPoller) close() {
	p.client.CloseIdleConnections()
	_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
	<-p.done
}
