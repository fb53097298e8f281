// Package node holds the connections to the configured Redis nodes and reads INFO from them. It
// is the only package that does Redis I/O; what it returns is parsed but not judged.
package node

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"maps"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/redis/go-redis/v9/maintnotifications"

	"github.com/persistwatch/redis-persistence-datasource/pkg/flight"
	"github.com/persistwatch/redis-persistence-datasource/pkg/info"
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

// nodeConfig is what one cached CONFIG round trip answered.
type nodeConfig struct {
	trigger     nodeinfo.RewriteTrigger
	persistence nodeinfo.PersistenceConfig
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

// Topology is the set of nodes at one point in time, with what went wrong finding them.
type Topology struct {
	Nodes []nodeinfo.Node
	// Problems are discovery failures; the nodes known before them are kept.
	Problems     []nodeinfo.Problem
	clients      []*client
	discoveredAt time.Time
	unresolved   bool // no discovery source answered
}

// Selection is a set of nodes of one topology, chosen by a query's node filter.
type Selection struct {
	topology *Topology
	indexes  []int
}

// Nodes are the selected nodes, in selection order.
func (s Selection) Nodes() []nodeinfo.Node {
	nodes := make([]nodeinfo.Node, len(s.indexes))
	for i, index := range s.indexes {
		nodes[i] = s.topology.Nodes[index]
	}
	return nodes
}

// Problems are the discovery problems of the topology the selection was made from.
func (s Selection) Problems() []nodeinfo.Problem { return s.topology.Problems }

type client struct {
	rdb     atomic.Pointer[redis.Client]
	options func() *redis.Options
	closed  atomic.Bool
	// legacyInfo is set once a server rejects multi-section INFO (before Redis 7.0): from then on
	// it gets plain INFO, whose default sections hold everything we read.
	legacyInfo atomic.Bool

	// The rewrite trigger, save and appendfsync are configuration, not state: they are re-read at
	// most every triggerTTL, which keeps CONFIG GET (and its scan of every config) off most polls.
	triggerMu   sync.Mutex
	trigger     nodeConfig
	triggerRead time.Time

	flights *flight.Group[Request, nodeinfo.Reading]
}

// triggerTTL bounds how old the rewrite trigger shown beside a card can be.
const triggerTTL = time.Minute

// failedDiscoveryRetry is how soon a discovery that no source answered is tried again.
const failedDiscoveryRetry = time.Second

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

func clientOptions(s settings.Settings, n nodeinfo.Node, budget time.Duration) *redis.Options {
	options := &redis.Options{
		Network:               n.Network,
		Addr:                  n.Dial,
		Username:              s.Username,
		Password:              s.Password,
		DialTimeout:           s.ConnectTimeout,
		ReadTimeout:           s.ReadTimeout,
		WriteTimeout:          s.ReadTimeout,
		ContextTimeoutEnabled: true,
		// RESP2 and no identity or maintenance handshakes: the fewest commands a restricted or
		// Redis-compatible server can refuse, and the cheapest connect.
		Protocol:                 2,
		DisableIdentity:          true,
		MaintNotificationsConfig: &maintnotifications.Config{Mode: maintnotifications.ModeDisabled},
		// A retry would hide a flapping node and multiply a dead node's delay.
		MaxRetries: -1,
		// At most one connection per node, kept open and reused: PoolSize alone is only the base
		// size, and pipelines would otherwise get a pool of their own.
		PoolSize:         1,
		MaxActiveConns:   1,
		PipelinePoolSize: -1,
		PoolTimeout:      budget,
		MinIdleConns:     0,
		// go-redis sizes both buffers at 32 KiB: 64 MB for a thousand nodes. Our commands are a
		// line and our replies a few KiB (a longer reply is read straight through).
		ReadBufferSize:  8 << 10,
		WriteBufferSize: 1 << 10,
	}
	var tlsConfig *tls.Config
	if s.TLS.Enabled || n.TLS {
		tlsConfig = s.TLS.ConfigFor(n.Host())
	}
	options.Dialer = guardedDialer(dialer(s, tlsConfig))
	return options
}

// Discovery says where the nodes come from.
func (p *Pool) Discovery() settings.Discovery { return p.settings.Discovery }

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
	c := newClient(func() *redis.Options { return clientOptions(p.settings, n, p.timeout) })
	p.clients[key] = c
	return c
}

func newClient(options func() *redis.Options) *client {
	c := &client{options: options, flights: flight.NewGroup[Request, nodeinfo.Reading](Request.covers)}
	c.rdb.Store(redis.NewClient(options()))
	return c
}

