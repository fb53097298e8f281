package redistest

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"slices"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/redis/go-redis/v9"
)

// ClusterOptions selects the shape of a cluster. The zero value is three
// primaries without replicas.
type ClusterOptions struct {
	// Primaries is the number of primaries; 0 means 3, the least
	// redis-cli --cluster create accepts.
	Primaries int
	// ReplicasPerPrimary is the number of replicas of each primary.
	ReplicasPerPrimary int
	// Password sets requirepass, and masterauth so replicas (and primaries
	// demoted by a failover) can sync, on every node.
	Password string
	// ExtraArgs are appended to every node's command line after the
	// cluster settings, so they can override them, e.g.
	// []string{"--cluster-node-timeout", "5000"}.
	ExtraArgs []string
}

// Cluster is a running Redis Cluster owned by a test. Every node is a
// plain *Server, so Info, Client, Stop, Freeze and the rewrite and AOF
// helpers work on it as on any other server. The helpers that write keys
// of their own put them in a slot the node serves, so they work on any
// primary; a replica takes no writes.
type Cluster struct {
	Nodes    []*Server // in start order; roles change with failovers
	Password string

	primaries int // primaries serving slots (cluster_size)
	replicas  int // replicas in total
	cli       string
	base      string  // temp dir holding every node's dir
	nodeOpts  Options // how every node is started
}

// clusterNodeTimeoutMS is cluster-node-timeout: small so a test that stops
// or freezes a node sees it marked failed (and failed over) in seconds,
// yet a few hundred times a healthy ping on a busy machine.
const clusterNodeTimeoutMS = 2000

// clusterSlots is the number of hash slots, all of which must be served.
const clusterSlots = 16384

// StartCluster starts Primaries*(1+ReplicasPerPrimary) cluster-enabled
// servers on free ports (each with its bus port +10000 free as well), forms
// the cluster with redis-cli --cluster create and waits until every node
// reports cluster_state:ok, agrees with every other node on the nodes,
// roles and slots, and every replica's link to its primary is up. A
// tb.Cleanup stops every node, whether the test passed or failed.
//
// CLUSTER SHARDS and CLUSTER NODES list the replicas at once; CLUSTER
// SLOTS (7.0) leaves a replica out while its replication offset is still
// 0, i.e. until its primary has propagated a write or its replication
// PING (every 10 s by default).
func StartCluster(tb testing.TB, opts ClusterOptions) *Cluster {
	tb.Helper()
	if opts.Primaries == 0 {
		opts.Primaries = 3
	}
	if opts.Primaries < 3 || opts.ReplicasPerPrimary < 0 {
		tb.Fatalf("redistest: StartCluster needs at least 3 primaries and no negative replica count, got %+v", opts)
	}
	cli, err := cliBinary()
	if err != nil {
		tb.Fatalf("redistest: %v", err)
	}
	if _, err := serverBinary(); err != nil {
		tb.Fatalf("redistest: %v", err)
	}

	nodeOpts := Options{
		Password: opts.Password,
		ExtraArgs: append([]string{
			"--cluster-enabled", "yes",
			// Relative to --dir, where redis-server has already chdir'ed:
			// every node keeps its own nodes.conf in Server.Dir.
			"--cluster-config-file", "nodes.conf",
			"--cluster-node-timeout", strconv.Itoa(clusterNodeTimeoutMS),
			// 7.0 waits 5 s by default for more replicas before a
			// diskless full sync; nothing else is coming here.
			"--repl-diskless-sync-delay", "0",
		}, opts.ExtraArgs...),
	}
	if opts.Password != "" {
		nodeOpts.ExtraArgs = append([]string{"--masterauth", opts.Password}, nodeOpts.ExtraArgs...)
	}
	n := opts.Primaries * (1 + opts.ReplicasPerPrimary)
	base := tb.TempDir()
	nodes, failed := startAll(n, func(int) (*Server, error) {
		return startSpec(tb, base, nodeOpts, launchSpec{clusterBus: true})
	})
	if len(failed) > 0 {
		tb.Fatalf("redistest: StartCluster: %d of %d nodes failed to start; first: %v", len(failed), n, failed[0])
	}
	c := &Cluster{
		Nodes:     nodes,
		Password:  opts.Password,
		primaries: opts.Primaries,
		replicas:  opts.Primaries * opts.ReplicasPerPrimary,
		cli:       cli,
		base:      base,
		nodeOpts:  nodeOpts,
	}
	args := append([]string{"create"}, c.Addrs()...)
	c.redisCLI(tb, append(args, "--cluster-replicas", strconv.Itoa(opts.ReplicasPerPrimary), "--cluster-yes")...)
	c.waitConverged(tb, "a formed cluster")
	return c
}

