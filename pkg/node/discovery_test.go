package node

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/persistwatch/redis-persistence-datasource/pkg/nodeinfo"
	"github.com/persistwatch/redis-persistence-datasource/pkg/settings"
)

func clusterWith(s settings.Settings) *clusterDiscovery {
	s.Discovery = settings.DiscoveryCluster
	return &clusterDiscovery{pool: &Pool{settings: s}}
}

func describe(nodes []nodeinfo.Node) string {
	lines := make([]string, len(nodes))
	for i, n := range nodes {
		lines[i] = n.Address + " dial=" + n.Dial + " " + string(n.Role) + " [" + n.Shard + "]"
	}
	return strings.Join(lines, "\n")
}

// A Redis 6.2 CLUSTER NODES reply: a replica listed before its primary, a slot being migrated,
// a node still in handshake and a failed replica, which stays listed so its card says so.
const clusterNodes62 = `07c37dfeb235213a872192d90877d0cd55635b91 10.0.0.4:6379@16379 slave e7d1eecce10fd6bb5eb35b9f99a514335d9ba9ca 0 1426238317239 4 connected
67ed2db8d677e59ec4a4cefb06858cf2a1a89fa1 10.0.0.2:6379@16379 master - 0 1426238316232 2 connected 5461-10922 [5460-<-292f8b365bb7edb5e285caf0b7e6ddc7265d2f4f]
292f8b365bb7edb5e285caf0b7e6ddc7265d2f4f 10.0.0.3:6379@16379 master - 0 1426238318243 3 connected 10923-16383
6ec23923021cf3ffec47632106199cb7f496ce01 10.0.0.5:6379@16379 slave,fail 67ed2db8d677e59ec4a4cefb06858cf2a1a89fa1 0 1426238316232 5 connected
824fe116063bc5fcf9f4ffd895bc17aee7731ac3 10.0.0.6:6379@16379 slave 292f8b365bb7edb5e285caf0b7e6ddc7265d2f4f 0 1426238317741 6 connected
e7d1eecce10fd6bb5eb35b9f99a514335d9ba9ca 10.0.0.1:6379@16379,cache-a myself,master - 0 0 1 connected 0-5460
aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa :0@0 handshake,noaddr - 0 0 0 connected
`

func TestClusterNodesBeforeSevenGroupsReplicasWithTheirPrimarysSlots(t *testing.T) {
	d := clusterWith(settings.Settings{AddressMap: map[string]string{"10.0.0.1:6379": "cache-a.example:16379"}})
	want := `10.0.0.1:6379 dial=cache-a.example:16379 primary [0-5460]
10.0.0.4:6379 dial=10.0.0.4:6379 replica [0-5460]
10.0.0.2:6379 dial=10.0.0.2:6379 primary [5461-10922]
10.0.0.5:6379 dial=10.0.0.5:6379 replica [5461-10922]
10.0.0.3:6379 dial=10.0.0.3:6379 primary [10923-16383]
10.0.0.6:6379 dial=10.0.0.6:6379 replica [10923-16383]`
	if got := describe(d.fromClusterNodes(clusterNodes62)); got != want {
		t.Fatalf("got\n%s\nwant\n%s", got, want)
	}
}

func TestClusterShardsUseTheAnnouncedEndpointAndTheTLSPortWhenTLSIsOn(t *testing.T) {
	shards := []redis.ClusterShard{
		{Slots: []redis.SlotRange{{Start: 8192, End: 16383}}, Nodes: []redis.Node{
			{Endpoint: "redis-b.internal", IP: "10.0.0.2", Port: 6379, TLSPort: 6380, Role: "master"},
		}},
		{Slots: []redis.SlotRange{{Start: 0, End: 8190}, {Start: 8191, End: 8191}}, Nodes: []redis.Node{
			{Endpoint: "?", IP: "10.0.0.3", Port: 6379, TLSPort: 6380, Role: "replica"},
			{Endpoint: "10.0.0.1", IP: "10.0.0.1", Port: 6379, TLSPort: 6380, Role: "master"},
			{Endpoint: "", IP: "", Port: 0, Role: "replica"}, // still in handshake
		}},
	}
	plain := `10.0.0.1:6379 dial=10.0.0.1:6379 primary [0-8190,8191]
10.0.0.3:6379 dial=10.0.0.3:6379 replica [0-8190,8191]
redis-b.internal:6379 dial=redis-b.internal:6379 primary [8192-16383]`
	if got := describe(clusterWith(settings.Settings{}).fromShards(shards)); got != plain {
		t.Fatalf("got\n%s\nwant\n%s", got, plain)
	}
	withTLS := clusterWith(settings.Settings{TLS: settings.TLS{Enabled: true}}).fromShards(shards)
	if withTLS[0].Address != "10.0.0.1:6380" {
		t.Fatalf("with TLS on, the TLS port is dialled: %s", describe(withTLS))
	}
}

