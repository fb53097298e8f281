//go:build realredis

package redistest

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// These tests prove each state is reached on a real redis-server by
// asserting the INFO fields the plugin reads. They fail (never skip) when
// redis-server is missing.

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return c
}

func wantFields(t *testing.T, m map[string]string, want map[string]string) {
	t.Helper()
	for k, v := range want {
		if got, ok := m[k]; !ok || got != v {
			t.Errorf("%s = %q (present %v), want %q; INFO: %s", k, got, ok, v, summary(m))
		}
	}
}

// noChildren asserts the rewrite child is gone and the parent's delay was
// reset, so later rewrites are not slowed down.
func noChildren(t *testing.T, s *Server) {
	t.Helper()
	if kids := childPids(s.Pid); len(kids) != 0 {
		t.Errorf("fork children still running: %v", kids)
	}
	cfg, err := s.Client(t).ConfigGet(ctx(t), "rdb-key-save-delay").Result()
	if err != nil || cfg["rdb-key-save-delay"] != "0" {
		t.Errorf("rdb-key-save-delay = %v (%v), want 0", cfg, err)
	}
}

// wantReaped asserts that want processes were recorded and that none of
// them outlived the cleanup named.
func wantReaped(t *testing.T, pids []int, want int, cleanup string) {
	t.Helper()
	if len(pids) != want {
		t.Fatalf("%d pids %v recorded before %s, want %d", len(pids), pids, cleanup, want)
	}
	for _, p := range pids {
		if alive(p) {
			t.Errorf("pid %d (%s) survived %s", p, cmdline(p), cleanup)
		}
	}
}

// wantRewriteOKClears runs a good rewrite and asserts it cleared the
// failure status and the streak: only a success does.
func wantRewriteOKClears(t *testing.T, s *Server) {
	t.Helper()
	s.RewriteOK(t)
	wantFields(t, s.Info(t), map[string]string{
		"aof_last_bgrewrite_status":         "ok",
		"aof_rewrites_consecutive_failures": "0",
	})
}

func TestStartDefaults(t *testing.T) {
	t.Parallel()
	s := Start(t, Options{})
	m := s.Info(t)
	wantFields(t, m, map[string]string{
		"aof_enabled":                       "1",
		"aof_rewrite_in_progress":           "0",
		"aof_last_bgrewrite_status":         "ok",
		"aof_last_write_status":             "ok",
		"aof_rewrites_consecutive_failures": "0",
	})
	if _, ok := m["aof_current_size"]; !ok {
		t.Errorf("aof_current_size missing with appendonly yes")
	}
	c := s.Client(t)
	srv, err := c.Info(ctx(t), "server").Result()
	if err != nil {
		t.Fatal(err)
	}
	if got := parseInfo(srv)["process_id"]; got != strconv.Itoa(s.Pid) {
		t.Errorf("process_id %s, Server.Pid %d", got, s.Pid)
	}
	cfg, err := c.ConfigGet(ctx(t), "save").Result()
	if err != nil || cfg["save"] != "" {
		t.Errorf("save = %q (%v), want empty", cfg["save"], err)
	}
	if _, err := os.Stat(filepath.Join(s.Dir, "appendonlydir")); err != nil {
		t.Errorf("no appendonlydir in Server.Dir: %v", err)
	}
	if !strings.HasPrefix(s.Addr, "127.0.0.1:") {
		t.Errorf("Addr %q not on 127.0.0.1", s.Addr)
	}
}

func TestAOFOff(t *testing.T) {
	t.Parallel()
	m := Start(t, Options{AOFOff: true}).Info(t)
	wantFields(t, m, map[string]string{"aof_enabled": "0"})
	if _, ok := m["aof_current_size"]; ok {
		t.Errorf("aof_current_size printed with appendonly no")
	}
}

func TestPassword(t *testing.T) {
	t.Parallel()
	s := Start(t, Options{Password: "s3cret"})
	if err := s.Client(t).Ping(ctx(t)).Err(); err != nil {
		t.Fatalf("admin client: %v", err)
	}
	for _, tc := range []struct{ pw, want string }{{"wrong", "WRONGPASS"}, {"", "NOAUTH"}} {
		o := s.ClientOptions()
		o.Password = tc.pw
		c := redis.NewClient(o)
		err := c.Ping(ctx(t)).Err()
		c.Close()
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("password %q: err = %v, want %s", tc.pw, err, tc.want)
		} else {
			t.Logf("password %q: %v", tc.pw, err)
		}
	}
}

