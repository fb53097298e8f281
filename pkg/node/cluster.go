package node

import (
	"context"
	"errors"
	"net"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/persistwatch/redis-persistence-datasource/pkg/nodeinfo"
	"github.com/redis/go-redis/v9"
)

// clusterDiscovery finds every primary and replica of a Redis Cluster. It asks the nodes already
// known first, over the connections the reads use, so a steady cluster costs no extra
// connection; the seeds are only for the first discovery and for when no known node answers.
type clusterDiscovery struct {
	pool *Pool
	// legacy is set once a node rejects CLUSTER SHARDS (before 7.0): CLUSTER NODES from then on.
	legacy atomic.Bool
}

func (d *clusterDiscovery) dynamic() bool { return true }
func (d *clusterDiscovery) close() error  { return nil }

func (d *clusterDiscovery) discover(ctx context.Context, known *Topology) ([]nodeinfo.Node, []nodeinfo.Problem) {
	var problems []nodeinfo.Problem
	for _, source := range d.sources(known) {
		nodes, err := d.ask(ctx, source)
		if err == nil {
			return nodes, problems
		}
		problems = append(problems, nodeinfo.Problem{Source: d.describe(source), Err: Classify(err)})
	}
	return nil, problems
}

// knownSourcesTried bounds how many known nodes are asked before the seeds: when a whole
// cluster moved (pods rescheduled), each dead address costs a timeout.
const knownSourcesTried = 3

// sources lists whom to ask: a few known nodes, primaries first, then the configured seeds.
func (d *clusterDiscovery) sources(known *Topology) []nodeinfo.Node {
	var primaries, others []nodeinfo.Node
	if known != nil {
		for _, n := range known.Nodes {
			if n.Role == nodeinfo.RolePrimary {
				primaries = append(primaries, n)
			} else {
				others = append(others, n)
			}
		}
	}
	sources := append(primaries, others...)
	sources = sources[:min(knownSourcesTried, len(sources))]
	asked := map[string]bool{}
	for _, n := range sources {
		asked[n.Dial] = true
	}
	for _, seed := range d.pool.settings.Nodes {
		if !asked[seed.Dial] {
			sources = append(sources, seed)
		}
	}
	return sources
}

func (d *clusterDiscovery) describe(source nodeinfo.Node) string {
	for _, seed := range d.pool.settings.Nodes {
		if seed.Dial == source.Dial {
			return "cluster seed " + seed.Address
		}
	}
	return "cluster node " + source.Address
}

func (d *clusterDiscovery) ask(ctx context.Context, source nodeinfo.Node) (nodes []nodeinfo.Node, err error) {
	c := d.pool.lockedClientFor(source)
	if c == nil {
		return nil, redis.ErrClosed
	}
	ctx, cancel := d.pool.askWithin(ctx)
	defer cancel()
	if failure := c.guarded(func() { nodes, err = d.askClient(ctx, c) }); failure != nil {
		return nil, failure
	}
	return nodes, err
}

func (d *clusterDiscovery) askClient(ctx context.Context, c *client) ([]nodeinfo.Node, error) {
	if !d.legacy.Load() {
		shards, err := c.redis().ClusterShards(ctx).Result()
		if err == nil {
			return d.fromShards(shards), nil
		}
		if !isUnknownSubcommand(err) {
			return nil, err
		}
		d.legacy.Store(true)
	}
	text, err := c.redis().ClusterNodes(ctx).Result()
	if err != nil {
		return nil, err
	}
	return d.fromClusterNodes(text), nil
}

func (d *clusterDiscovery) fromShards(shards []redis.ClusterShard) []nodeinfo.Node {
	var nodes []nodeinfo.Node
	for _, shard := range shards {
		label := shardLabel(shard.Slots)
		for _, member := range shard.Nodes {
			host := member.Endpoint
			if host == "" || host == "?" {
				host = member.IP
			}
			port, tlsOnly := member.Port, false
			switch {
			case d.tlsOn() && member.TLSPort > 0:
				port = member.TLSPort
			case port == 0 && member.TLSPort > 0:
				port, tlsOnly = member.TLSPort, true // dialled with TLS: never AUTH in clear to a TLS port
			}
			if host == "" || port == 0 {
				continue // no address announced yet (handshake)
			}
			n := d.node(net.JoinHostPort(host, strconv.FormatInt(port, 10)), nodeinfo.RoleOf(member.Role), label)
			n.TLS = n.TLS || tlsOnly
			nodes = append(nodes, n)
		}
	}
	sortNodes(nodes)
	return nodes
}

// fromClusterNodes reads CLUSTER NODES (Redis before 7.0): one line per node,
// "<id> <ip:port@cport[,hostname]> <flags> <primary id or -> <ping> <pong> <epoch> <link> <slots...>".
func (d *clusterDiscovery) fromClusterNodes(text string) []nodeinfo.Node {
	type line struct {
		address, primaryID string
		role               nodeinfo.Role
	}
	lines := map[string]line{}
	slotsOf := map[string]string{}
	var order []string
	for _, raw := range strings.Split(text, "\n") {
		fields := strings.Fields(raw)
		if len(fields) < 8 || strings.Contains(fields[2], "noaddr") || strings.Contains(fields[2], "handshake") {
			continue
		}
		hostPort, _, _ := strings.Cut(fields[1], "@")
		colon := strings.LastIndexByte(hostPort, ':') // IPv6 hosts are printed without brackets
		if colon <= 0 {
			continue
		}
		address := net.JoinHostPort(hostPort[:colon], hostPort[colon+1:])
		role := nodeinfo.RoleReplica
		if strings.Contains(fields[2], "master") {
			role = nodeinfo.RolePrimary
			var ranges []string
			for _, slot := range fields[8:] {
				if !strings.HasPrefix(slot, "[") { // "[slot->-id]" is a migration, not ownership
					ranges = append(ranges, slot)
				}
			}
			slotsOf[fields[0]] = joinedOrNone(ranges)
		}
		lines[fields[0]] = line{address: address, role: role, primaryID: fields[3]}
		order = append(order, fields[0])
	}
	var nodes []nodeinfo.Node
	for _, id := range order {
		l := lines[id]
		shardOf := id
		if l.role == nodeinfo.RoleReplica {
			shardOf = l.primaryID
		}
		label, ok := slotsOf[shardOf]
		if !ok {
			label = noSlots
		}
		nodes = append(nodes, d.node(l.address, l.role, label))
	}
	sortNodes(nodes)
	return nodes
}

func (d *clusterDiscovery) tlsOn() bool {
	return d.pool.settings.TLS.Enabled || d.pool.settings.SeedsUseTLS()
}

func (d *clusterDiscovery) node(announced string, role nodeinfo.Role, shard string) nodeinfo.Node {
	n := d.pool.settings.Discovered(announced)
	n.Role, n.Shard = role, shard
	return n
}

const noSlots = "no slots"

// shardLabel names a shard by the slots it serves, which a failover does not change.
func shardLabel(slots []redis.SlotRange) string {
	ranges := make([]string, len(slots))
	for i, r := range slots {
		ranges[i] = strconv.FormatInt(r.Start, 10)
		if r.End != r.Start {
			ranges[i] += "-" + strconv.FormatInt(r.End, 10)
		}
	}
	return joinedOrNone(ranges)
}

func joinedOrNone(ranges []string) string {
	if len(ranges) == 0 {
		return noSlots
	}
	return strings.Join(ranges, ",")
}

func isUnknownSubcommand(err error) bool {
	var reply redis.Error
	return errors.As(err, &reply) && strings.Contains(strings.ToLower(reply.Error()), "unknown subcommand")
}
