package redistest

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// SentinelOptions selects the shape of a Sentinel group. The zero value is
// a master named "mymaster" without replicas, watched by three sentinels.
type SentinelOptions struct {
	// MasterName is the name the sentinels monitor; "" means "mymaster".
	MasterName string
	// Replicas is the number of replicas started with --replicaof.
	Replicas int
	// Sentinels is the number of sentinels; 0 means 3. The quorum is a
	// majority of them.
	Sentinels int
	// Password sets requirepass and masterauth on the data nodes (so any
	// of them can become a replica of any other) and sentinel auth-pass.
	Password string
	// SentinelPassword sets requirepass on the sentinels, and
	// sentinel-pass so they can still talk to each other.
	SentinelPassword string
	// ExtraArgs are appended to every data node's command line.
	ExtraArgs []string
}

// SentinelGroup is a master, its replicas and the sentinels watching them,
// owned by a test. The data nodes are plain *Servers; the sentinels are
// *Servers too (Addr, Pid, Password, Client, Stop, Freeze), but have no
// data, no CONFIG and no persistence, so Info and the state helpers do not
// apply to them. A sentinel's config file is sentinel.conf in its Dir.
type SentinelGroup struct {
	MasterName string
	Master     *Server   // the current master; Switch updates it
	Replicas   []*Server // the other data nodes; Switch updates them
	Sentinels  []*Server

	opts  SentinelOptions
	nodes []*Server // every data node, in start order
}

const (
	// sentinelDownAfterMS is down-after-milliseconds: a test that stops
	// the master sees sentinels react within seconds.
	sentinelDownAfterMS = 1000
	// sentinelFailoverTimeoutMS is failover-timeout (default 3 minutes):
	// it bounds a stuck failover, so it stays well below waitTimeout.
	sentinelFailoverTimeoutMS = 5000
	// sentinelConfName is the config file each sentinel keeps in its Dir.
	sentinelConfName = "sentinel.conf"
)

// sentinelDebug shortens Sentinel's timers, as Redis's own sentinel tests do
// (SENTINEL DEBUG, 7.0+, runtime only): INFO to every instance each second
// instead of every 10 s, and hello messages every 500 ms instead of 2 s.
// Discovery and the reconfiguration after a switch then take seconds;
// nothing else about a failover changes.
var sentinelDebug = []any{"info-period", "1000", "publish-period", "500"}

// StartSentinelGroup starts a master, Replicas replicas of it and
// Sentinels sentinels monitoring it (redis-server <conf> --sentinel, with
// the conf in the sentinel's own temp dir, where it rewrites it). It waits
// until every replica's link is up and every sentinel sees the master, all
// replicas and all other sentinels as healthy. A tb.Cleanup stops every
// process, whether the test passed or failed.
func StartSentinelGroup(tb testing.TB, opts SentinelOptions) *SentinelGroup {
	tb.Helper()
	if opts.MasterName == "" {
		opts.MasterName = "mymaster"
	}
	if opts.Sentinels == 0 {
		opts.Sentinels = 3
	}
	if opts.Sentinels < 0 || opts.Replicas < 0 {
		tb.Fatalf("redistest: StartSentinelGroup: negative count in %+v", opts)
	}
	if _, err := serverBinary(); err != nil {
		tb.Fatalf("redistest: %v", err)
	}
	base := tb.TempDir()
	g := &SentinelGroup{MasterName: opts.MasterName, opts: opts}

	dataOpts := Options{
		Password: opts.Password,
		// 7.0 waits 5 s by default for more replicas before a diskless
		// full sync; every replica here starts at about the same time.
		ExtraArgs: append([]string{"--repl-diskless-sync-delay", "0"}, opts.ExtraArgs...),
	}
	if opts.Password != "" {
		dataOpts.ExtraArgs = append([]string{"--masterauth", opts.Password}, dataOpts.ExtraArgs...)
	}
	master, err := startSpec(tb, base, dataOpts, launchSpec{})
	if err != nil {
		tb.Fatalf("redistest: StartSentinelGroup: master: %v", err)
	}
	_, masterPort, _ := net.SplitHostPort(master.Addr)

	replicaOpts := dataOpts
	replicaOpts.ExtraArgs = append([]string{"--replicaof", "127.0.0.1", masterPort}, dataOpts.ExtraArgs...)
	replicas, failed := startAll(opts.Replicas, func(int) (*Server, error) {
		return startSpec(tb, base, replicaOpts, launchSpec{})
	})
	if len(failed) > 0 {
		tb.Fatalf("redistest: StartSentinelGroup: %d of %d replicas failed to start; first: %v", len(failed), opts.Replicas, failed[0])
	}

	quorum := opts.Sentinels/2 + 1
	spec := launchSpec{sentinelConf: func(port int, dir string) (string, error) {
		return writeSentinelConf(opts, quorum, masterPort, port, dir)
	}}
	sentinels, failed := startAll(opts.Sentinels, func(int) (*Server, error) {
		return startSpec(tb, base, Options{Password: opts.SentinelPassword}, spec)
	})
	if len(failed) > 0 {
		tb.Fatalf("redistest: StartSentinelGroup: %d of %d sentinels failed to start; first: %v", len(failed), opts.Sentinels, failed[0])
	}
	for _, s := range sentinels {
		s.do(tb, append([]any{"SENTINEL", "DEBUG"}, sentinelDebug...)...)
	}

	g.Master, g.Replicas, g.Sentinels = master, replicas, sentinels
	g.nodes = append([]*Server{master}, replicas...)
	g.waitSettled(tb, "a settled sentinel group")
	return g
}

