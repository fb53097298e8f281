package node

import (
	"context"
	"fmt"
	"io"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/persistwatch/redis-persistence-datasource/internal/resptest"
	"github.com/persistwatch/redis-persistence-datasource/pkg/nodeinfo"
	"github.com/persistwatch/redis-persistence-datasource/pkg/settings"
)

// longClusterMembers is how many members the scripted seed announces: their topology is several
// times the connection's read buffer.
const longClusterMembers = 200

func memberAddress(i int) string { return fmt.Sprintf("10.%d.%d.%d:6379", i/65536, i/256%256, i%256) }

// clusterShardsReply is CLUSTER SHARDS (Redis 7, RESP2) with one primary per shard.
func clusterShardsReply() string {
	var b strings.Builder
	resp := func(s string) { fmt.Fprintf(&b, "$%d\r\n%s\r\n", len(s), s) }
	fmt.Fprintf(&b, "*%d\r\n", longClusterMembers)
	for i := range longClusterMembers {
		host, _, _ := strings.Cut(memberAddress(i), ":")
		b.WriteString("*4\r\n")
		resp("slots")
		fmt.Fprintf(&b, "*2\r\n:%d\r\n:%d\r\n", i*80, i*80+79)
		resp("nodes")
		b.WriteString("*1\r\n*14\r\n")
		resp("id")
		resp(fmt.Sprintf("%040d", i))
		resp("port")
		b.WriteString(":6379\r\n")
		resp("ip")
		resp(host)
		resp("endpoint")
		resp(host)
		resp("role")
		resp("master")
		resp("replication-offset")
		b.WriteString(":0\r\n")
		resp("health")
		resp("online")
	}
	return b.String()
}

// clusterNodesText is CLUSTER NODES (before Redis 7.0) for the same members.
func clusterNodesText() string {
	var b strings.Builder
	for i := range longClusterMembers {
		fmt.Fprintf(&b, "%040d %s@16379 master - 0 0 %d connected %d-%d\n", i, memberAddress(i), i+1, i*80, i*80+79)
	}
	return b.String()
}

// A cluster's topology can be many times longer than a connection's read buffer: every member is
// found, from CLUSTER SHARDS and, on a server that does not know it, from CLUSTER NODES.
func TestDiscoveryRepliesLongerThanTheReadBufferAreReadWhole(t *testing.T) {
	var legacyAsked atomic.Int32
	for name, reply := range map[string]resptest.Reply{
		"CLUSTER SHARDS": resptest.Raw(clusterShardsReply()),
		"CLUSTER NODES": func(w io.Writer) error {
			if legacyAsked.Add(1) == 1 {
				return resptest.Raw("-ERR unknown subcommand 'SHARDS'. Try CLUSTER HELP.\r\n")(w)
			}
			return resptest.Bulk(clusterNodesText())(w)
		},
	} {
		t.Run(name, func(t *testing.T) {
			seed := resptest.Start(t, resptest.Script{"CLUSTER": reply})
			pool := NewPool(settings.Settings{Discovery: settings.DiscoveryCluster, DiscoveryInterval: time.Minute,
				Nodes:          []nodeinfo.Node{{Name: "seed", Address: seed.Addr, Network: "tcp", Dial: seed.Addr}},
				ConnectTimeout: 5 * time.Second, ReadTimeout: 5 * time.Second, MaxConcurrency: 1})
			t.Cleanup(func() { pool.Close() })
			selection, err := pool.Select(context.Background(), nil)
			if err != nil {
				t.Fatal(err)
			}
			nodes := selection.topology.Nodes
			if len(nodes) != longClusterMembers || len(selection.Problems()) != 0 {
				t.Fatalf("found %d members, problems %v; want all %d", len(nodes), selection.Problems(), longClusterMembers)
			}
			last := longClusterMembers - 1
			if name == "CLUSTER NODES" && legacyAsked.Load() < 2 {
				t.Errorf("CLUSTER was asked %d times: the members did not come from CLUSTER NODES", legacyAsked.Load())
			}
			if n := nodes[last]; n.Address != memberAddress(last) || n.Shard != fmt.Sprintf("%d-%d", last*80, last*80+79) {
				t.Errorf("the last member, announced past the read buffer, is %+v", n)
			}
		})
	}
}