func TestRenameInfo(t *testing.T) {
	t.Parallel()
	s := Start(t, Options{RenameInfo: true})
	c := s.Client(t)
	if err := c.Ping(ctx(t)).Err(); err != nil {
		t.Fatalf("PING: %v", err)
	}
	_, err := c.Info(ctx(t), "persistence").Result()
	if err == nil || !strings.Contains(strings.ToLower(err.Error()), "unknown command") {
		t.Fatalf("INFO on renamed server: err = %v, want unknown command", err)
	}
	t.Logf("INFO refused: %v", err)
}

func TestTLS(t *testing.T) {
	t.Parallel()
	ca := NewCA(t)
	s := Start(t, Options{TLS: ca, Password: "pw"})
	if err := s.Client(t).Ping(ctx(t)).Err(); err != nil {
		t.Fatalf("TLS admin client: %v", err)
	}
	wantFields(t, s.Info(t), map[string]string{"aof_enabled": "1"})

	try := func(name string, mod func(*redis.Options)) error {
		o := s.ClientOptions()
		o.MaxRetries = -1
		mod(o)
		c := redis.NewClient(o)
		defer c.Close()
		err := c.Ping(ctx(t)).Err()
		t.Logf("%s: %v", name, err)
		return err
	}
	if err := try("CA, no client cert", func(o *redis.Options) { o.TLSConfig = ca.ClientTLSConfig(false) }); err != nil {
		t.Errorf("client cert is optional, yet: %v", err)
	}
	if try("plain TCP", func(o *redis.Options) { o.TLSConfig = nil }) == nil {
		t.Errorf("plain client reached a TLS-only server")
	}
	other := NewCA(t)
	if err := try("other CA", func(o *redis.Options) { o.TLSConfig = other.ClientTLSConfig(true) }); err == nil ||
		!strings.Contains(err.Error(), "certificate") {
		t.Errorf("client trusting another CA: err = %v, want a certificate error", err)
	}

	strict := Start(t, Options{TLS: ca, TLSRequireClientCert: true})
	if err := strict.Client(t).Ping(ctx(t)).Err(); err != nil {
		t.Fatalf("with client cert: %v", err)
	}
	o := strict.ClientOptions()
	o.TLSConfig = ca.ClientTLSConfig(false)
	o.MaxRetries = -1
	c := redis.NewClient(o)
	defer c.Close()
	if err := c.Ping(ctx(t)).Err(); err == nil {
		t.Errorf("server requiring client certs accepted a client without one")
	}
}

func TestRewriteOK(t *testing.T) {
	t.Parallel()
	s := Start(t, Options{})
	s.Client(t).Set(ctx(t), "k", "v", 0)
	s.RewriteOK(t)
	m := s.Info(t)
	wantFields(t, m, map[string]string{
		"aof_rewrites":                      "1",
		"aof_rewrite_in_progress":           "0",
		"aof_last_bgrewrite_status":         "ok",
		"aof_rewrites_consecutive_failures": "0",
	})
	if m["aof_base_size"] != m["aof_current_size"] {
		t.Errorf("after a good rewrite base %s != current %s", m["aof_base_size"], m["aof_current_size"])
	}
}

func TestRewriteErrKilledChild(t *testing.T) {
	t.Parallel()
	s := Start(t, Options{})
	s.RewriteErrKilledChild(t)
	wantFields(t, s.Info(t), map[string]string{
		"aof_rewrites":                      "1",
		"aof_rewrite_in_progress":           "0",
		"aof_last_bgrewrite_status":         "err",
		"aof_rewrites_consecutive_failures": "1",
		"aof_last_write_status":             "ok",
	})
	noChildren(t, s)

	// A second manual attempt extends the streak (7.0.15 does not reset
	// it when BGREWRITEAOF starts at once).
	s.RewriteErrKilledChild(t)
	wantFields(t, s.Info(t), map[string]string{
		"aof_rewrites":                      "2",
		"aof_last_bgrewrite_status":         "err",
		"aof_rewrites_consecutive_failures": "2",
	})

	wantRewriteOKClears(t, s)
}