// AddNode starts one more node like the others and joins it to the
// cluster as a primary without slots, as redis-cli --cluster add-node does,
// then waits until every node knows it and agrees as after StartCluster.
// The new node is appended to Nodes; Primaries lists it.
func (c *Cluster) AddNode(tb testing.TB) *Server {
	tb.Helper()
	nodes := live(c.Nodes)
	if len(nodes) == 0 {
		tb.Fatalf("redistest: AddNode: no node of the cluster is running")
	}
	s, err := startSpec(tb, c.base, c.nodeOpts, launchSpec{clusterBus: true})
	if err != nil {
		tb.Fatalf("redistest: AddNode: %v", err)
	}
	c.redisCLI(tb, "add-node", s.Addr, nodes[0].Addr)
	c.Nodes = append(c.Nodes, s)
	c.waitConverged(tb, "agreement on the added node "+s.Addr)
	return s
}

// redisCLI runs redis-cli --cluster with args and fails the test, showing
// its output, if it fails.
func (c *Cluster) redisCLI(tb testing.TB, args ...string) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*waitTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, c.cli, append([]string{"--cluster"}, args...)...)
	cmd.Env = os.Environ()
	if c.Password != "" {
		// REDISCLI_AUTH rather than -a: no password on the command line,
		// and no warning about it in the output. Empty, it would still
		// send AUTH.
		cmd.Env = append(cmd.Env, "REDISCLI_AUTH="+c.Password)
	}
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if out, err := cmd.CombinedOutput(); err != nil {
		tb.Fatalf("redistest: redis-cli --cluster %s: %v; output:\n%s", args[0], err, out)
	}
}

// Addrs returns every node's address, e.g. as seeds for a cluster client.
func (c *Cluster) Addrs() []string { return addrsOf(c.Nodes) }

// Client returns a go-redis cluster client seeded with every node, closed
// on cleanup.
func (c *Cluster) Client(tb testing.TB) *redis.ClusterClient {
	tb.Helper()
	cc := redis.NewClusterClient(harnessOptions(c.Addrs(), c.Password).Cluster())
	tb.Cleanup(func() { _ = cc.Close() })
	return cc
}

// Primaries returns the nodes whose INFO replication says role:master
// right now, in Nodes order, including one AddNode joined without slots.
// Nodes that have exited are left out.
func (c *Cluster) Primaries(tb testing.TB) []*Server {
	tb.Helper()
	return c.withRole(tb, "master")
}

// Replicas returns the nodes whose INFO replication says role:slave right
// now, in Nodes order. Nodes that have exited are left out.
func (c *Cluster) Replicas(tb testing.TB) []*Server {
	tb.Helper()
	return c.withRole(tb, "slave")
}

func (c *Cluster) withRole(tb testing.TB, role string) []*Server {
	tb.Helper()
	var out []*Server
	for _, s := range live(c.Nodes) {
		m, err := s.infoSection("replication")
		if err != nil {
			tb.Fatalf("redistest: INFO replication on %s: %v", s.Addr, err)
		}
		if m["role"] == role {
			out = append(out, s)
		}
	}
	return out
}

