package node

import (
	"context"
	"sort"
	"strconv"
	"strings"

	"github.com/persistwatch/redis-persistence-datasource/pkg/nodeinfo"
	"github.com/persistwatch/redis-persistence-datasource/pkg/settings"
)

// discoverer finds the nodes to read.
type discoverer interface {
	// discover returns the nodes, or nil when no source answered; problems name each source that
	// failed. known is the last topology, nil on first use.
	discover(ctx context.Context, known *Topology) ([]nodeinfo.Node, []nodeinfo.Problem)
	// dynamic says whether the nodes can change while the data source runs.
	dynamic() bool
	close() error
}

func newDiscoverer(p *Pool) discoverer {
	switch p.settings.Discovery {
	case settings.DiscoveryCluster:
		return &clusterDiscovery{pool: p}
	case settings.DiscoverySentinel:
		return newSentinelDiscovery(p)
	}
	return staticNodes(p.settings.Nodes)
}

// staticNodes are the configured nodes, as they are.
type staticNodes []nodeinfo.Node

func (s staticNodes) discover(context.Context, *Topology) ([]nodeinfo.Node, []nodeinfo.Problem) {
	return s, nil
}
func (staticNodes) dynamic() bool { return false }
func (staticNodes) close() error  { return nil }

// askWithin bounds one question to a discovery source by the node timeout.
func (p *Pool) askWithin(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, p.timeout)
}

// sortNodes orders discovered nodes by group, then address, so that a failover changes labels
// but not the order of rows and repeated panels.
func sortNodes(nodes []nodeinfo.Node) {
	sort.SliceStable(nodes, func(i, j int) bool {
		a, b := nodes[i], nodes[j]
		if a.MasterName != b.MasterName {
			return a.MasterName < b.MasterName
		}
		if a.Shard != b.Shard {
			return firstSlot(a.Shard) < firstSlot(b.Shard)
		}
		return a.Address < b.Address
	})
}

// firstSlot is the first slot of a shard label such as "5461-10922"; shards without slots last.
func firstSlot(shard string) int {
	end := strings.IndexAny(shard, "-,")
	if end < 0 {
		end = len(shard)
	}
	slot, err := strconv.Atoi(shard[:end])
	if err != nil {
		return 1 << 30
	}
	return slot
}