func TestDiscoveredNodesNeverGetThePasswordInClear(t *testing.T) {
	tlsOnly := []redis.ClusterShard{{Slots: []redis.SlotRange{{Start: 0, End: 16383}}, Nodes: []redis.Node{
		{IP: "10.0.0.1", Port: 0, TLSPort: 6380, Role: "master"},
	}}}
	if n := clusterWith(settings.Settings{}).fromShards(tlsOnly)[0]; n.Address != "10.0.0.1:6380" || !n.TLS {
		t.Fatalf("a member with only a TLS port must be dialled with TLS: %+v", n)
	}
	seeds := settings.Settings{Nodes: []nodeinfo.Node{{Address: "rediss://seed:6379", Dial: "seed:6379", Network: "tcp", TLS: true}}}
	plain := []redis.ClusterShard{{Slots: []redis.SlotRange{{Start: 0, End: 16383}}, Nodes: []redis.Node{
		{IP: "10.0.0.2", Port: 6379, Role: "master"},
	}}}
	if n := clusterWith(seeds).fromShards(plain)[0]; !n.TLS {
		t.Fatalf("a rediss:// seed means TLS for every discovered node: %+v", n)
	}
}

func TestClusterNodesWithIPv6Addresses(t *testing.T) {
	text := "e7d1eecce10fd6bb5eb35b9f99a514335d9ba9ca 2001:db8::1:30001@31001 myself,master - 0 0 1 connected 0-16383\n"
	if got := describe(clusterWith(settings.Settings{}).fromClusterNodes(text)); got != "[2001:db8::1]:30001 dial=[2001:db8::1]:30001 primary [0-16383]" {
		t.Fatalf("got %q", got)
	}
}

func TestAFilterBeforeAnyNodeIsDiscoveredSaysWhy(t *testing.T) {
	pool := NewPool(settings.Settings{Discovery: settings.DiscoveryCluster, DiscoveryInterval: time.Minute,
		Nodes:          []nodeinfo.Node{{Name: "seed", Address: "127.0.0.1:1", Network: "tcp", Dial: "127.0.0.1:1"}},
		ConnectTimeout: time.Second, ReadTimeout: time.Second, MaxConcurrency: 1})
	t.Cleanup(func() { pool.Close() })
	_, err := pool.Select(context.Background(), []string{"10.0.0.1:6379"})
	if err == nil || !strings.Contains(err.Error(), "discovery has found no node yet") || !strings.Contains(err.Error(), "cluster seed 127.0.0.1:1: refused") {
		t.Fatalf("err = %v", err)
	}
}

// What seeds and sentinels announce is bounded like any reply: an oversized address or a node
// past the count is left out and reported, the rest is kept.
func TestDiscoveredNodesAreBounded(t *testing.T) {
	found := []nodeinfo.Node{{Name: "a", Address: "10.0.0.1:6379"}, {Name: "b", Address: strings.Repeat("h", 300) + ":6379"}}
	for i := range maxDiscoveredNodes {
		found = append(found, nodeinfo.Node{Name: fmt.Sprint("n", i), Address: fmt.Sprintf("10.1.%d.%d:6379", i/256, i%256)})
	}
	kept, problem := boundDiscovered(found)
	if len(kept) != maxDiscoveredNodes || kept[0].Name != "a" || problem == nil || !strings.Contains(problem.Err.Detail, "2 announced nodes left out") {
		t.Fatalf("kept %d nodes, problem %+v; want %d kept and 2 reported", len(kept), problem, maxDiscoveredNodes)
	}
	if kept, problem := boundDiscovered(found[:1]); len(kept) != 1 || problem != nil {
		t.Errorf("a small topology was changed: %v, %+v", kept, problem)
	}
}
