// Package node holds the connections to the configured Redis nodes and reads INFO from them. It
// is the only package that does Redis I/O; what it returns is parsed but not judged.
package node

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"github.com/persistwatch/redis-persistence-datasource/pkg/nodeinfo"
	"github.com/persistwatch/redis-persistence-datasource/pkg/settings"
)

// Request says what to read from each node.
type Request struct {
	// Sections of INFO to read, e.g. persistence and replication.
	Sections []string
	// RewriteTrigger also reads the persistence configuration in the same round trip:
	// auto-aof-rewrite-percentage and -min-size, save and appendfsync.
	RewriteTrigger bool
	// Fresh shares only a read in flight, never an earlier answer: for samples taken at an
	// interval, which must not repeat a reading.
	Fresh bool
}

// Pool keeps one go-redis client per node for the life of a data source instance. With
// discovery, the set of nodes follows the cluster or the sentinels; a client is kept for as long
// as its node is part of the topology.
type Pool struct {
	settings    settings.Settings
	discoverer  discoverer
	concurrency int
	timeout     time.Duration
	window      time.Duration

	current atomic.Pointer[Topology]
	// refreshMu guards clients, closed and refreshing; a refresh itself runs outside it.
	refreshMu  sync.Mutex
	clients    map[string]*client // by dial address
	closed     bool
	refreshing chan struct{} // non-nil while a discovery runs; closed when it ends
}

// NewPool prepares the pool. go-redis connects lazily, so this does no I/O.
func NewPool(s settings.Settings) *Pool {
	pool := &Pool{
		settings:    s,
		concurrency: s.MaxConcurrency,
		// A node's whole read (dial, optional TLS, AUTH, INFO) must end within its own budget so
		// that one slow node never holds back the others.
		timeout: s.ConnectTimeout + 2*s.ReadTimeout,
		window:  s.CoalesceWindow,
		clients: map[string]*client{},
	}
	pool.discoverer = newDiscoverer(pool)
	return pool
}

// Discovery says where the nodes come from.
func (p *Pool) Discovery() settings.Discovery { return p.settings.Discovery }

// Close closes every connection; the pool answers nothing afterwards.
func (p *Pool) Close() error {
	p.refreshMu.Lock()
	defer p.refreshMu.Unlock()
	p.closed = true
	var errs []error
	for key, c := range p.clients {
		errs = append(errs, c.close())
		delete(p.clients, key)
	}
	errs = append(errs, p.discoverer.close())
	return errors.Join(errs...)
}

// Read reads the selected nodes concurrently, at most MaxConcurrency at once, each within its own
// timeout. Readings come back in the order of the selection; a failed node is a Reading with Err
// set. Reads of one node that overlap, or come within the coalescing window of each other, share
// one round trip.
func (p *Pool) Read(ctx context.Context, selection Selection, request Request) []nodeinfo.Reading {
	readings := make([]nodeinfo.Reading, len(selection.indexes))
	readOne := func(i int) {
		index := selection.indexes[i]
		defer func() {
			if cause := recover(); cause != nil {
				readings[i] = nodeinfo.Reading{Node: selection.topology.Nodes[index], Err: nodeinfo.Recovered(cause)}
			}
		}()
		if ctx.Err() != nil { // the caller left: the nodes not read yet are not read at all
			readings[i] = nodeinfo.Reading{Node: selection.topology.Nodes[index], Err: Classify(ctx.Err())}
			return
		}
		readings[i] = selection.topology.clients[index].coalescedRead(ctx, request, p.timeout, p.window)
		readings[i].Node = selection.topology.Nodes[index]
	}
	if len(readings) == 1 {
		// A panel per node is the common case: a goroutine would only add a hand-off.
		readOne(0)
		return readings
	}
	// MaxConcurrency workers take the nodes in turn: a goroutine per node would cost a stack per
	// node and query, which adds up with a thousand nodes and many viewers.
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(p.concurrency, len(readings)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := int(next.Add(1) - 1); i < len(readings); i = int(next.Add(1) - 1) {
				readOne(i)
			}
		}()
	}
	wg.Wait()
	return readings
}
