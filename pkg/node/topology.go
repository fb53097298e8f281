package node

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/persistwatch/redis-persistence-datasource/pkg/nodeinfo"
)

// Topology is the set of nodes at one point in time, with what went wrong finding them.
type Topology struct {
	Nodes []nodeinfo.Node
	// Problems are discovery failures; the nodes known before them are kept.
	Problems     []nodeinfo.Problem
	clients      []*client
	discoveredAt time.Time
	unresolved   bool // no discovery source answered
}

// failedDiscoveryRetry is how soon a discovery that no source answered is tried again.
const failedDiscoveryRetry = time.Second

// lockedClientFor is clientFor for discovery, which runs outside refreshMu. It returns nil once
// the pool is closed.
func (p *Pool) lockedClientFor(n nodeinfo.Node) *client {
	p.refreshMu.Lock()
	defer p.refreshMu.Unlock()
	if p.closed {
		return nil
	}
	return p.clientFor(n)
}

// clientFor returns the node's client, creating it on first use. Callers hold refreshMu.
func (p *Pool) clientFor(n nodeinfo.Node) *client {
	key := n.Network + " " + n.Dial + " tls=" + strconv.FormatBool(n.TLS)
	if c, ok := p.clients[key]; ok {
		return c
	}
	c := newClient(func() *redis.Options { return clientOptions(p.settings, n, p.timeout) }, p.window)
	p.clients[key] = c
	return c
}

// Topology returns the current nodes. The first call discovers them and waits; later calls
// return the nodes already known and, when a discovery is due, start one in the background, so
// that a slow or dead seed never delays a query.
func (p *Pool) Topology(ctx context.Context) *Topology {
	known := p.current.Load()
	if known != nil && !p.due(known) {
		return known
	}
	p.refreshMu.Lock()
	running := p.refreshing
	switch {
	case p.closed:
		p.refreshMu.Unlock()
		return orEmpty(known)
	case running == nil:
		running = make(chan struct{})
		p.refreshing = running
		go p.refresh(context.WithoutCancel(ctx), known, running)
	}
	p.refreshMu.Unlock()
	if known != nil {
		return known
	}
	select {
	case <-running:
		return orEmpty(p.current.Load())
	case <-ctx.Done():
		return &Topology{Problems: []nodeinfo.Problem{{Source: "discovery", Err: Classify(ctx.Err())}}, unresolved: true}
	}
}

func orEmpty(t *Topology) *Topology {
	if t == nil {
		return &Topology{}
	}
	return t
}

// refresh runs one discovery and makes its result current. A discovery that panics is a
// problem of the discovery like any other, and still ends the refresh.
func (p *Pool) refresh(ctx context.Context, known *Topology, done chan struct{}) {
	var found []nodeinfo.Node
	var problems []nodeinfo.Problem
	func() {
		defer func() {
			if cause := recover(); cause != nil {
				found, problems = nil, []nodeinfo.Problem{{Source: "discovery", Err: nodeinfo.Recovered(cause)}}
			}
		}()
		found, problems = p.discoverer.discover(ctx, known)
	}()
	if found != nil {
		var problem *nodeinfo.Problem
		if found, problem = boundDiscovered(found); problem != nil {
			problems = append(problems, *problem)
		}
	}
	next := &Topology{Nodes: found, Problems: problems, discoveredAt: time.Now(), unresolved: found == nil}
	if found == nil && known != nil {
		next.Nodes = known.Nodes // a failed discovery never hides the nodes already known
	}
	p.refreshMu.Lock()
	defer p.refreshMu.Unlock()
	if !p.closed {
		p.adopt(next)
		p.current.Store(next)
	}
	p.refreshing = nil
	close(done)
}

// Discovery takes its node list from what the seeds and sentinels announce, so it is bounded like
// any other reply: names and addresses no longer than a host name and port can be, and no more
// nodes than one data source is meant to watch (a larger fleet wants a data source per cluster).
const (
	maxDiscoveredNodes  = 10000
	maxDiscoveredLength = 255 + len(":65535")
)

// boundDiscovered drops announced nodes past those bounds, and says so.
func boundDiscovered(found []nodeinfo.Node) ([]nodeinfo.Node, *nodeinfo.Problem) {
	kept := found[:0:0]
	dropped := 0
	for _, n := range found {
		if len(n.Address) > maxDiscoveredLength || len(n.Name) > maxDiscoveredLength || len(kept) == maxDiscoveredNodes {
			dropped++
			continue
		}
		kept = append(kept, n)
	}
	if dropped == 0 {
		return found, nil
	}
	detail := fmt.Sprintf("%d announced nodes left out: over %d nodes, or a name or address longer than %d bytes", dropped, maxDiscoveredNodes, maxDiscoveredLength)
	return kept, &nodeinfo.Problem{Source: "discovery", Err: &nodeinfo.Failure{Kind: nodeinfo.KindOversized, Detail: detail}}
}

func (p *Pool) due(t *Topology) bool {
	if !p.discoverer.dynamic() {
		return false
	}
	age := time.Since(t.discoveredAt)
	return age >= p.settings.DiscoveryInterval || (t.unresolved && age >= failedDiscoveryRetry)
}

// adopt gives the topology its clients and closes those of nodes that left it. Callers hold
// refreshMu.
func (p *Pool) adopt(t *Topology) {
	t.clients = make([]*client, len(t.Nodes))
	inUse := make(map[*client]bool, len(t.Nodes))
	for i, n := range t.Nodes {
		t.clients[i] = p.clientFor(n)
		inUse[t.clients[i]] = true
	}
	for key, c := range p.clients {
		if !inUse[c] {
			_ = c.close() // a query still reading it gets "closed" for a node that just left
			delete(p.clients, key)
		}
	}
}
