// Package redistest starts real redis-server processes for integration
// tests and benchmarks and drives them into the persistence states the
// plugin reports (rewrite ok/err/in progress, AOF write error, AOF off,
// unresponsive server). Nothing here is mocked: every state is produced by
// the server itself, so the tests see the exact INFO text Redis prints.
//
// The harness is Linux-only (it reads /proc and uses process groups) and
// needs redis-server on PATH (Debian: apt-get install redis-server); bash
// is also needed for Options.FileSizeLimitKB, and redis-cli (Debian's
// redis-tools, which redis-server depends on) for StartCluster.
// StartCluster and StartSentinelGroup (cluster.go, sentinel.go) start
// whole topologies of such servers.
package redistest

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/redis/go-redis/v9/maintnotifications"
)

// Options selects how a server is started. The zero value is a plain
// server with appendonly yes and no password.
type Options struct {
	// AOFOff starts with appendonly no (the default here is yes).
	AOFOff bool
	// Password sets requirepass for the default user.
	Password string
	// RenameInfo starts with --rename-command INFO "", so the server
	// answers INFO with "ERR unknown command". Info and the state helpers
	// that poll INFO cannot be used on such a server.
	RenameInfo bool
	// TLS serves TLS only (tls-port, port 0) with certificates from this
	// CA. Client certificates are optional (tls-auth-clients optional)
	// unless TLSRequireClientCert is set.
	TLS                  *CA
	TLSRequireClientCert bool
	// FileSizeLimitKB starts the server under RLIMIT_FSIZE of this many
	// KiB with SIGXFSZ ignored, so a write past the limit fails with EFBIG
	// instead of killing the server. WriteErr needs it. Keep it small
	// (64-1024) and above a few KiB: the AOF base file and manifest
	// written at start-up must fit.
	FileSizeLimitKB int
	// ExtraArgs are appended to the redis-server command line, e.g.
	// []string{"--hz", "1"}.
	ExtraArgs []string
}

// Server is one running redis-server owned by a test.
type Server struct {
	Addr     string // 127.0.0.1:port (the TLS port when Options.TLS is set)
	Dir      string // working dir holding appendonlydir/ (a sentinel's: sentinel.conf)
	Pid      int    // redis-server's pid (also its process group id)
	Password string
	CA       *CA // nil unless TLS

	opts     Options
	sentinel bool          // runs in sentinel mode: no CONFIG, no data
	cluster  bool          // runs with cluster-enabled yes
	done     chan struct{} // closed once the process has been reaped
	waitErr  error
	logs     *tailBuffer
	admin    *redis.Client
	stopOnce sync.Once
}

const (
	// waitTimeout bounds every polling loop; generous because make test runs
	// several packages at once, often on few cores.
	waitTimeout  = 20 * time.Second
	pollInterval = 20 * time.Millisecond
	// startAttempts covers the small race between picking a free port and
	// redis-server binding it.
	startAttempts = 5
	// manyParallel bounds StartMany: starting is mostly waiting for the
	// fork/exec and the first PING, but on 2 cores more gains nothing.
	manyParallel = 6
)

// Start launches a redis-server on a free 127.0.0.1 port in a fresh temp
// dir with save "" and waits until it answers PING. A tb.Cleanup stops it
// (and any fork child) whether the test passed or failed.
func Start(tb testing.TB, opts Options) *Server {
	tb.Helper()
	s, err := start(tb, tb.TempDir(), opts)
	if err != nil {
		tb.Fatalf("redistest: %v", err)
	}
	return s
}

// StartMany starts n servers with the same options, a few at a time. It is
// meant for benchmarks over many nodes. 50 is fine: an idle 7.0.15 server
// with AOF on shows ~12 MiB RSS, but ~9 MiB of that is the shared binary;
// its private memory (RssAnon) is ~2.7 MiB, so 50 cost ~150 MiB.
func StartMany(tb testing.TB, n int, opts Options) []*Server {
	tb.Helper()
	if _, err := serverBinary(); err != nil {
		tb.Fatalf("redistest: %v", err) // once, not once per server
	}
	base := tb.TempDir()
	servers, failed := startAll(n, func(int) (*Server, error) { return start(tb, base, opts) })
	if len(failed) > 0 {
		tb.Fatalf("redistest: StartMany(%d): %d failed to start; first: %v", n, len(failed), failed[0])
	}
	return servers
}

