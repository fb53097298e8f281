//go:build realredis

package redistest

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// replOf returns INFO replication of s.
func replOf(t *testing.T, s *Server) map[string]string {
	t.Helper()
	m, err := s.infoSection("replication")
	if err != nil {
		t.Fatalf("INFO replication on %s: %v", s.Addr, err)
	}
	return m
}

func port(s *Server) string {
	_, p, _ := net.SplitHostPort(s.Addr)
	return p
}

// slotsOf returns the slots of ranges, checking that they do not overlap
// with any in seen (and marking them there).
func slotsOf(t *testing.T, ranges []redis.SlotRange, seen []bool) int {
	t.Helper()
	n := 0
	for _, r := range ranges {
		for sl := r.Start; sl <= r.End; sl++ {
			if seen[sl] {
				t.Errorf("slot %d served twice", sl)
			}
			seen[sl] = true
			n++
		}
	}
	return n
}

// keyInShard finds a key whose slot the shard serves.
func keyInShard(t *testing.T, s *Server, sh Shard) string {
	t.Helper()
	c := s.Client(t)
	for i := range 10000 {
		key := "k" + strconv.Itoa(i)
		slot, err := c.ClusterKeySlot(ctx(t), key).Result()
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range sh.Slots {
			if slot >= r.Start && slot <= r.End {
				return key
			}
		}
	}
	t.Fatalf("no key found for slots %v", sh.Slots)
	return ""
}