func TestRewriteErrStreak(t *testing.T) {
	t.Parallel()
	s := Start(t, Options{})
	// Past 3, where Redis would start postponing automatic retries.
	s.RewriteErrStreak(t, 4)
	wantFields(t, s.Info(t), map[string]string{
		"aof_rewrites":                      "4",
		"aof_rewrite_in_progress":           "0",
		"aof_last_bgrewrite_status":         "err",
		"aof_rewrites_consecutive_failures": "4",
	})
	noChildren(t, s)
	wantRewriteOKClears(t, s)
}

func TestHoldRewriteInProgress(t *testing.T) {
	t.Parallel()
	s := Start(t, Options{})
	s.HoldRewriteInProgress(t)
	child := childPids(s.Pid)
	if len(child) != 1 {
		t.Fatalf("rewrite children: %v", child)
	}
	// The child renames itself shortly after fork, so poll for the title.
	for deadline := time.Now().Add(5 * time.Second); !strings.HasPrefix(cmdline(child[0]), "redis-aof-rewrite"); {
		if time.Now().After(deadline) {
			t.Fatalf("child %d is not a rewrite child: %q", child[0], cmdline(child[0]))
		}
		time.Sleep(10 * time.Millisecond)
	}
	// The rewrite must stay in progress, not merely have been seen once.
	for range 3 {
		wantFields(t, s.Info(t), map[string]string{
			"aof_rewrite_in_progress":   "1",
			"aof_last_bgrewrite_status": "ok",
		})
		time.Sleep(150 * time.Millisecond)
	}
	s.ReleaseRewrite(t)
	// SIGUSR1 is Redis's own cancel: no error, no failure counted.
	wantFields(t, s.Info(t), map[string]string{
		"aof_rewrite_in_progress":           "0",
		"aof_last_bgrewrite_status":         "ok",
		"aof_rewrites_consecutive_failures": "0",
	})
	noChildren(t, s)
	s.RewriteOK(t)
}

// TestCleanupKillsChild checks that cleanup leaves nothing behind when a
// test ends with a rewrite child sleeping and the server frozen.
func TestCleanupKillsChild(t *testing.T) {
	t.Parallel()
	var pids []int
	t.Run("inner", func(t *testing.T) {
		held := Start(t, Options{})
		held.HoldRewriteInProgress(t)
		frozen := Start(t, Options{})
		frozen.HoldRewriteInProgress(t)
		frozen.Freeze(t)
		pids = append(pids, held.Pid, frozen.Pid)
		pids = append(pids, childPids(held.Pid)...)
		pids = append(pids, childPids(frozen.Pid)...)
	})
	wantReaped(t, pids, 4, "cleanup")
}

// TestCleanupOnFailure re-runs this test binary with a test that fails
// on purpose while a rewrite child is sleeping, then checks that the
// failed test's cleanup still removed every process.
func TestCleanupOnFailure(t *testing.T) {
	t.Parallel()
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperFailingTest$", "-test.v", "-test.count=1")
	cmd.Env = append(os.Environ(), "REDISTEST_HELPER=1")
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	if !errors.As(err, &ee) {
		t.Fatalf("helper should fail with a non-zero exit, got %v:\n%s", err, out)
	}
	var pids []int
	sc := bufio.NewScanner(strings.NewReader(string(out)))
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(strings.TrimSpace(sc.Text()), "REDISTEST_PIDS "); ok {
			for _, f := range strings.Fields(rest) {
				p, _ := strconv.Atoi(f)
				pids = append(pids, p)
			}
		}
	}
	if len(pids) == 0 {
		t.Fatalf("no server/child pids in helper output:\n%s", out)
	}
	wantReaped(t, pids, 2, "the failed test's cleanup")
	if !strings.Contains(string(out), "deliberate failure") || !strings.Contains(string(out), "log tail of redis-server") {
		t.Errorf("helper output lacks the failure or the server log tail:\n%s", out)
	}
}