// Failover runs CLUSTER FAILOVER (the coordinated, manual kind: the
// primary stops writes until the replica has caught up) on replica and
// waits until replica reports role:master, its old primary reports
// role:slave with its link to replica up, and the whole cluster agrees
// again as after StartCluster.
func (c *Cluster) Failover(tb testing.TB, replica *Server) {
	tb.Helper()
	m, err := replica.infoSection("replication")
	if err != nil {
		tb.Fatalf("redistest: INFO replication on %s: %v", replica.Addr, err)
	}
	if m["role"] != "slave" {
		tb.Fatalf("redistest: Failover(%s): not a replica (role:%s)", replica.Addr, m["role"])
	}
	old := c.node(net.JoinHostPort(m["master_host"], m["master_port"]))
	if old == nil {
		tb.Fatalf("redistest: Failover(%s): its primary %s:%s is not a node of this cluster",
			replica.Addr, m["master_host"], m["master_port"])
	}
	replica.do(tb, "CLUSTER", "FAILOVER")
	_, port, _ := net.SplitHostPort(replica.Addr)
	waitUntil(tb, fmt.Sprintf("role switch %s -> %s", old.Addr, replica.Addr), []*Server{replica, old}, func() error {
		if err := wantRepl(replica, map[string]string{"role": "master"}); err != nil {
			return err
		}
		return wantRepl(old, map[string]string{"role": "slave", "master_port": port, "master_link_status": "up"})
	})
	c.waitConverged(tb, "agreement after the failover to "+replica.Addr)
}

// Shard is one primary with its replicas and the slots they serve, as
// CLUSTER SHARDS reports them (7.0 has no shard id yet; the slots, which a
// failover leaves alone, identify a shard).
type Shard struct {
	Slots    []redis.SlotRange
	Primary  *Server
	Replicas []*Server
}

// ShardOf returns the shard s belongs to, as s itself sees it.
func (c *Cluster) ShardOf(tb testing.TB, s *Server) Shard {
	tb.Helper()
	for _, sh := range c.shards(tb, s) {
		if sh.Primary == s || slices.Contains(sh.Replicas, s) {
			return sh
		}
	}
	tb.Fatalf("redistest: CLUSTER SHARDS on %s does not list %s itself", s.Addr, s.Addr)
	return Shard{}
}

// PrimaryForKey returns the primary that serves key's slot, as the first
// live node sees it.
func (c *Cluster) PrimaryForKey(tb testing.TB, key string) *Server {
	tb.Helper()
	nodes := live(c.Nodes)
	if len(nodes) == 0 {
		tb.Fatalf("redistest: PrimaryForKey: no node is running")
	}
	ctx, cancel := opCtx()
	defer cancel()
	slot, err := nodes[0].admin.ClusterKeySlot(ctx, key).Result()
	if err != nil {
		tb.Fatalf("redistest: CLUSTER KEYSLOT %s on %s: %v", key, nodes[0].Addr, err)
	}
	for _, sh := range c.shards(tb, nodes[0]) {
		for _, r := range sh.Slots {
			if slot >= r.Start && slot <= r.End && sh.Primary != nil {
				return sh.Primary
			}
		}
	}
	tb.Fatalf("redistest: %s knows no primary serving slot %d of %q", nodes[0].Addr, slot, key)
	return nil
}

// shards returns CLUSTER SHARDS as s answers it, with the nodes mapped to
// this cluster's Servers.
func (c *Cluster) shards(tb testing.TB, s *Server) []Shard {
	tb.Helper()
	ctx, cancel := opCtx()
	defer cancel()
	reply, err := s.admin.ClusterShards(ctx).Result()
	if err != nil {
		tb.Fatalf("redistest: CLUSTER SHARDS on %s: %v", s.Addr, err)
	}
	out := make([]Shard, 0, len(reply))
	for _, sh := range reply {
		shard := Shard{Slots: sh.Slots}
		for _, n := range sh.Nodes {
			node := c.node(net.JoinHostPort(n.IP, strconv.FormatInt(n.Port, 10)))
			if node == nil {
				tb.Fatalf("redistest: CLUSTER SHARDS on %s lists %s:%d, not a node of this cluster", s.Addr, n.IP, n.Port)
			}
			if n.Role == "master" {
				shard.Primary = node
			} else {
				shard.Replicas = append(shard.Replicas, node)
			}
		}
		out = append(out, shard)
	}
	return out
}