func TestStartCluster(t *testing.T) {
	t.Parallel()
	var pids []int
	t.Run("inner", func(t *testing.T) {
		start := time.Now()
		c := StartCluster(t, ClusterOptions{Primaries: 3, ReplicasPerPrimary: 1})
		t.Logf("cluster of %d nodes formed in %v", len(c.Nodes), time.Since(start).Round(time.Millisecond))
		for _, s := range c.Nodes {
			pids = append(pids, s.Pid)
		}
		if len(c.Nodes) != 6 {
			t.Fatalf("%d nodes, want 6", len(c.Nodes))
		}
		primaries, replicas := c.Primaries(t), c.Replicas(t)
		if len(primaries) != 3 || len(replicas) != 3 {
			t.Fatalf("%d primaries and %d replicas, want 3 and 3", len(primaries), len(replicas))
		}
		// Each primary has exactly one replica, linked.
		perPrimary := map[*Server]int{}
		for _, r := range replicas {
			m := replOf(t, r)
			p := c.node(net.JoinHostPort(m["master_host"], m["master_port"]))
			if !slices.Contains(primaries, p) {
				t.Errorf("replica %s follows %s:%s, no primary", r.Addr, m["master_host"], m["master_port"])
			}
			perPrimary[p]++
			wantFields(t, m, map[string]string{"master_link_status": "up"})
		}
		for _, p := range primaries {
			if perPrimary[p] != 1 {
				t.Errorf("primary %s has %d replicas, want 1", p.Addr, perPrimary[p])
			}
			wantFields(t, replOf(t, p), map[string]string{"connected_slaves": "1"})
		}

		for _, s := range c.Nodes {
			txt, err := s.Client(t).ClusterInfo(ctx(t)).Result()
			if err != nil {
				t.Fatal(err)
			}
			wantFields(t, parseInfo(txt), map[string]string{
				"cluster_state":          "ok",
				"cluster_slots_assigned": "16384",
				"cluster_slots_ok":       "16384",
				"cluster_known_nodes":    "6",
				"cluster_size":           "3",
			})
			m, err := s.infoSection("cluster")
			if err != nil {
				t.Fatal(err)
			}
			wantFields(t, m, map[string]string{"cluster_enabled": "1"})
			if _, err := os.Stat(filepath.Join(s.Dir, "nodes.conf")); err != nil {
				t.Errorf("no nodes.conf in %s's Dir: %v", s.Addr, err)
			}
		}

		// CLUSTER SLOTS covers every slot exactly once, each range with a
		// primary first.
		slots, err := c.Nodes[0].Client(t).ClusterSlots(ctx(t)).Result() //nolint:staticcheck // go-redis cluster clients still route by CLUSTER SLOTS, so the harness checks it
		if err != nil {
			t.Fatal(err)
		}
		seen := make([]bool, clusterSlots)
		n := 0
		for _, sl := range slots {
			n += slotsOf(t, []redis.SlotRange{{Start: int64(sl.Start), End: int64(sl.End)}}, seen)
			if len(sl.Nodes) == 0 || !slices.Contains(primaries, c.node(sl.Nodes[0].Addr)) {
				t.Errorf("slots %d-%d served by %+v", sl.Start, sl.End, sl.Nodes)
			}
		}
		if n != clusterSlots {
			t.Errorf("CLUSTER SLOTS covers %d slots, want %d", n, clusterSlots)
		}

		// ShardOf agrees, from every node's point of view.
		seen = make([]bool, clusterSlots)
		n = 0
		for _, p := range primaries {
			sh := c.ShardOf(t, p)
			if sh.Primary != p || len(sh.Replicas) != 1 {
				t.Errorf("ShardOf(%s) = %+v", p.Addr, sh)
				continue
			}
			if other := c.ShardOf(t, sh.Replicas[0]); other.Primary != p || !slices.Equal(other.Slots, sh.Slots) {
				t.Errorf("ShardOf(replica %s) = %+v, ShardOf(its primary) = %+v", sh.Replicas[0].Addr, other, sh)
			}
			n += slotsOf(t, sh.Slots, seen)
		}
		if n != clusterSlots {
			t.Errorf("shards cover %d slots, want %d", n, clusterSlots)
		}

		// A real cluster client spreads keys over all three primaries.
		cc := c.Client(t)
		for i := range 300 {
			if err := cc.Set(ctx(t), fmt.Sprintf("key:%d", i), i, 0).Err(); err != nil {
				t.Fatalf("cluster SET: %v", err)
			}
		}
		for _, p := range primaries {
			if n, err := p.Client(t).DBSize(ctx(t)).Result(); err != nil || n == 0 {
				t.Errorf("primary %s holds %d keys (%v)", p.Addr, n, err)
			}
		}
		// Now that every replica has a non-zero offset, CLUSTER SLOTS
		// lists it too (see StartCluster).
		waitUntil(t, "replicas in CLUSTER SLOTS", c.Nodes, func() error {
			slots, err := c.Nodes[0].Client(t).ClusterSlots(ctx(t)).Result() //nolint:staticcheck // go-redis cluster clients still route by CLUSTER SLOTS, so the harness checks it
			if err != nil {
				return err
			}
			for _, sl := range slots {
				if len(sl.Nodes) != 2 || !slices.Contains(replicas, c.node(sl.Nodes[1].Addr)) {
					return fmt.Errorf("slots %d-%d served by %+v", sl.Start, sl.End, sl.Nodes)
				}
			}
			return nil
		})

		// Cluster nodes are plain Servers: the state helpers work on any
		// primary, writing their key in a slot it serves.
		if p := c.PrimaryForKey(t, "redistest:key"); !slices.Contains(primaries, p) {
			t.Fatalf("PrimaryForKey returned %s, no primary", p.Addr)
		}
		for _, p := range primaries {
			if p == c.PrimaryForKey(t, "redistest:key") {
				continue // the helpers' key must land elsewhere too
			}
			p.RewriteErrKilledChild(t)
			wantFields(t, p.Info(t), map[string]string{"aof_enabled": "1", "aof_last_bgrewrite_status": "err"})
			key, err := p.slotKey("redistest:key")
			if err != nil {
				t.Fatal(err)
			}
			if err := p.Client(t).Get(ctx(t), key).Err(); err != nil {
				t.Errorf("GET %s on %s: %v", key, p.Addr, err)
			}
			break
		}
		// slotKey gives every primary a key it takes (for the state
		// helpers' own writes), and none to a replica.
		for _, p := range primaries {
			key, err := p.slotKey("redistest:key")
			if err != nil {
				t.Fatal(err)
			}
			if err := p.Client(t).Set(ctx(t), key, "1", 0).Err(); err != nil {
				t.Errorf("SET %s on %s: %v", key, p.Addr, err)
			}
			if slot, err := p.Client(t).ClusterKeySlot(ctx(t), key).Result(); err != nil || int(slot) != keySlot(key) {
				t.Errorf("CLUSTER KEYSLOT %s = %d (%v), keySlot %d", key, slot, err, keySlot(key))
			}
		}
		// keySlot agrees with the server on the hash tag's corner cases.
		for _, key := range []string{"{}x", "a{b}{c}", "{{x}}", "x{", "x}{y}", "{user1000}.following"} {
			slot, err := c.Nodes[0].Client(t).ClusterKeySlot(ctx(t), key).Result()
			if err != nil || int(slot) != keySlot(key) {
				t.Errorf("CLUSTER KEYSLOT %s = %d (%v), keySlot %d", key, slot, err, keySlot(key))
			}
		}
		if key, err := replicas[0].slotKey("redistest:key"); err == nil {
			t.Errorf("slotKey on replica %s = %q, want an error", replicas[0].Addr, key)
		}

		// A replica has rewritten once already, after its initial sync.
		r := replicas[0]
		before := field(r.Info(t), "aof_rewrites")
		r.RewriteOK(t)
		if after := field(r.Info(t), "aof_rewrites"); after != before+1 {
			t.Errorf("replica aof_rewrites %d -> %d after RewriteOK", before, after)
		}

		// AddNode joins an empty primary that every node then knows.
		start = time.Now()
		added := c.AddNode(t)
		t.Logf("node added in %v", time.Since(start).Round(time.Millisecond))
		pids = append(pids, added.Pid)
		if len(c.Nodes) != 7 || c.Nodes[6] != added {
			t.Fatalf("Nodes after AddNode: %d", len(c.Nodes))
		}
		for _, s := range c.Nodes {
			txt, err := s.Client(t).ClusterInfo(ctx(t)).Result()
			if err != nil {
				t.Fatal(err)
			}
			wantFields(t, parseInfo(txt), map[string]string{
				"cluster_state": "ok", "cluster_known_nodes": "7", "cluster_size": "3",
			})
		}
		if ps := c.Primaries(t); len(ps) != 4 || !slices.Contains(ps, added) {
			t.Errorf("%d primaries after AddNode, added among them: %v", len(ps), slices.Contains(ps, added))
		}
		if sh := c.ShardOf(t, added); sh.Primary != added || len(sh.Slots) != 0 || len(sh.Replicas) != 0 {
			t.Errorf("ShardOf(added) = %+v, want it alone without slots", sh)
		}
	})
	wantReaped(t, pids, 7, "cleanup")
}