// startAll runs startOne for 0..n-1, a few at a time, and returns the
// servers by index and the errors of those that failed. startOne must not
// call tb.Fatal: FailNow is only legal on the test goroutine. Servers
// started before a sibling failed are already registered for cleanup.
func startAll(n int, startOne func(i int) (*Server, error)) ([]*Server, []error) {
	servers := make([]*Server, n)
	errs := make([]error, n)
	sem := make(chan struct{}, manyParallel)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			servers[i], errs[i] = startOne(i)
		}()
	}
	wg.Wait()
	var failed []error
	for _, err := range errs {
		if err != nil {
			failed = append(failed, err)
		}
	}
	return servers, failed
}

// ClosedAddr returns a 127.0.0.1 address that refuses connections for the rest of the test: a
// socket is bound to the port but never listens, so a dial gets a reset (connection refused) and
// no other process can take the port meanwhile, as it could with a port merely closed.
func ClosedAddr(tb testing.TB) string {
	tb.Helper()
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		tb.Fatalf("redistest: socket: %v", err)
	}
	tb.Cleanup(func() { syscall.Close(fd) })
	if err := syscall.Bind(fd, &syscall.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		tb.Fatalf("redistest: bind: %v", err)
	}
	bound, err := syscall.Getsockname(fd)
	if err != nil {
		tb.Fatalf("redistest: getsockname: %v", err)
	}
	return net.JoinHostPort("127.0.0.1", strconv.Itoa(bound.(*syscall.SockaddrInet4).Port))
}

// FreePort is a 127.0.0.1 port free at the moment of asking, for a server the test starts
// itself; another process may take it before, so the start should retry on a clash.
func FreePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("finding a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// clusterBusOffset is where a cluster node listens for its bus: port+10000
// unless cluster-port says otherwise.
const clusterBusOffset = 10000

// freeClusterPort finds a free port whose bus port is free too (and still
// a port). Both are released again, so the race with other processes is
// the same as FreePort's, and launch retries it the same way.
func freeClusterPort() (int, error) {
	for range 50 {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return 0, fmt.Errorf("finding a free port: %w", err)
		}
		port := l.Addr().(*net.TCPAddr).Port
		if port+clusterBusOffset <= 65535 {
			bus, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port+clusterBusOffset)))
			if err == nil {
				bus.Close()
				l.Close()
				return port, nil
			}
		}
		l.Close()
	}
	return 0, errors.New("found no free port whose cluster bus port (+10000) is free as well")
}

// launchSpec holds what differs between the kinds of process launch
// starts. The zero value is a plain data server built from Options alone.
type launchSpec struct {
	// clusterBus: the node also binds port+10000, so that must be free.
	clusterBus bool
	// sentinelConf makes launch run `redis-server <conf> --sentinel`
	// instead: it writes the config for port into dir, returns its path.
	sentinelConf func(port int, dir string) (string, error)
	// port and dir, when set, are used instead of a free port and a fresh dir (Relaunch).
	port int
	dir  string
}

// start is Start without tb.Fatal, so StartMany can call it from
// goroutines. tb is only used for Cleanup (goroutine-safe).
func start(tb testing.TB, baseDir string, opts Options) (*Server, error) {
	return startSpec(tb, baseDir, opts, launchSpec{})
}

// startSpec is start for any kind of process (see launchSpec).
func startSpec(tb testing.TB, baseDir string, opts Options, spec launchSpec) (*Server, error) {
	bin, err := serverBinary()
	if err != nil {
		return nil, err
	}
	var lastErr error
	for range startAttempts {
		s, retry, err := launch(tb, bin, baseDir, opts, spec)
		if err == nil {
			return s, nil
		}
		lastErr = err
		if !retry {
			break
		}
	}
	return nil, lastErr
}

func serverBinary() (string, error) {
	return lookBinary("redis-server", "redis-server", "these tests need a real server")
}

// cliBinary finds redis-cli, which forms clusters. Debian's redis-server
// package depends on redis-tools, which ships it.
func cliBinary() (string, error) {
	return lookBinary("redis-cli", "redis-tools", "cluster tests need it")
}

// lookBinary finds name on PATH, or says which Debian package ships it
// and why it is needed.
func lookBinary(name, debianPackage, need string) (string, error) {
	bin, err := exec.LookPath(name)
	if err != nil {
		return "", fmt.Errorf("%s is not installed or not on PATH "+
			"(Debian/Ubuntu: apt-get install %s); %s: %v", name, debianPackage, need, err)
	}
	return bin, nil
}