// writeSentinelConf writes the config of one sentinel listening on port.
// The file must stay writable: a sentinel saves its state (its id, the
// replicas and sentinels it found, the current master) into it.
func writeSentinelConf(o SentinelOptions, quorum int, masterPort string, port int, dir string) (string, error) {
	var b strings.Builder
	line := func(words ...string) {
		for i, w := range words {
			if i > 0 {
				b.WriteByte(' ')
			}
			b.WriteString(confQuote(w))
		}
		b.WriteByte('\n')
	}
	line("port", strconv.Itoa(port))
	line("bind", "127.0.0.1")
	line("dir", dir)
	line("daemonize", "no")
	line("logfile", "") // stdout, i.e. our pipe
	line("sentinel", "monitor", o.MasterName, "127.0.0.1", masterPort, strconv.Itoa(quorum))
	line("sentinel", "down-after-milliseconds", o.MasterName, strconv.Itoa(sentinelDownAfterMS))
	line("sentinel", "failover-timeout", o.MasterName, strconv.Itoa(sentinelFailoverTimeoutMS))
	if o.Password != "" {
		line("sentinel", "auth-pass", o.MasterName, o.Password)
	}
	if o.SentinelPassword != "" {
		line("requirepass", o.SentinelPassword)
		line("sentinel", "sentinel-pass", o.SentinelPassword)
	}
	path := filepath.Join(dir, sentinelConfName)
	return path, os.WriteFile(path, []byte(b.String()), 0o600) // it holds passwords
}