func (c *client) redis() *redis.Client { return c.rdb.Load() }

// renew replaces the go-redis client after a panic inside it. go-redis loses track of a
// connection whose set-up panics: with one connection per node, every later read would wait
// for it until its deadline.
func (c *client) renew() {
	old := c.rdb.Swap(redis.NewClient(c.options()))
	_ = old.Close()
	if c.closed.Load() { // closed meanwhile: the new client is nobody's to close
		_ = c.redis().Close()
	}
}

// guarded runs fn, which uses the go-redis client, and turns a panic inside it into an error,
// with the client renewed.
func (c *client) guarded(fn func()) (failure *nodeinfo.Failure) {
	defer func() {
		if cause := recover(); cause != nil {
			failure = nodeinfo.Recovered(cause)
			c.renew()
		}
	}()
	fn()
	return nil
}

func (c *client) close() error {
	c.closed.Store(true)
	return c.redis().Close()
}

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

// Select resolves a node filter (names or addresses) against the current topology. An empty
// filter means every node. Only configured or discovered nodes can be selected: a query never
// reaches anything else.
func (p *Pool) Select(ctx context.Context, filter []string) (Selection, error) {
	t := p.Topology(ctx)
	if len(filter) == 0 {
		return t.all(), nil
	}
	if len(t.Nodes) == 0 && t.unresolved {
		// Not "unknown node": no node is known yet, and the problems say why.
		problems := make([]string, len(t.Problems))
		for i, problem := range t.Problems {
			problems[i] = problem.String()
		}
		return Selection{}, fmt.Errorf("discovery has found no node yet, so the node filter cannot be checked: %s", strings.Join(problems, "; "))
	}
	var selected []int
	var unknown []string
	taken := map[int]bool{}
	for _, wanted := range filter {
		index := t.indexOf(wanted)
		switch {
		case index < 0:
			unknown = append(unknown, strconv.Quote(wanted))
		case !taken[index]:
			taken[index] = true
			selected = append(selected, index)
		}
	}
	if len(unknown) > 0 {
		verb, known := "configure", "configured"
		if p.discoverer.dynamic() {
			verb, known = "discover", "discovered"
		}
		return Selection{}, fmt.Errorf("node filter names %s, which this data source does not %s; %s nodes: %s",
			nodeinfo.Clip(strings.Join(unknown, ", ")), verb, known, t.someNames(20))
	}
	return Selection{topology: t, indexes: selected}, nil
}

func (t *Topology) all() Selection {
	all := make([]int, len(t.Nodes))
	for i := range all {
		all[i] = i
	}
	return Selection{topology: t, indexes: all}
}

func (t *Topology) indexOf(nameOrAddress string) int {
	for i, n := range t.Nodes {
		if n.Name == nameOrAddress || n.Address == nameOrAddress {
			return i
		}
	}
	return -1
}