func serverArgs(opts Options, port int, dir string) []string {
	aof := "yes"
	if opts.AOFOff {
		aof = "no"
	}
	args := []string{
		"--bind", "127.0.0.1",
		"--dir", dir,
		"--save", "", // no RDB snapshots: only the AOF states under test
		"--appendonly", aof,
		"--daemonize", "no",
		"--logfile", "", // log to stdout, i.e. our pipe: not a file under the size limit
	}
	if opts.TLS != nil {
		auth := "optional"
		if opts.TLSRequireClientCert {
			auth = "yes"
		}
		args = append(args,
			"--port", "0", // TLS only: a plain client must not get in
			"--tls-port", strconv.Itoa(port),
			"--tls-cert-file", opts.TLS.ServerCertFile,
			"--tls-key-file", opts.TLS.ServerKeyFile,
			"--tls-ca-cert-file", opts.TLS.CAFile,
			"--tls-auth-clients", auth,
		)
	} else {
		args = append(args, "--port", strconv.Itoa(port))
	}
	if opts.Password != "" {
		args = append(args, "--requirepass", opts.Password)
	}
	if opts.RenameInfo {
		args = append(args, "--rename-command", "INFO", "")
	}
	return append(args, opts.ExtraArgs...)
}

// launch makes one start attempt. retry reports a lost race for the port.
func launch(tb testing.TB, bin, baseDir string, opts Options, spec launchSpec) (_ *Server, retry bool, _ error) {
	pickPort := FreePort
	if spec.clusterBus {
		pickPort = freeClusterPort
	}
	port, dir := spec.port, spec.dir
	var err error
	if port == 0 {
		if port, err = pickPort(); err != nil {
			return nil, false, err
		}
	}
	if dir == "" {
		if dir, err = os.MkdirTemp(baseDir, "redis-"); err != nil {
			return nil, false, err
		}
	}
	args := serverArgs(opts, port, dir)
	if spec.sentinelConf != nil {
		conf, err := spec.sentinelConf(port, dir)
		if err != nil {
			return nil, false, err
		}
		args = []string{conf, "--sentinel"}
	}

	var cmd *exec.Cmd
	if opts.FileSizeLimitKB > 0 {
		bash, err := exec.LookPath("bash")
		if err != nil {
			return nil, false, fmt.Errorf("FileSizeLimitKB needs bash: %v", err)
		}
		// SIG_IGN survives exec, and so does the rlimit; bash's ulimit -f
		// counts 1 KiB blocks. The limit is passed as $1 and the command
		// as "$@" so no argument is ever re-parsed by the shell.
		script := `trap "" XFSZ && ulimit -f "$1" && shift && exec "$@"`
		cmd = exec.Command(bash, append([]string{"-c", script, "redistest",
			strconv.Itoa(opts.FileSizeLimitKB), bin}, args...)...)
	} else {
		cmd = exec.Command(bin, args...)
	}
	logs := &tailBuffer{max: 64 << 10}
	cmd.Stdout, cmd.Stderr = logs, logs
	cmd.Dir = dir
	cmd.SysProcAttr = &syscall.SysProcAttr{
		// Own process group: cleanup can SIGKILL the server and every
		// fork child in one call, and ^C in a terminal is not delivered
		// to it twice.
		Setpgid: true,
		// If the test binary dies (e.g. go test -timeout), take the
		// server down with it rather than leaving it listening.
		Pdeathsig: syscall.SIGKILL,
	}
	// A fork child inherits our stdout pipe; never let Wait hang on it.
	cmd.WaitDelay = 2 * time.Second
	if err := cmd.Start(); err != nil {
		return nil, false, fmt.Errorf("starting redis-server: %w", err)
	}

	s := &Server{
		Addr:     net.JoinHostPort("127.0.0.1", strconv.Itoa(port)),
		Dir:      dir,
		Pid:      cmd.Process.Pid, // bash execs, so this is redis-server
		Password: opts.Password,
		CA:       opts.TLS,
		opts:     opts,
		sentinel: spec.sentinelConf != nil,
		cluster:  spec.clusterBus,
		done:     make(chan struct{}),
		logs:     logs,
	}
	go func() {
		s.waitErr = cmd.Wait()
		close(s.done)
	}()
	s.admin = redis.NewClient(s.adminOptions())
	// Registered before the readiness wait so a server that never became
	// ready is still killed.
	tb.Cleanup(func() { s.stop(tb) })

	if err := s.waitReady(); err != nil {
		retry = spec.port == 0 && (errors.Is(err, errPortTaken) || (s.exited() && strings.Contains(logs.String(), "Address already in use")))
		s.stop(tb)
		return nil, retry, err
	}
	return s, false, nil
}