// TestHelperFailingTest is not a test of its own: it only does something
// when TestCleanupOnFailure runs it in a child process.
func TestHelperFailingTest(t *testing.T) {
	if os.Getenv("REDISTEST_HELPER") != "1" {
		return
	}
	s := Start(t, Options{})
	s.HoldRewriteInProgress(t)
	fmt.Printf("REDISTEST_PIDS %d %d\n", s.Pid, childPids(s.Pid)[0])
	t.Fatal("deliberate failure")
}

func TestWriteErr(t *testing.T) {
	t.Parallel()
	s := Start(t, Options{FileSizeLimitKB: 64})

	// The limit and the ignored SIGXFSZ really reached redis-server.
	limits, err := os.ReadFile(fmt.Sprintf("/proc/%d/limits", s.Pid))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(limits), "Max file size             65536") {
		t.Errorf("RLIMIT_FSIZE not 64 KiB:\n%s", limits)
	}
	ign, err := procStatusField(s.Pid, "SigIgn")
	if err != nil {
		t.Fatal(err)
	}
	mask, err := strconv.ParseUint(ign, 16, 64)
	if err != nil || mask&(1<<(uint(syscall.SIGXFSZ)-1)) == 0 {
		t.Errorf("SIGXFSZ not ignored: SigIgn=%s", ign)
	}

	s.WriteErr(t)
	wantFields(t, s.Info(t), map[string]string{
		"aof_enabled":               "1",
		"aof_last_write_status":     "err",
		"aof_last_bgrewrite_status": "ok",
	})
	c := s.Client(t)
	// Redis refuses PING too while persistence is failing, on purpose.
	for name, err := range map[string]error{
		"SET":  c.Set(ctx(t), "after", "x", 0).Err(),
		"PING": c.Ping(ctx(t)).Err(),
	} {
		if err == nil || !strings.HasPrefix(err.Error(), "MISCONF") {
			t.Errorf("%s after AOF error: err = %v, want MISCONF", name, err)
		}
		t.Logf("%s refused: %v", name, err)
	}
	if err := c.Get(ctx(t), "redistest:fill:0").Err(); err != nil {
		t.Errorf("reads should still work: %v", err)
	}
	// serverCron retries the flush and hits the limit again: the error
	// stays and the server stays up.
	time.Sleep(300 * time.Millisecond)
	wantFields(t, s.Info(t), map[string]string{"aof_last_write_status": "err"})
	if !alive(s.Pid) {
		t.Fatalf("server died")
	}

	// Switching AOF off ends the refusal but leaves the status stale:
	// the plugin must not show it as a live error.
	s.DisableAOF(t)
	wantFields(t, s.Info(t), map[string]string{"aof_enabled": "0", "aof_last_write_status": "err"})
	if err := c.Set(ctx(t), "after", "x", 0).Err(); err != nil {
		t.Errorf("write after DisableAOF: %v", err)
	}
}

func TestDisableEnableAOF(t *testing.T) {
	t.Parallel()
	s := Start(t, Options{})
	s.DisableAOF(t)
	m := s.Info(t)
	wantFields(t, m, map[string]string{"aof_enabled": "0"})
	if _, ok := m["aof_current_size"]; ok {
		t.Errorf("aof_current_size printed with AOF disabled")
	}
	s.EnableAOF(t)
	wantFields(t, s.Info(t), map[string]string{
		"aof_enabled":               "1",
		"aof_rewrite_in_progress":   "0",
		"aof_last_bgrewrite_status": "ok",
	})
}

func TestFreeze(t *testing.T) {
	t.Parallel()
	s := Start(t, Options{})
	s.Freeze(t)

	// TCP still connects (kernel backlog) ...
	conn, err := net.DialTimeout("tcp", s.Addr, time.Second)
	if err != nil {
		t.Fatalf("frozen server should still accept TCP: %v", err)
	}
	conn.Close()
	// ... but no answer comes back.
	o := s.ClientOptions()
	o.ReadTimeout = 300 * time.Millisecond
	o.MaxRetries = -1
	c := redis.NewClient(o)
	defer c.Close()
	start := time.Now()
	err = c.Ping(ctx(t)).Err()
	var ne net.Error
	if !errors.As(err, &ne) || !ne.Timeout() {
		t.Fatalf("PING on frozen server: err = %v, want a timeout", err)
	}
	t.Logf("frozen PING: %v after %v", err, time.Since(start).Round(time.Millisecond))

	s.Thaw(t)
	if err := s.Client(t).Ping(ctx(t)).Err(); err != nil {
		t.Fatalf("PING after Thaw: %v", err)
	}
}