// someNames lists up to max node names, so that an error about a thousand-node fleet stays short.
func (t *Topology) someNames(max int) string {
	var names []string
	for _, n := range t.Nodes[:min(max, len(t.Nodes))] {
		names = append(names, strconv.Quote(n.Name))
	}
	if len(t.Nodes) > max {
		names = append(names, fmt.Sprintf("and %d more", len(t.Nodes)-max))
	}
	return strings.Join(names, ", ")
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

func (c *client) read(ctx context.Context, request Request) nodeinfo.Reading {
	text, config, err := c.roundTrip(ctx, request)
	if err != nil && !c.legacyInfo.Load() && isMultiSectionRejection(err) {
		c.legacyInfo.Store(true)
		text, config, err = c.roundTrip(ctx, request)
	}
	if err != nil {
		return nodeinfo.Reading{Err: Classify(err)}
	}
	return nodeinfo.Reading{Info: info.Parse(text), Trigger: config.trigger, Config: config.persistence}
}

// roundTrip sends INFO, and CONFIG GET when the cached trigger is due, in one pipeline: one
// network round trip.
func (c *client) roundTrip(ctx context.Context, request Request) (string, nodeConfig, error) {
	trigger, due := c.cachedTrigger(request.RewriteTrigger)
	var infoCmd *redis.StringCmd
	var configCmd configCmds
	_, pipeErr := c.redis().Pipelined(ctx, func(pipe redis.Pipeliner) error {
		if c.legacyInfo.Load() {
			infoCmd = pipe.Info(ctx)
		} else {
			infoCmd = pipe.Info(ctx, request.Sections...)
		}
		if due {
			configCmd = queueConfigGets(ctx, pipe)
		}
		return nil
	})
	if due {
		trigger = c.learnTrigger(configCmd)
	}
	if err := infoCmd.Err(); err != nil {
		return "", nodeConfig{}, err
	}
	// A failed connection set-up (AUTH, TLS) can leave the commands without an error of their
	// own; then the pipeline's error is the node's, unless it is just CONFIG being refused.
	if pipeErr != nil && infoCmd.Val() == "" && (configCmd == nil || configCmd.Err() == nil) {
		return "", nodeConfig{}, pipeErr
	}
	return infoCmd.Val(), trigger, nil
}

// configPatterns are the CONFIG GET commands of a round trip, one pattern each: Redis before 7.0
// takes only one pattern per CONFIG GET.
var configPatterns = []string{"auto-aof-rewrite-*", "save", "appendfsync"}

// configCmds are the queued CONFIG GET commands, in configPatterns order.
type configCmds []*redis.MapStringStringCmd

func queueConfigGets(ctx context.Context, pipe redis.Pipeliner) configCmds {
	cmds := make(configCmds, len(configPatterns))
	for i, pattern := range configPatterns {
		cmds[i] = pipe.ConfigGet(ctx, pattern)
	}
	return cmds
}

// Err is the first command's error.
func (cmds configCmds) Err() error {
	for _, cmd := range cmds {
		if err := cmd.Err(); err != nil {
			return err
		}
	}
	return nil
}

// cachedTrigger returns the cached configuration and whether it must be read again.
func (c *client) cachedTrigger(wanted bool) (nodeConfig, bool) {
	if !wanted {
		return nodeConfig{}, false
	}
	c.triggerMu.Lock()
	defer c.triggerMu.Unlock()
	return c.trigger, c.triggerRead.IsZero() || time.Since(c.triggerRead) >= triggerTTL
}

// learnTrigger caches what CONFIG GET answered: the values, or that the server refuses CONFIG.
// A reply lost to a timeout or a dropped connection is not cached, so the next poll asks again.
func (c *client) learnTrigger(cmds configCmds) nodeConfig {
	config := parseConfig(cmds)
	for _, cmd := range cmds {
		if err := cmd.Err(); err != nil && !isRefusal(err) {
			return config // a timeout, a dropped connection or a passing -BUSY: ask again next poll
		}
	}
	c.triggerMu.Lock()
	defer c.triggerMu.Unlock()
	c.trigger, c.triggerRead = config, time.Now()
	return config
}

// isRefusal says whether a CONFIG GET error is the server refusing CONFIG for good (ACL, a
// renamed command, a managed service), which is worth remembering for a minute, as opposed to a
// passing error reply such as -BUSY or -LOADING.
func isRefusal(err error) bool {
	var reply redis.Error
	return errors.As(err, &reply) && classifyReply(reply.Error()) == nodeinfo.KindInfoRefused
}

// parseConfig reads the CONFIG GET replies. A refused CONFIG (managed services, ACL) only means
// the values are unknown; it is not a node failure.
func parseConfig(cmds configCmds) nodeConfig {
	values := map[string]string{}
	for _, cmd := range cmds {
		if cmd.Err() == nil {
			maps.Copy(values, cmd.Val())
		}
	}
	config := nodeConfig{trigger: parseTrigger(values)}
	config.persistence.ConfigRefused = isRefusal(cmds.Err())
	if save, ok := values["save"]; ok {
		config.persistence.Save = &save
	}
	if fsync, ok := values["appendfsync"]; ok {
		config.persistence.AppendFsync = &fsync
	}
	return config
}

func parseTrigger(values map[string]string) nodeinfo.RewriteTrigger {
	percent, errPercent := strconv.ParseInt(values["auto-aof-rewrite-percentage"], 10, 64)
	minSize, errMin := strconv.ParseInt(values["auto-aof-rewrite-min-size"], 10, 64)
	if errPercent != nil || errMin != nil {
		return nodeinfo.RewriteTrigger{}
	}
	return nodeinfo.RewriteTrigger{Known: true, Percent: percent, MinSizeBytes: minSize}
}

// isMultiSectionRejection recognises a pre-7.0 server's answer to `INFO a b`.
func isMultiSectionRejection(err error) bool {
	var reply redis.Error
	if !errors.As(err, &reply) {
		return false
	}
	text := strings.ToLower(reply.Error())
	return strings.Contains(text, "syntax error") || strings.Contains(text, "wrong number of arguments")
}