// waitReady polls until the server answers PING.
func (s *Server) waitReady() error {
	deadline := time.Now().Add(waitTimeout)
	var lastErr error
	for {
		if s.exited() {
			return fmt.Errorf("redis-server %s exited during start-up (%v); log:\n%s", s.Addr, s.waitErr, s.logs.tail(4096))
		}
		// A raw dial first: go-redis backs off for a second after
		// repeated dial errors, which would slow StartMany down. For TLS
		// it completes the handshake, so the server logs no bogus error.
		dialer := &net.Dialer{Timeout: 500 * time.Millisecond}
		var conn net.Conn
		var err error
		if s.CA != nil {
			conn, err = tls.DialWithDialer(dialer, "tcp", s.Addr, s.CA.ClientTLSConfig(true))
		} else {
			conn, err = dialer.Dial("tcp", s.Addr)
		}
		if err == nil {
			conn.Close()
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			err = s.admin.Ping(ctx).Err()
			if err != nil && strings.HasPrefix(err.Error(), "LOADING") {
				err = nil // it answers; PING just waits for the load (see Relaunch)
			}
			if err == nil {
				err = s.checkOwnsAddr(ctx)
			}
			cancel()
			if errors.Is(err, errPortTaken) {
				return err
			}
			if err == nil && !s.exited() {
				return nil
			}
		}
		lastErr = err
		if time.Now().After(deadline) {
			return fmt.Errorf("redis-server %s (pid %d) did not answer PING within %v: %v; log:\n%s",
				s.Addr, s.Pid, waitTimeout, lastErr, s.logs.tail(4096))
		}
		time.Sleep(pollInterval)
	}
}

// waitUntil polls check until it returns nil, failing the test with the last error after
// waitTimeout, or at once if one of mustLive has exited (its log tail explains why).
func waitUntil(tb testing.TB, what string, mustLive []*Server, check func() error) {
	tb.Helper()
	deadline := time.Now().Add(waitTimeout)
	for {
		err := check()
		if err == nil {
			return
		}
		for _, s := range mustLive {
			if s.exited() {
				tb.Fatalf("redistest: redis-server %s exited while waiting for %s (%v); log:\n%s",
					s.Addr, what, s.waitErr, s.logs.tail(4096))
			}
		}
		if time.Now().After(deadline) {
			tb.Fatalf("redistest: no %s after %v: %v", what, waitTimeout, err)
		}
		time.Sleep(pollInterval)
	}
}

// live returns the servers that have not exited, e.g. after a test stopped one.
func live(servers []*Server) []*Server {
	var out []*Server
	for _, s := range servers {
		if !s.exited() {
			out = append(out, s)
		}
	}
	return out
}

// errPortTaken: another server took the free port first and answered our readiness probe.
var errPortTaken = errors.New("another redis-server answers on this port")

// checkOwnsAddr asks whoever answers at s.Addr for its working directory, which is unique to
// this server: a PING alone can be answered by another server that won the race for the port.
// CONFIG works even where INFO is renamed away. A sentinel has no CONFIG, so it is asked for
// its process id instead.
func (s *Server) checkOwnsAddr(ctx context.Context) error {
	if s.sentinel {
		txt, err := s.admin.Info(ctx, "server").Result()
		if err != nil {
			return err
		}
		if got := parseInfo(txt)["process_id"]; got != strconv.Itoa(s.Pid) {
			return fmt.Errorf("%w: %s is pid %s, not %d", errPortTaken, s.Addr, got, s.Pid)
		}
		return nil
	}
	reply, err := s.admin.ConfigGet(ctx, "dir").Result()
	if err != nil {
		return err
	}
	want, err := filepath.EvalSymlinks(s.Dir)
	if err != nil {
		return err
	}
	if reply["dir"] != want {
		return fmt.Errorf("%w: %s serves dir %q, not %q", errPortTaken, s.Addr, reply["dir"], want)
	}
	return nil
}

func (s *Server) exited() bool {
	select {
	case <-s.done:
		return true
	default:
		return false
	}
}

