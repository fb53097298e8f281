package node

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"

	"github.com/persistwatch/redis-persistence-datasource/pkg/nodeinfo"
	"github.com/redis/go-redis/v9"
)

// sentinelDiscovery finds the masters the sentinels monitor and their replicas. It keeps one
// connection per sentinel, with the sentinels' own credentials, and asks them in the configured
// order until one answers.
type sentinelDiscovery struct {
	pool      *Pool
	sentinels []*client
}

func newSentinelDiscovery(p *Pool) *sentinelDiscovery {
	withSentinelCredentials := p.settings
	withSentinelCredentials.Username = p.settings.SentinelUsername
	withSentinelCredentials.Password = p.settings.SentinelPassword
	d := &sentinelDiscovery{pool: p}
	for _, n := range p.settings.Nodes {
		d.sentinels = append(d.sentinels, newClient(func() *redis.Options { return clientOptions(withSentinelCredentials, n, p.timeout) }, 0))
	}
	return d
}

func (d *sentinelDiscovery) dynamic() bool { return true }

func (d *sentinelDiscovery) close() error {
	var errs []error
	for _, s := range d.sentinels {
		errs = append(errs, s.close())
	}
	return errors.Join(errs...)
}

func (d *sentinelDiscovery) discover(ctx context.Context, _ *Topology) ([]nodeinfo.Node, []nodeinfo.Problem) {
	var problems []nodeinfo.Problem
	var partial []nodeinfo.Node
	for i, sentinel := range d.sentinels {
		source := "sentinel " + d.pool.settings.Nodes[i].Address
		nodes, unknownMasters, err := d.ask(ctx, sentinel)
		if err != nil {
			problems = append(problems, nodeinfo.Problem{Source: source, Err: Classify(err)})
			continue
		}
		for _, name := range unknownMasters {
			problems = append(problems, nodeinfo.Problem{Source: source, Err: &nodeinfo.Failure{Kind: nodeinfo.KindRedis,
				Detail: fmt.Sprintf("monitors no master named %q; check sentinelMasters against SENTINEL MASTERS", name)}})
		}
		if len(nodes) == 0 && len(unknownMasters) == 0 {
			problems = append(problems, nodeinfo.Problem{Source: source, Err: &nodeinfo.Failure{Kind: nodeinfo.KindRedis,
				Detail: "answers SENTINEL MASTERS with no master; check that this address is a sentinel (usually port 26379) of the group you want watched"}})
		}
		if len(nodes) > 0 && len(unknownMasters) == 0 {
			return nodes, problems
		}
		// A sentinel that knows fewer masters than asked for: the next one may know them all.
		if len(nodes) > len(partial) {
			partial = nodes
		}
	}
	return partial, problems
}

// ask reads the masters (all, or the configured names) and each master's replicas from one
// sentinel. unknownMasters are configured names this sentinel does not monitor.
func (d *sentinelDiscovery) ask(ctx context.Context, sentinel *client) (nodes []nodeinfo.Node, unknownMasters []string, err error) {
	ctx, cancel := d.pool.askWithin(ctx)
	defer cancel()
	if failure := sentinel.guarded(func() { nodes, unknownMasters, err = d.askClient(ctx, sentinel.redis()) }); failure != nil {
		return nil, nil, failure
	}
	return nodes, unknownMasters, err
}

func (d *sentinelDiscovery) askClient(ctx context.Context, sentinel *redis.Client) (nodes []nodeinfo.Node, unknownMasters []string, err error) {
	masters, unknownMasters, err := d.masters(ctx, sentinel)
	if err != nil {
		return nil, nil, err
	}
	for _, master := range masters {
		name := master["name"]
		replicas := redis.NewMapStringStringSliceCmd(ctx, "sentinel", "replicas", name)
		if err := sentinel.Process(ctx, replicas); err != nil {
			return nil, nil, err
		}
		nodes = append(nodes, d.node(master, nodeinfo.RolePrimary, name))
		for _, replica := range replicas.Val() {
			nodes = append(nodes, d.node(replica, nodeinfo.RoleReplica, name))
		}
	}
	sortNodes(nodes)
	return nodes, unknownMasters, nil
}

func (d *sentinelDiscovery) masters(ctx context.Context, sentinel *redis.Client) ([]map[string]string, []string, error) {
	if len(d.pool.settings.SentinelMasters) == 0 {
		all := redis.NewMapStringStringSliceCmd(ctx, "sentinel", "masters")
		err := sentinel.Process(ctx, all)
		return all.Val(), nil, err
	}
	var masters []map[string]string
	var unknown []string
	for _, name := range d.pool.settings.SentinelMasters {
		master := redis.NewMapStringStringCmd(ctx, "sentinel", "master", name)
		err := sentinel.Process(ctx, master)
		switch {
		case isNoSuchMaster(err):
			unknown = append(unknown, name)
		case err != nil:
			return nil, nil, err
		default:
			masters = append(masters, master.Val())
		}
	}
	return masters, unknown, nil
}

func (d *sentinelDiscovery) node(fields map[string]string, role nodeinfo.Role, masterName string) nodeinfo.Node {
	n := d.pool.settings.Discovered(net.JoinHostPort(fields["ip"], fields["port"]))
	n.Role, n.MasterName = role, masterName
	return n
}

func isNoSuchMaster(err error) bool {
	var reply redis.Error
	return errors.As(err, &reply) && strings.Contains(strings.ToLower(reply.Error()), "no such master")
}