func TestClusterFailover(t *testing.T) {
	t.Parallel()
	c := StartCluster(t, ClusterOptions{ReplicasPerPrimary: 1, Password: "s3cret"})
	if len(c.Nodes) != 6 {
		t.Fatalf("zero Primaries: %d nodes, want 3 primaries with a replica each", len(c.Nodes))
	}
	o := c.Nodes[0].ClientOptions()
	o.Password = ""
	noPass := redis.NewClient(o)
	defer noPass.Close()
	if err := noPass.Ping(ctx(t)).Err(); err == nil || !strings.Contains(err.Error(), "NOAUTH") {
		t.Errorf("PING without password: %v, want NOAUTH", err)
	}

	replica := c.Replicas(t)[0]
	before := c.ShardOf(t, replica)
	old := before.Primary
	cc := c.Client(t)
	key := keyInShard(t, replica, before)
	if err := cc.Set(ctx(t), key, "before", 0).Err(); err != nil {
		t.Fatal(err)
	}

	start := time.Now()
	c.Failover(t, replica)
	t.Logf("failover %s -> %s took %v", old.Addr, replica.Addr, time.Since(start).Round(time.Millisecond))

	wantFields(t, replOf(t, replica), map[string]string{"role": "master", "connected_slaves": "1"})
	// The old primary had to authenticate (masterauth) to sync again.
	wantFields(t, replOf(t, old), map[string]string{
		"role": "slave", "master_port": port(replica), "master_link_status": "up",
	})
	if ps, rs := c.Primaries(t), c.Replicas(t); len(ps) != 3 || len(rs) != 3 ||
		!slices.Contains(ps, replica) || !slices.Contains(rs, old) {
		t.Errorf("after failover primaries %d, replicas %d; promoted in primaries %v, old in replicas %v",
			len(ps), len(rs), slices.Contains(ps, replica), slices.Contains(rs, old))
	}
	// Both see the new owner of the same slots (waitConverged made sure
	// every node's CLUSTER NODES agrees).
	for _, s := range []*Server{old, replica} {
		after := c.ShardOf(t, s)
		if after.Primary != replica || len(after.Replicas) != 1 || after.Replicas[0] != old ||
			!slices.Equal(after.Slots, before.Slots) {
			t.Errorf("%s sees the shard as %+v, want primary %s, replica %s, slots %v",
				s.Addr, after, replica.Addr, old.Addr, before.Slots)
		}
	}
	if got, err := replica.Client(t).Get(ctx(t), key).Result(); err != nil || got != "before" {
		t.Errorf("GET %s on the promoted replica: %q, %v", key, got, err)
	}
	if err := cc.Set(ctx(t), key, "after", 0).Err(); err != nil {
		t.Errorf("cluster SET after failover: %v", err)
	}

	// And back: the helper is repeatable.
	c.Failover(t, old)
	wantFields(t, replOf(t, old), map[string]string{"role": "master"})
	wantFields(t, replOf(t, replica), map[string]string{"role": "slave", "master_port": port(old)})
	if got, err := cc.Get(ctx(t), key).Result(); err != nil || got != "after" {
		t.Errorf("cluster GET after failing back: %q, %v", got, err)
	}
}