// ClientOptions returns fresh go-redis options for this server: address,
// password and, for TLS servers, a config trusting the CA and presenting
// the client certificate.
func (s *Server) ClientOptions() *redis.Options {
	o := harnessOptions([]string{s.Addr}, s.Password).Simple()
	if s.CA != nil {
		o.TLSConfig = s.CA.ClientTLSConfig(true)
	}
	return o
}

// harnessOptions holds what every client of these servers shares: short
// timeouts, and no handshake that 7.0 would refuse.
func harnessOptions(addrs []string, password string) *redis.UniversalOptions {
	return &redis.UniversalOptions{
		Addrs:           addrs,
		Password:        password,
		DialTimeout:     2 * time.Second,
		ReadTimeout:     5 * time.Second,
		WriteTimeout:    5 * time.Second,
		DisableIdentity: true, // CLIENT SETINFO is 7.2+; keep 7.0 logs clean
		MaintNotificationsConfig: &maintnotifications.Config{
			Mode: maintnotifications.ModeDisabled,
		},
	}
}

// addrsOf returns the servers' addresses, in order.
func addrsOf(servers []*Server) []string {
	addrs := make([]string, len(servers))
	for i, s := range servers {
		addrs[i] = s.Addr
	}
	return addrs
}

func (s *Server) adminOptions() *redis.Options {
	o := s.ClientOptions()
	o.PoolSize = 2 // 50 servers must not cost hundreds of sockets
	o.MaxRetries = -1
	return o
}

// Client returns a new admin client for this server, closed on cleanup.
func (s *Server) Client(tb testing.TB) *redis.Client {
	tb.Helper()
	c := redis.NewClient(s.ClientOptions())
	tb.Cleanup(func() { _ = c.Close() })
	return c
}

// Info returns the INFO persistence fields (key -> value).
func (s *Server) Info(tb testing.TB) map[string]string {
	tb.Helper()
	m, err := s.info()
	if err != nil {
		tb.Fatalf("redistest: INFO persistence on %s: %v", s.Addr, err)
	}
	return m
}

func (s *Server) info() (map[string]string, error) { return s.infoSection("persistence") }

func (s *Server) infoSection(section string) (map[string]string, error) {
	ctx, cancel := opCtx()
	defer cancel()
	txt, err := s.admin.Info(ctx, section).Result()
	if err != nil {
		return nil, err
	}
	return parseInfo(txt), nil
}

// opCtx bounds one admin command: far above any healthy answer, well below waitTimeout.
func opCtx() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), 5*time.Second)
}

// parseInfo splits INFO text into fields. Values may contain colons, so
// only the first one separates key and value. It stays apart from pkg/info
// on purpose: the harness confirms the states that pkg/info is tested on.
func parseInfo(txt string) map[string]string {
	m := make(map[string]string)
	for _, line := range strings.Split(txt, "\n") {
		line = strings.TrimSuffix(line, "\r")
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if k, v, ok := strings.Cut(line, ":"); ok {
			m[k] = v
		}
	}
	return m
}

// LogTail returns up to max bytes of the end of the server's log.
func (s *Server) LogTail(max int) string { return s.logs.tail(max) }

// Stop kills the server now (children first) and waits until it is gone.
// Cleanup does the same; Stop is for tests that need a server to vanish.
func (s *Server) Stop(tb testing.TB) {
	tb.Helper()
	s.stop(tb)
}

// stop is idempotent. It stops the server with SIGSTOP first so it cannot
// fork between the child scan and the kill, SIGKILLs the children (a
// rewrite child sleeping under rdb-key-save-delay ignores SIGTERM and
// would outlive its parent), then SIGKILLs the whole process group, and
// waits for everything to be gone so tb.TempDir's removal cannot race a
// dying writer. SIGKILL also ends a server frozen by Freeze, so no SIGCONT
// is needed.
func (s *Server) stop(tb testing.TB) {
	s.stopOnce.Do(func() {
		if tb.Failed() {
			tb.Logf("redistest: log tail of redis-server %s (pid %d):\n%s", s.Addr, s.Pid, s.logs.tail(8192))
		}
		_ = s.admin.Close()

		var victims []int
		if !s.exited() {
			_ = syscall.Kill(s.Pid, syscall.SIGSTOP)
			victims = childPids(s.Pid)
			for _, p := range victims {
				_ = syscall.Kill(p, syscall.SIGKILL)
			}
			_ = syscall.Kill(-s.Pid, syscall.SIGKILL)
		} else {
			// The server died on its own; a fork child of it may still
			// sleep in our process group, now reparented. The title
			// check guards against a reused group id.
			victims = livePids(func(p int, pi procInfo) bool {
				return pi.pgrp == s.Pid && strings.HasPrefix(cmdline(p), "redis-")
			})
			for _, p := range victims {
				_ = syscall.Kill(p, syscall.SIGKILL)
			}
		}

		deadline := time.Now().Add(waitTimeout)
		select {
		case <-s.done:
		case <-time.After(waitTimeout):
			tb.Errorf("redistest: redis-server %s (pid %d) still running %v after SIGKILL", s.Addr, s.Pid, waitTimeout)
		}
		for _, p := range victims {
			for alive(p) && time.Now().Before(deadline) {
				time.Sleep(pollInterval)
			}
			if alive(p) {
				tb.Errorf("redistest: child %d of redis-server %s survived SIGKILL", p, s.Addr)
			}
		}
	})
}