func TestClosedAddr(t *testing.T) {
	t.Parallel()
	_, err := net.DialTimeout("tcp", ClosedAddr(t), time.Second)
	if !errors.Is(err, syscall.ECONNREFUSED) {
		t.Fatalf("dial ClosedAddr: err = %v, want connection refused", err)
	}
}

func TestStartMany(t *testing.T) {
	t.Parallel()
	const n = 50
	start := time.Now()
	servers := StartMany(t, n, Options{})
	elapsed := time.Since(start)
	var rssKB, anonKB int
	seen := map[string]bool{}
	for _, s := range servers {
		if seen[s.Addr] {
			t.Fatalf("address %s used twice", s.Addr)
		}
		seen[s.Addr] = true
		if err := s.Client(t).Ping(ctx(t)).Err(); err != nil {
			t.Fatalf("%s: %v", s.Addr, err)
		}
		rssKB += statusKB(t, s.Pid, "VmRSS")
		anonKB += statusKB(t, s.Pid, "RssAnon")
	}
	// Most of RSS is the shared, file-backed binary; RssAnon is what each
	// extra server really costs.
	t.Logf("started %d servers in %v; average RSS %d KiB, of it private (RssAnon) %d KiB",
		n, elapsed.Round(time.Millisecond), rssKB/n, anonKB/n)
}

func statusKB(t *testing.T, pid int, name string) int {
	t.Helper()
	v, err := procStatusField(pid, name)
	if err != nil {
		t.Fatal(err)
	}
	kb, err := strconv.Atoi(strings.Fields(v)[0])
	if err != nil {
		t.Fatalf("%s: %q", name, v)
	}
	return kb
}

func TestParseInfo(t *testing.T) {
	m := parseInfo("# Server\r\nexecutable:/usr/bin/redis-server\r\n\r\n# Persistence\r\naof_enabled:1\r\n")
	if m["executable"] != "/usr/bin/redis-server" || m["aof_enabled"] != "1" || len(m) != 2 {
		t.Fatalf("parseInfo: %v", m)
	}
}

// BenchmarkInfoMany shows the intended benchmark use (StartMany under a
// *testing.B): one INFO persistence round over 50 real servers.
func BenchmarkInfoMany(b *testing.B) {
	servers := StartMany(b, 50, Options{})
	clients := make([]*redis.Client, len(servers))
	for i, s := range servers {
		clients[i] = s.Client(b)
	}
	ctx := context.Background()
	for b.Loop() { // b.Loop excludes the set-up above from the timing
		for _, c := range clients {
			if err := c.Info(ctx, "persistence").Err(); err != nil {
				b.Fatal(err)
			}
		}
	}
}

func TestHoldLoadingAnswersINFOWhileLoadingAndReleases(t *testing.T) {
	s := Start(t, Options{})
	loading := s.HoldLoading(t)
	m := loading.Info(t)
	// The fact the card is built around: a replaying server prints aof_enabled:0 with appendonly yes.
	if m["loading"] != "1" || m["aof_enabled"] != "0" || m["loading_loaded_perc"] == "" || m["loading_eta_seconds"] == "" {
		t.Fatalf("held load: %v", m)
	}
	if got := loading.do(t, "CONFIG", "GET", "appendonly"); fmt.Sprint(got) != "map[appendonly:yes]" && fmt.Sprint(got) != "[appendonly yes]" {
		t.Fatalf("CONFIG GET appendonly while loading = %v, want yes", got)
	}
	loading.ReleaseLoading(t)
	if m := loading.Info(t); m["loading"] != "0" || m["aof_enabled"] != "1" {
		t.Fatalf("after release: %v", summary(m))
	}
}