func TestClusterView(t *testing.T) {
	const nodes = `e7d1 127.0.0.1:30004@40004 slave 67ed 0 1426238317239 4 connected
67ed 127.0.0.1:30002@40002 master - 0 1426238316232 2 connected 5461-10922 [5461->-e7d1]
292f 127.0.0.1:30003@40003 myself,master - 0 0 3 connected 0-5460 10923-16383
`
	view, role, err := clusterView(nodes)
	if err != nil || role != "master" {
		t.Fatalf("clusterView: role %q, err %v", role, err)
	}
	want := "292f 127.0.0.1:30003@40003 master - 0-5460 10923-16383\n" +
		"67ed 127.0.0.1:30002@40002 master - 5461-10922\n" +
		"e7d1 127.0.0.1:30004@40004 slave 67ed"
	if view != want {
		t.Errorf("view\n%s\nwant\n%s", view, want)
	}
	for _, bad := range []string{
		strings.Replace(nodes, "slave 67ed", "slave,fail? 67ed", 1),
		strings.Replace(nodes, "slave 67ed", "handshake 67ed", 1),
		strings.Replace(nodes, "4 connected", "4 disconnected", 1),
	} {
		if _, _, err := clusterView(bad); err == nil {
			t.Errorf("clusterView accepted\n%s", bad)
		}
	}
}

func TestKeySlot(t *testing.T) {
	// Values from the CLUSTER KEYSLOT documentation and the cluster spec.
	for key, want := range map[string]int{
		"somekey":       11058,
		"foo{hash_tag}": 2515,
		"{hash_tag}bar": 2515,
		"123456789":     0x31C3, // the CRC16 check value
	} {
		if got := keySlot(key); got != want {
			t.Errorf("keySlot(%q) = %d, want %d", key, got, want)
		}
	}
	if key, err := (&Server{}).slotKey("redistest:key"); err != nil || key != "redistest:key" {
		t.Errorf("slotKey without cluster mode = %q, %v", key, err)
	}
}