func (c *Cluster) node(addr string) *Server { return serverAt(c.Nodes, addr) }

// waitConverged waits until every live node says cluster_state:ok with all
// slots served, every node sees the same nodes, roles and slots with no
// node flagged failing or still in handshake, each node's INFO role
// matches that view, and every replica's link to its primary is up.
func (c *Cluster) waitConverged(tb testing.TB, what string) {
	tb.Helper()
	nodes := live(c.Nodes)
	waitUntil(tb, what, nodes, func() error {
		var first string
		for _, s := range nodes {
			view, err := c.checkNode(s, len(c.Nodes))
			if err != nil {
				return err
			}
			if first == "" {
				first = view
			} else if view != first {
				return fmt.Errorf("%s sees\n%s\nbut %s sees\n%s", s.Addr, view, nodes[0].Addr, first)
			}
		}
		return nil
	})
}

// checkNode checks one node's own state and returns its view of the
// cluster in a form comparable across nodes.
func (c *Cluster) checkNode(s *Server, known int) (string, error) {
	ctx, cancel := opCtx()
	defer cancel()
	txt, err := s.admin.ClusterInfo(ctx).Result()
	if err != nil {
		return "", fmt.Errorf("CLUSTER INFO on %s: %w", s.Addr, err)
	}
	ci := parseInfo(txt)
	for k, want := range map[string]string{
		"cluster_state":          "ok",
		"cluster_slots_assigned": strconv.Itoa(clusterSlots),
		"cluster_slots_ok":       strconv.Itoa(clusterSlots),
		"cluster_known_nodes":    strconv.Itoa(known),
		"cluster_size":           strconv.Itoa(c.primaries),
	} {
		if ci[k] != want {
			return "", fmt.Errorf("%s: CLUSTER INFO %s:%s, want %s", s.Addr, k, ci[k], want)
		}
	}
	txt, err = s.admin.ClusterNodes(ctx).Result()
	if err != nil {
		return "", fmt.Errorf("CLUSTER NODES on %s: %w", s.Addr, err)
	}
	view, myRole, err := clusterView(txt)
	if err != nil {
		return "", fmt.Errorf("%s: %w", s.Addr, err)
	}
	serving, replicas := 0, 0
	for _, line := range strings.Split(view, "\n") {
		switch f := strings.Fields(line); {
		case f[2] == "slave":
			replicas++
		case len(f) > 4: // a primary with slots
			serving++
		}
	}
	if serving != c.primaries || replicas != c.replicas {
		return "", fmt.Errorf("%s sees %d primaries serving slots and %d replicas, want %d and %d:\n%s",
			s.Addr, serving, replicas, c.primaries, c.replicas, view)
	}
	want := map[string]string{"role": myRole}
	if myRole == "slave" {
		want["master_link_status"] = "up"
	}
	return view, wantRepl(s, want)
}