// Relaunch starts a stopped server again on the same port and in the same dir, so it replays
// its AOF, with extraArgs added to its command line. It returns as soon as the server answers,
// which may be while it is still loading (see HoldLoading). The new Server replaces s.
func (s *Server) Relaunch(tb testing.TB, extraArgs ...string) *Server {
	tb.Helper()
	if !s.exited() {
		tb.Fatalf("redistest: Relaunch of %s, which is still running: Stop it first", s.Addr)
	}
	_, portText, err := net.SplitHostPort(s.Addr)
	if err != nil {
		tb.Fatalf("redistest: %v", err)
	}
	port, _ := strconv.Atoi(portText)
	opts := s.opts
	opts.ExtraArgs = append(append([]string(nil), s.opts.ExtraArgs...), extraArgs...)
	again, err := startSpec(tb, "", opts, launchSpec{port: port, dir: s.Dir})
	if err != nil {
		tb.Fatalf("redistest: relaunching on %s: %v", s.Addr, err)
	}
	return again
}

// serverAt returns the server listening at addr, or nil.
func serverAt(servers []*Server, addr string) *Server {
	for _, s := range servers {
		if s.Addr == addr {
			return s
		}
	}
	return nil
}

// NewLogTail returns a writer that keeps the last max bytes written to it,
// for other harnesses' child processes (the fleet benchmark's plugin and
// exporter logs).
func NewLogTail(max int) *LogTail { return &tailBuffer{max: max} }

// LogTail is a tailBuffer.
type LogTail = tailBuffer

// tailBuffer keeps the last max bytes written: enough of the server log
// to explain a failure without holding 50 full logs in memory.
type tailBuffer struct {
	mu  sync.Mutex
	buf []byte
	max int
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, p...)
	if over := len(t.buf) - t.max; over > 0 {
		t.buf = append(t.buf[:0], t.buf[over:]...)
	}
	return len(p), nil
}

func (t *tailBuffer) String() string { return t.tail(t.max) }

func (t *tailBuffer) tail(max int) string {
	t.mu.Lock()
	defer t.mu.Unlock()
	b := t.buf
	if len(b) > max {
		b = b[len(b)-max:]
	}
	return string(b)
}

// summary renders the AOF-related INFO fields for failure messages.
func summary(m map[string]string) string {
	var keys []string
	for k := range m {
		if strings.HasPrefix(k, "aof_") {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		fmt.Fprintf(&b, "%s:%s ", k, m[k])
	}
	return strings.TrimSpace(b.String())
}

// BareOptions are go-redis options set up like the plugin's node clients (RESP2, no identity
// handshake, one connection with the plugin's buffer sizes, no retries, context deadlines): the
// bare fan-out the benchmarks measure the plugin against.
func BareOptions(addr string, readBuffer, writeBuffer int) *redis.Options {
	return &redis.Options{
		Addr:                     addr,
		Protocol:                 2,
		DisableIdentity:          true,
		MaintNotificationsConfig: &maintnotifications.Config{Mode: maintnotifications.ModeDisabled},
		PoolSize:                 1,
		ReadBufferSize:           readBuffer,
		WriteBufferSize:          writeBuffer,
		MaxRetries:               -1,
		ContextTimeoutEnabled:    true,
		DialTimeout:              2 * time.Second,
		ReadTimeout:              2 * time.Second,
		WriteTimeout:             2 * time.Second,
	}
}