// confQuote quotes one word for a redis.conf line: double quotes, with
// backslash escapes for quotes, backslashes and control bytes, which is
// what the config parser (sdssplitargs) reads back.
func confQuote(w string) string {
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(w); i++ {
		switch c := w[i]; {
		case c == '"' || c == '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c < 0x20 || c == 0x7f:
			fmt.Fprintf(&b, "\\x%02x", c)
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// SentinelAddrs returns every sentinel's address.
func (g *SentinelGroup) SentinelAddrs() []string { return addrsOf(g.Sentinels) }

// FailoverClient returns a go-redis client that finds the master through
// the sentinels, closed on cleanup.
func (g *SentinelGroup) FailoverClient(tb testing.TB) *redis.Client {
	tb.Helper()
	c := redis.NewFailoverClient(&redis.FailoverOptions{
		MasterName:       g.MasterName,
		SentinelAddrs:    g.SentinelAddrs(),
		SentinelPassword: g.opts.SentinelPassword,
		Password:         g.opts.Password,
		DialTimeout:      2 * time.Second,
		ReadTimeout:      5 * time.Second,
		WriteTimeout:     5 * time.Second,
		DisableIdentity:  true, // CLIENT SETINFO is 7.2+; keep 7.0 logs clean
	})
	tb.Cleanup(func() { _ = c.Close() })
	return c
}

// Switch forces a real master switch: SENTINEL FAILOVER on a sentinel,
// which promotes a replica and reconfigures the rest. It waits until every
// live sentinel reports the new master's address via
// SENTINEL GET-MASTER-ADDR-BY-NAME and the new master says role:master,
// then until the group has settled as after StartSentinelGroup (the old
// master, if it is still running, is a linked replica of the new one and
// every sentinel sees it so), so Switch can be called again. It updates
// Master and Replicas and returns the new master. Writes made before
// Switch reach every replica (WAIT) before the failover starts, so none is
// lost; writes made concurrently may be, as in any real failover.
func (g *SentinelGroup) Switch(tb testing.TB) *Server {
	tb.Helper()
	sentinels := live(g.Sentinels)
	if len(sentinels) == 0 || len(g.nodes) < 2 {
		tb.Fatalf("redistest: Switch needs a live sentinel and a replica (%d sentinels live, %d data nodes)",
			len(sentinels), len(g.nodes))
	}
	old := g.Master
	// Whatever the test wrote before is on every replica before the
	// failover starts, so the switch itself loses nothing.
	if !old.exited() {
		if err := old.replicasAcked(len(live(g.Replicas))); err != nil {
			tb.Fatalf("redistest: Switch: %v", err)
		}
	}
	// -NOGOODSLAVE while no sentinel INFO on a replica is recent enough.
	waitUntil(tb, "SENTINEL FAILOVER "+g.MasterName+" accepted by "+sentinels[0].Addr, sentinels[:1], func() error {
		ctx, cancel := opCtx()
		defer cancel()
		return sentinels[0].admin.Do(ctx, "SENTINEL", "FAILOVER", g.MasterName).Err()
	})

	var next *Server
	waitUntil(tb, "a new master of "+g.MasterName+" reported by every sentinel", sentinels, func() error {
		addr := ""
		for _, s := range sentinels {
			a, err := s.masterAddr(g.MasterName)
			if err != nil {
				return err
			}
			if a == old.Addr {
				return fmt.Errorf("sentinel %s still reports %s", s.Addr, a)
			}
			if addr != "" && a != addr {
				return fmt.Errorf("sentinels disagree: %s and %s", addr, a)
			}
			addr = a
		}
		next = g.node(addr)
		if next == nil {
			return fmt.Errorf("sentinels report %s, which is no data node of this group", addr)
		}
		return wantRepl(next, map[string]string{"role": "master"})
	})

	g.Master, g.Replicas = next, nil
	for _, s := range g.nodes {
		if s != next {
			g.Replicas = append(g.Replicas, s)
		}
	}
	g.waitSettled(tb, "a settled sentinel group after switching to "+next.Addr)
	return next
}

func (g *SentinelGroup) node(addr string) *Server { return serverAt(g.nodes, addr) }

// waitSettled waits until g.Master says role:master, every other live
// data node is its replica with the link up and acknowledging the
// replication stream, and every live sentinel
// reports g.Master, knows every data node and sentinel, and sees the live
// ones healthy: the live replicas as replicas of g.Master with their link
// up, the live sentinels reachable.
func (g *SentinelGroup) waitSettled(tb testing.TB, what string) {
	tb.Helper()
	nodes, sentinels := live(g.nodes), live(g.Sentinels)
	_, masterPort, _ := net.SplitHostPort(g.Master.Addr)
	waitUntil(tb, what, append(append([]*Server(nil), nodes...), sentinels...), func() error {
		if err := wantRepl(g.Master, map[string]string{"role": "master"}); err != nil {
			return err
		}
		for _, s := range nodes {
			if s == g.Master {
				continue
			}
			if err := wantRepl(s, map[string]string{
				"role": "slave", "master_port": masterPort, "master_link_status": "up",
			}); err != nil {
				return err
			}
		}
		if err := g.Master.replicasAcked(len(nodes) - 1); err != nil {
			return err
		}
		for _, s := range sentinels {
			if err := g.checkSentinel(s, nodes, sentinels, masterPort); err != nil {
				return fmt.Errorf("sentinel %s: %w", s.Addr, err)
			}
		}
		return nil
	})
}

func (g *SentinelGroup) checkSentinel(s *Server, nodes, sentinels []*Server, masterPort string) error {
	name := g.MasterName
	addr, err := s.masterAddr(name)
	if err != nil {
		return err
	}
	if addr != g.Master.Addr {
		return fmt.Errorf("reports master %s, want %s", addr, g.Master.Addr)
	}
	m, err := s.sentinelMap("MASTER", name)
	if err != nil {
		return err
	}
	for k, want := range map[string]string{
		"flags":               "master",
		"num-slaves":          strconv.Itoa(len(g.nodes) - 1),
		"num-other-sentinels": strconv.Itoa(len(g.Sentinels) - 1),
	} {
		if m[k] != want {
			return fmt.Errorf("SENTINEL MASTER %s: %s is %q, want %q", name, k, m[k], want)
		}
	}
	seen, err := s.sentinelList("REPLICAS", name)
	if err != nil {
		return err
	}
	for _, r := range nodes {
		if r == g.Master {
			continue
		}
		e := seen[r.Addr]
		if e == nil {
			return fmt.Errorf("SENTINEL REPLICAS %s lacks %s", name, r.Addr)
		}
		for k, want := range map[string]string{
			"flags": "slave", "role-reported": "slave", "master-link-status": "ok", "master-port": masterPort,
		} {
			if e[k] != want {
				return fmt.Errorf("SENTINEL REPLICAS %s: %s has %s %q, want %q", name, r.Addr, k, e[k], want)
			}
		}
	}
	seen, err = s.sentinelList("SENTINELS", name)
	if err != nil {
		return err
	}
	for _, o := range sentinels {
		if o == s {
			continue
		}
		if e := seen[o.Addr]; e == nil || e["flags"] != "sentinel" {
			return fmt.Errorf("SENTINEL SENTINELS %s: %s is %v, want flags sentinel", name, o.Addr, e)
		}
	}
	return nil
}

// replicasAcked checks that n replicas acknowledge s's replication stream.
// master_link_status:up alone is not enough: after a diskless sync 7.0 can
// hold the stream back until the replica's next REPLCONF ACK, up to a
// second later, and a failover in that window loses the writes made
// meanwhile. A PUBLISH (replicated, yet no key and nothing in the AOF)
// followed by WAIT on the same connection proves the stream flows.
func (s *Server) replicasAcked(n int) error {
	ctx, cancel := opCtx()
	defer cancel()
	pipe := s.admin.Pipeline()
	pipe.Publish(ctx, "redistest:sync", "")
	wait := pipe.Do(ctx, "WAIT", n, 1000)
	if _, err := pipe.Exec(ctx); err != nil {
		return fmt.Errorf("PUBLISH and WAIT %d on %s: %w", n, s.Addr, err)
	}
	if got, _ := wait.Int(); got < n {
		return fmt.Errorf("%s: %d of %d replicas acknowledged its replication stream", s.Addr, got, n)
	}
	return nil
}

// masterAddr asks a sentinel for SENTINEL GET-MASTER-ADDR-BY-NAME.
func (s *Server) masterAddr(name string) (string, error) {
	hp, err := sentinelCmd(s, redis.NewStringSliceCmd, "GET-MASTER-ADDR-BY-NAME", name)
	if err != nil {
		return "", err
	}
	if len(hp) != 2 {
		return "", fmt.Errorf("SENTINEL GET-MASTER-ADDR-BY-NAME %s on %s: %q", name, s.Addr, hp)
	}
	return net.JoinHostPort(hp[0], hp[1]), nil
}

// sentinelMap runs SENTINEL <sub> <name> for a reply of field/value pairs
// (a flat array in RESP2, a map in RESP3: the typed command reads both).
func (s *Server) sentinelMap(sub, name string) (map[string]string, error) {
	return sentinelCmd(s, redis.NewMapStringStringCmd, sub, name)
}

// sentinelList runs SENTINEL REPLICAS|SENTINELS <name> and keys the
// entries by ip:port.
func (s *Server) sentinelList(sub, name string) (map[string]map[string]string, error) {
	list, err := sentinelCmd(s, redis.NewMapStringStringSliceCmd, sub, name)
	if err != nil {
		return nil, err
	}
	out := make(map[string]map[string]string, len(list))
	for _, e := range list {
		out[net.JoinHostPort(e["ip"], e["port"])] = e
	}
	return out, nil
}

// sentinelCmd runs SENTINEL <sub> <name> on s as the typed command newCmd
// makes, and names the command and the sentinel in its error.
func sentinelCmd[T any, C interface {
	redis.Cmder
	Result() (T, error)
}](s *Server, newCmd func(context.Context, ...any) C, sub, name string) (T, error) {
	ctx, cancel := opCtx()
	defer cancel()
	cmd := newCmd(ctx, "SENTINEL", sub, name)
	_ = s.admin.Process(ctx, cmd)
	reply, err := cmd.Result()
	if err != nil {
		return reply, fmt.Errorf("SENTINEL %s %s on %s: %w", sub, name, s.Addr, err)
	}
	return reply, nil
}