// slotKey returns key as it is, or, on a cluster node, behind a hash tag
// ({redistest-N}) of a slot s serves: a cluster node answers a write to any
// other slot with MOVED. It is meant for the state helpers' own writes
// (ensureKey, WriteErr), so that they work on any cluster primary, not only
// on PrimaryForKey(tb, "redistest:key"). A replica serves no writes.
func (s *Server) slotKey(key string) (string, error) {
	if !s.cluster {
		return key, nil
	}
	ctx, cancel := opCtx()
	defer cancel()
	txt, err := s.admin.ClusterNodes(ctx).Result()
	if err != nil {
		return "", fmt.Errorf("CLUSTER NODES on %s: %w", s.Addr, err)
	}
	var ranges [][2]int
	for _, line := range strings.Split(strings.TrimSpace(txt), "\n") {
		f := strings.Fields(line)
		if len(f) < 8 || !strings.Contains(f[2], "myself") {
			continue
		}
		for _, sl := range f[8:] {
			if strings.HasPrefix(sl, "[") {
				continue
			}
			lo, hi, _ := strings.Cut(sl, "-")
			a, err1 := strconv.Atoi(lo)
			b, err2 := strconv.Atoi(hi)
			if hi == "" {
				b, err2 = a, nil
			}
			if err1 != nil || err2 != nil {
				return "", fmt.Errorf("%s: unexpected slot range %q", s.Addr, sl)
			}
			ranges = append(ranges, [2]int{a, b})
		}
	}
	for i := range 1 << 20 {
		tag := "{redistest-" + strconv.Itoa(i) + "}"
		slot := keySlot(tag)
		for _, r := range ranges {
			if slot >= r[0] && slot <= r[1] {
				return tag + key, nil
			}
		}
		if len(ranges) == 0 {
			break
		}
	}
	return "", fmt.Errorf("%s serves no slot, so it takes no writes (a replica, or a primary without slots)", s.Addr)
}

// keySlot is Redis Cluster's hash slot of key: CRC16 (XMODEM) of the key,
// or of its first non-empty {hash tag}, modulo 16384.
func keySlot(key string) int {
	if i := strings.IndexByte(key, '{'); i >= 0 {
		if j := strings.IndexByte(key[i+1:], '}'); j > 0 {
			key = key[i+1 : i+1+j]
		}
	}
	var crc uint16
	for i := 0; i < len(key); i++ {
		crc ^= uint16(key[i]) << 8
		for range 8 {
			if crc&0x8000 != 0 {
				crc = crc<<1 ^ 0x1021
			} else {
				crc <<= 1
			}
		}
	}
	return int(crc) % clusterSlots
}

// clusterView reduces CLUSTER NODES to what every node must agree on: one
// line "id addr role primary-id slots" per node, sorted. It also returns
// the answering node's own role and fails on any node flagged failing, in
// handshake or without an address, or with a disconnected link.
func clusterView(txt string) (view, myRole string, _ error) {
	var lines []string
	for _, line := range strings.Split(strings.TrimSpace(txt), "\n") {
		f := strings.Fields(line)
		if len(f) < 8 {
			return "", "", fmt.Errorf("unexpected CLUSTER NODES line %q", line)
		}
		role := ""
		for _, flag := range strings.Split(f[2], ",") {
			switch flag {
			case "master", "slave":
				role = flag
			case "fail", "fail?", "handshake", "noaddr":
				return "", "", fmt.Errorf("node %s %s is flagged %s", f[0], f[1], f[2])
			}
		}
		if role == "" {
			return "", "", fmt.Errorf("node %s %s has no role: %s", f[0], f[1], f[2])
		}
		if strings.Contains(f[2], "myself") {
			myRole = role
		}
		if f[7] != "connected" {
			return "", "", fmt.Errorf("node %s %s link is %s", f[0], f[1], f[7])
		}
		var slots []string
		for _, sl := range f[8:] {
			if !strings.HasPrefix(sl, "[") { // "[slot->-id]": a migration in flight, not ownership
				slots = append(slots, sl)
			}
		}
		lines = append(lines, strings.Join(append([]string{f[0], f[1], role, f[3]}, slots...), " "))
	}
	sort.Strings(lines)
	return strings.Join(lines, "\n"), myRole, nil
}

// wantRepl checks INFO replication fields on s.
func wantRepl(s *Server, want map[string]string) error {
	m, err := s.infoSection("replication")
	if err != nil {
		return fmt.Errorf("INFO replication on %s: %w", s.Addr, err)
	}
	for k, v := range want {
		if m[k] != v {
			return fmt.Errorf("%s: INFO replication %s:%s, want %s", s.Addr, k, m[k], v)
		}
	}
	return nil
}
