// Package composecheck validates docker-compose.yaml without a Docker engine: it loads the file
// with compose-go, the loader Docker Compose itself uses (schema validation, interpolation,
// normalisation), checks it is in step with the provisioning and the plugin, and reproduces the
// failing-rewrites node's mechanism with the local redis-server.
package composecheck

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/compose-spec/compose-go/v2/types"
	"go.yaml.in/yaml/v3"
)

const (
	repoRoot    = "../.."
	composeFile = "docker-compose.yaml"
	pluginsDir  = "/var/lib/grafana/plugins/"
)

var wantServices = []string{"failing-rewrites-driver", "grafana", "redis-aof-off", "redis-failing-rewrites", "redis-healthy"}

func root(t *testing.T) string {
	t.Helper()
	dir, err := filepath.Abs(repoRoot)
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

// load reads the compose file as `docker compose config` would, with env as the only environment.
func load(t *testing.T, env ...string) *types.Project {
	t.Helper()
	options, err := cli.NewProjectOptions(
		[]string{filepath.Join(root(t), composeFile)},
		cli.WithWorkingDirectory(root(t)),
		cli.WithEnv(env),
		cli.WithInterpolation(true),
		cli.WithNormalization(true),
		cli.WithResolvedPaths(true),
	)
	if err != nil {
		t.Fatal(err)
	}
	project, err := options.LoadProject(context.Background())
	if err != nil {
		t.Fatalf("%s does not load: %v", composeFile, err)
	}
	return project
}

func service(t *testing.T, p *types.Project, name string) types.ServiceConfig {
	t.Helper()
	s, err := p.GetService(name)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func env(s types.ServiceConfig, key string) string {
	if v, ok := s.Environment[key]; ok && v != nil {
		return *v
	}
	return ""
}

// flag returns the value after --name in a redis-server command line.
func flag(command []string, name string) (string, bool) {
	for i, arg := range command {
		if arg == "--"+name && i+1 < len(command) {
			return command[i+1], true
		}
	}
	return "", false
}

type pluginMeta struct {
	ID           string `json:"id"`
	Dependencies struct {
		GrafanaDependency string `json:"grafanaDependency"`
	} `json:"dependencies"`
}

func readPlugin(t *testing.T) pluginMeta {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(root(t), "src", "plugin.json"))
	if err != nil {
		t.Fatal(err)
	}
	var meta pluginMeta
	if err := json.Unmarshal(raw, &meta); err != nil {
		t.Fatal(err)
	}
	return meta
}

var semver = regexp.MustCompile(`^(\d+)\.(\d+)\.(\d+)$`)

func version(t *testing.T, text string) [3]int {
	t.Helper()
	m := semver.FindStringSubmatch(text)
	if m == nil {
		t.Fatalf("%q is not a pinned x.y.z version", text)
	}
	var v [3]int
	for i := range v {
		v[i], _ = strconv.Atoi(m[i+1])
	}
	return v
}

func less(a, b [3]int) bool { return slices.Compare(a[:], b[:]) < 0 }

func TestComposeFileIsValid(t *testing.T) {
	// An unknown key or a wrongly typed value must fail the schema, or this test proves nothing.
	bad := filepath.Join(t.TempDir(), "compose.yaml")
	if err := os.WriteFile(bad, []byte("services:\n  a:\n    image: redis:7.2.7\n    ulimits:\n      fsize: lots\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	options, err := cli.NewProjectOptions([]string{bad}, cli.WithEnv(nil), cli.WithName("bad"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := options.LoadProject(context.Background()); err == nil {
		t.Fatal("compose-go accepted an invalid file: it is not validating")
	}

	project := load(t)
	if got := project.ServiceNames(); !slices.Equal(sorted(got), wantServices) {
		t.Fatalf("services %v, want %v", sorted(got), wantServices)
	}
}

func sorted(s []string) []string {
	out := slices.Clone(s)
	slices.Sort(out)
	return out
}

func TestGrafanaService(t *testing.T) {
	project := load(t)
	grafana := service(t, project, "grafana")
	meta := readPlugin(t)

	image, tag, _ := strings.Cut(grafana.Image, ":")
	if image != "grafana/grafana" {
		t.Fatalf("grafana image %q, want the grafana/grafana image", grafana.Image)
	}
	minimum := strings.TrimPrefix(meta.Dependencies.GrafanaDependency, ">=")
	if less(version(t, tag), version(t, minimum)) {
		t.Fatalf("grafana %s is older than the plugin's grafanaDependency %s", tag, meta.Dependencies.GrafanaDependency)
	}
	// The CI matrix picks the image and version with the variables create-plugin's stack uses.
	matrix := service(t, load(t, "GRAFANA_IMAGE=grafana-enterprise", "GRAFANA_VERSION=11.5.4"), "grafana")
	if matrix.Image != "grafana/grafana-enterprise:11.5.4" {
		t.Fatalf("with GRAFANA_IMAGE and GRAFANA_VERSION set, the grafana image is %q", matrix.Image)
	}
	if got := env(grafana, "GF_PLUGINS_ALLOW_LOADING_UNSIGNED_PLUGINS"); got != meta.ID {
		t.Fatalf("GF_PLUGINS_ALLOW_LOADING_UNSIGNED_PLUGINS = %q, want only %q", got, meta.ID)
	}
	mounts := map[string]string{}
	for _, v := range grafana.Volumes {
		mounts[v.Target] = v.Source
	}
	if mounts[pluginsDir+meta.ID] != filepath.Join(root(t), "dist") {
		t.Fatalf("./dist is not mounted as %s%s: %v", pluginsDir, meta.ID, mounts)
	}
	provisioning := env(grafana, "GF_PATHS_PROVISIONING")
	if provisioning == "" || mounts[provisioning] != filepath.Join(root(t), "provisioning") {
		t.Fatalf("./provisioning is not mounted at GF_PATHS_PROVISIONING (%q): %v", provisioning, mounts)
	}
}

// The data source reads its node addresses and password from ${VARS}; the grafana service must
// set every one of them, each address naming the Redis service of the node with that name.
func TestDatasourceVariablesMatchServices(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(root(t), "provisioning", "datasources", "datasources.yml"))
	if err != nil {
		t.Fatal(err)
	}
	var file struct {
		Datasources []struct {
			JSONData struct {
				Nodes []struct{ Name, Address string } `yaml:"nodes"`
			} `yaml:"jsonData"`
			SecureJSONData map[string]string `yaml:"secureJsonData"`
		} `yaml:"datasources"`
	}
	if err := yaml.Unmarshal(raw, &file); err != nil || len(file.Datasources) != 1 {
		t.Fatalf("datasources.yml: %v", err)
	}
	ds := file.Datasources[0]
	variable := regexp.MustCompile(`^\$\{([A-Z_]+)\}$`)

	for _, password := range []string{"", "s3cret"} {
		project := load(t, "REDIS_PASSWORD="+password)
		grafana := service(t, project, "grafana")
		if len(ds.JSONData.Nodes) != 3 {
			t.Fatalf("datasources.yml lists %d nodes, want 3", len(ds.JSONData.Nodes))
		}
		for _, node := range ds.JSONData.Nodes {
			m := variable.FindStringSubmatch(node.Address)
			if m == nil {
				t.Fatalf("node %s: address %q is not a ${VAR}", node.Name, node.Address)
			}
			value, set := grafana.Environment[m[1]]
			if !set || value == nil {
				t.Fatalf("grafana does not set %s (node %s)", m[1], node.Name)
			}
			host, port, err := net.SplitHostPort(*value)
			if err != nil || port != "6379" || host != "redis-"+node.Name {
				t.Fatalf("%s = %q, want redis-%s:6379 (service named after the node)", m[1], *value, node.Name)
			}
			redis := service(t, project, host)
			if pass, _ := flag(redis.Command, "requirepass"); pass != password {
				t.Fatalf("%s: requirepass %q, want REDIS_PASSWORD %q", host, pass, password)
			}
		}
		m := variable.FindStringSubmatch(ds.SecureJSONData["password"])
		if m == nil || env(grafana, m[1]) != password {
			t.Fatalf("grafana's %v must carry REDIS_PASSWORD (%q)", ds.SecureJSONData["password"], password)
		}
	}
}

func TestRedisServices(t *testing.T) {
	project := load(t)
	var redisVersion [3]int
	for _, name := range wantServices {
		s := service(t, project, name)
		if name == "grafana" {
			continue
		}
		image, tag, _ := strings.Cut(s.Image, ":")
		v := version(t, tag)
		if image != "redis" || v[0] != 7 || (redisVersion != [3]int{} && v != redisVersion) {
			t.Fatalf("%s: image %q, want one pinned redis:7.x.y for every Redis service", name, s.Image)
		}
		redisVersion = v
	}
	want := map[string]string{"redis-healthy": "yes", "redis-failing-rewrites": "yes", "redis-aof-off": "no"}
	for name, appendonly := range want {
		s := service(t, project, name)
		if got, _ := flag(s.Command, "appendonly"); got != appendonly || s.Command[0] != "redis-server" {
			t.Errorf("%s: command %v, want redis-server with appendonly %s", name, s.Command, appendonly)
		}
	}
	failing := service(t, project, "redis-failing-rewrites")
	if limit := failing.Ulimits["fsize"]; limit == nil || limit.Single <= 0 || limit.Single > 64<<20 {
		t.Fatalf("redis-failing-rewrites: ulimits.fsize %+v, want a limit of a few MiB", limit)
	}
	if v, _ := flag(failing.Command, "aof-use-rdb-preamble"); v != "no" {
		t.Errorf("redis-failing-rewrites must write plain commands (aof-use-rdb-preamble no), or the rewrite compresses under the limit")
	}
	if v, _ := flag(failing.Command, "enable-debug-command"); v != "yes" {
		t.Errorf("redis-failing-rewrites needs DEBUG from another container (enable-debug-command yes)")
	}
	count, size := driverPopulate(t, project)
	if count*size < 4*failing.Ulimits["fsize"].Single {
		t.Fatalf("the driver populates %d keys of %d bytes: not clearly more than the %d-byte file limit", count, size, failing.Ulimits["fsize"].Single)
	}
}

var populate = regexp.MustCompile(`debug populate (\d+) \S+ (\d+)`)

func driverPopulate(t *testing.T, project *types.Project) (count, size int) {
	t.Helper()
	driver := service(t, project, "failing-rewrites-driver")
	script := strings.Join(driver.Command, "\n")
	if _, ok := driver.DependsOn["redis-failing-rewrites"]; !ok || !strings.Contains(script, "-h redis-failing-rewrites") || !strings.Contains(script, "bgrewriteaof") {
		t.Fatalf("the driver must wait for redis-failing-rewrites and ask it for rewrites: %q", script)
	}
	m := populate.FindStringSubmatch(script)
	if m == nil {
		t.Fatalf("the driver does not DEBUG POPULATE: %q", script)
	}
	count, _ = strconv.Atoi(m[1])
	size, _ = strconv.Atoi(m[2])
	return count, size
}

// TestFailingRewritesMechanism runs the failing-rewrites node's own command line under the same
// file-size limit with the local redis-server, and the driver's commands against it: the rewrite
// must end in err, twice in a row, while the server itself keeps running and appending.
func TestFailingRewritesMechanism(t *testing.T) {
	project := load(t)
	failing := service(t, project, "redis-failing-rewrites")
	count, size := driverPopulate(t, project)
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		t.Fatalf("redis-server is needed (Debian: apt-get install redis-server): %v", err)
	}
	cliBin, err := exec.LookPath("redis-cli")
	if err != nil {
		t.Fatalf("redis-cli is needed (Debian: redis-tools): %v", err)
	}
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := strconv.Itoa(listener.Addr().(*net.TCPAddr).Port)
	listener.Close()

	dir := t.TempDir()
	args := slices.Clone(failing.Command[1:])
	args = append(args, "--port", port, "--bind", "127.0.0.1", "--dir", dir, "--daemonize", "no", "--logfile", "")
	// Bash's ulimit -f counts 1 KiB blocks; Docker's fsize is in bytes.
	blocks := strconv.Itoa(failing.Ulimits["fsize"].Single / 1024)
	cmd := exec.Command("bash", append([]string{"-c", `ulimit -f "$1" && shift && exec "$@"`, "redis", blocks, bin}, args...)...)
	var log bytes.Buffer
	cmd.Stdout, cmd.Stderr = &log, &log
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	t.Cleanup(func() {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) // the server and any rewrite child: its own group
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Errorf("redis-server %d did not exit", cmd.Process.Pid)
		}
		if t.Failed() {
			t.Logf("redis-server log:\n%s", log.String())
		}
	})

	redisCLI := func(args ...string) string {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		out, err := exec.CommandContext(ctx, cliBin, append([]string{"-p", port}, args...)...).CombinedOutput()
		if err != nil {
			t.Fatalf("redis-cli %v: %v: %s", args, err, out)
		}
		return strings.TrimSpace(string(out))
	}
	info := func() map[string]string {
		fields := map[string]string{}
		scanner := bufio.NewScanner(strings.NewReader(redisCLI("info", "persistence")))
		for scanner.Scan() {
			if key, value, ok := strings.Cut(strings.TrimSpace(scanner.Text()), ":"); ok {
				fields[key] = value
			}
		}
		return fields
	}
	waitFor := func(what string, cond func(map[string]string) bool) map[string]string {
		t.Helper()
		deadline := time.Now().Add(30 * time.Second)
		for {
			select {
			case <-done:
				t.Fatalf("redis-server exited while waiting for %s", what)
			default:
			}
			if fields := info(); cond(fields) {
				return fields
			} else if time.Now().After(deadline) {
				t.Fatalf("no %s within 30s: %v", what, fields)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		out, err := exec.Command(cliBin, "-p", port, "ping").CombinedOutput()
		if err == nil && strings.TrimSpace(string(out)) == "PONG" {
			break
		}
		select {
		case <-done:
			t.Fatalf("redis-server exited during start-up")
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("redis-server did not answer PING within 30s: %v %s", err, out)
		}
	}
	redisCLI("debug", "populate", strconv.Itoa(count), "demo", strconv.Itoa(size))
	for attempt := 1; attempt <= 2; attempt++ {
		redisCLI("bgrewriteaof")
		fields := waitFor(fmt.Sprintf("end of rewrite %d", attempt), func(f map[string]string) bool {
			return f["aof_rewrite_in_progress"] == "0" && f["aof_rewrites_consecutive_failures"] == strconv.Itoa(attempt)
		})
		if fields["aof_last_bgrewrite_status"] != "err" || fields["aof_enabled"] != "1" || fields["aof_last_write_status"] != "ok" {
			t.Fatalf("after rewrite %d: %v; want a failed rewrite with AOF on and writes fine", attempt, fields)
		}
	}
	// The server itself is unharmed: it still appends to its AOF.
	redisCLI("set", "still", "writing")
	if fields := info(); fields["aof_last_write_status"] != "ok" {
		t.Fatalf("after a write: %v", fields)
	}
	if !strings.Contains(log.String(), "terminated by signal") {
		t.Fatalf("the rewrite child was not stopped by the file-size limit; log:\n%s", log.String())
	}
}
