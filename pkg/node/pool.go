// Package node holds the connections to the configured Redis nodes and reads INFO from them. It
// is the only package that does Redis I/O; what it returns is parsed but not judged.
package node

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/redis/go-redis/v9/maintnotifications"

	"github.com/persistwatch/redis-persistence-datasource/pkg/info"
	"github.com/persistwatch/redis-persistence-datasource/pkg/settings"
)

// Request says what to read from each node.
type Request struct {
	// Sections of INFO to read, e.g. persistence and replication.
	Sections []string
	// RewriteTrigger also reads auto-aof-rewrite-percentage and -min-size, in the same round trip.
	RewriteTrigger bool
}

// Reading is what one node answered, or why it did not.
type Reading struct {
	Node settings.Node
	Info info.Info
	// Trigger is the server's automatic rewrite trigger; Known is false when CONFIG is refused.
	Trigger RewriteTrigger
	Err     *Error
}

// RewriteTrigger is Redis's auto-aof-rewrite-percentage and auto-aof-rewrite-min-size.
type RewriteTrigger struct {
	Known        bool
	Percent      int64
	MinSizeBytes int64
}

// Pool keeps one go-redis client per configured node for the life of a data source instance.
type Pool struct {
	nodes       []settings.Node
	clients     []*client
	concurrency int
	timeout     time.Duration
}

type client struct {
	rdb *redis.Client
	// legacyInfo is set once a server rejects multi-section INFO (before Redis 7.0): from then on
	// it gets plain INFO, whose default sections hold everything we read.
	legacyInfo atomic.Bool

	// The rewrite trigger is configuration, not state: it is re-read at most every triggerTTL,
	// which keeps CONFIG GET (and its scan of every config) off most polls.
	triggerMu   sync.Mutex
	trigger     RewriteTrigger
	triggerRead time.Time
}

// triggerTTL bounds how old the rewrite trigger shown beside a card can be.
const triggerTTL = time.Minute

// NewPool creates the clients. go-redis connects lazily, so this does no I/O.
func NewPool(s settings.Settings) *Pool {
	pool := &Pool{
		nodes:       s.Nodes,
		concurrency: s.MaxConcurrency,
		// A node's whole read (dial, optional TLS, AUTH, INFO) must end within its own budget so
		// that one slow node never holds back the others.
		timeout: s.ConnectTimeout + 2*s.ReadTimeout,
	}
	for _, n := range s.Nodes {
		pool.clients = append(pool.clients, &client{rdb: redis.NewClient(clientOptions(s, n, pool.timeout))})
	}
	return pool
}

func clientOptions(s settings.Settings, n settings.Node, budget time.Duration) *redis.Options {
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
		MaxRetries:    -1,
		DialerRetries: 1,
		PoolSize:      1,
		PoolTimeout:   budget,
		MinIdleConns:  0,
	}
	if s.TLS.Enabled || n.TLS {
		options.TLSConfig = s.TLS.ConfigFor(n.Host())
	}
	return options
}

// Nodes returns the configured nodes in settings order.
func (p *Pool) Nodes() []settings.Node { return p.nodes }

// Close closes every connection.
func (p *Pool) Close() error {
	var errs []error
	for _, c := range p.clients {
		errs = append(errs, c.rdb.Close())
	}
	return errors.Join(errs...)
}

// Select resolves a node filter (names or addresses) to indexes into Nodes. An empty filter means
// every node. Only configured nodes can be selected: a query never reaches anything else.
func (p *Pool) Select(filter []string) ([]int, error) {
	if len(filter) == 0 {
		return p.All(), nil
	}
	var selected []int
	var unknown []string
	taken := map[int]bool{}
	for _, wanted := range filter {
		index := p.indexOf(wanted)
		switch {
		case index < 0:
			unknown = append(unknown, strconv.Quote(wanted))
		case !taken[index]:
			taken[index] = true
			selected = append(selected, index)
		}
	}
	if len(unknown) > 0 {
		return nil, fmt.Errorf("node filter names %s, which this data source does not configure; configured nodes: %s",
			strings.Join(unknown, ", "), strings.Join(p.names(), ", "))
	}
	return selected, nil
}

// All selects every configured node.
func (p *Pool) All() []int {
	all := make([]int, len(p.nodes))
	for i := range all {
		all[i] = i
	}
	return all
}

func (p *Pool) indexOf(nameOrAddress string) int {
	for i, n := range p.nodes {
		if n.Name == nameOrAddress || n.Address == nameOrAddress {
			return i
		}
	}
	return -1
}

func (p *Pool) names() []string {
	names := make([]string, len(p.nodes))
	for i, n := range p.nodes {
		names[i] = strconv.Quote(n.Name)
	}
	return names
}

// Read reads the selected nodes concurrently, at most MaxConcurrency at once, each within its own
// timeout. Readings come back in the order of selected; a failed node is a Reading with Err set.
func (p *Pool) Read(ctx context.Context, selected []int, request Request) []Reading {
	readings := make([]Reading, len(selected))
	readOne := func(i int) {
		nodeCtx, cancel := context.WithTimeout(ctx, p.timeout)
		defer cancel()
		readings[i] = p.clients[selected[i]].read(nodeCtx, request)
		readings[i].Node = p.nodes[selected[i]]
	}
	if len(selected) == 1 {
		// A panel per node is the common case: a goroutine would only add a hand-off.
		readOne(0)
		return readings
	}
	slots := make(chan struct{}, p.concurrency)
	var wg sync.WaitGroup
	for i := range selected {
		wg.Add(1)
		go func() {
			defer wg.Done()
			slots <- struct{}{}
			defer func() { <-slots }()
			readOne(i)
		}()
	}
	wg.Wait()
	return readings
}

func (c *client) read(ctx context.Context, request Request) Reading {
	text, trigger, err := c.roundTrip(ctx, request)
	if err != nil && !c.legacyInfo.Load() && isMultiSectionRejection(err) {
		c.legacyInfo.Store(true)
		text, trigger, err = c.roundTrip(ctx, request)
	}
	if err != nil {
		return Reading{Err: Classify(err)}
	}
	return Reading{Info: info.Parse(text), Trigger: trigger}
}

// roundTrip sends INFO, and CONFIG GET when the cached trigger is due, in one pipeline: one
// network round trip.
func (c *client) roundTrip(ctx context.Context, request Request) (string, RewriteTrigger, error) {
	trigger, due := c.cachedTrigger(request.RewriteTrigger)
	var infoCmd *redis.StringCmd
	var configCmd *redis.MapStringStringCmd
	_, pipeErr := c.rdb.Pipelined(ctx, func(pipe redis.Pipeliner) error {
		if c.legacyInfo.Load() {
			infoCmd = pipe.Info(ctx)
		} else {
			infoCmd = pipe.Info(ctx, request.Sections...)
		}
		if due {
			configCmd = pipe.ConfigGet(ctx, "auto-aof-rewrite-*")
		}
		return nil
	})
	if due {
		trigger = c.learnTrigger(configCmd)
	}
	if err := infoCmd.Err(); err != nil {
		return "", RewriteTrigger{}, err
	}
	// A failed connection set-up (AUTH, TLS) can leave the commands without an error of their
	// own; then the pipeline's error is the node's, unless it is just CONFIG being refused.
	if pipeErr != nil && infoCmd.Val() == "" && (configCmd == nil || configCmd.Err() == nil) {
		return "", RewriteTrigger{}, pipeErr
	}
	return infoCmd.Val(), trigger, nil
}

// cachedTrigger returns the cached trigger and whether it must be read again.
func (c *client) cachedTrigger(wanted bool) (RewriteTrigger, bool) {
	if !wanted {
		return RewriteTrigger{}, false
	}
	c.triggerMu.Lock()
	defer c.triggerMu.Unlock()
	return c.trigger, c.triggerRead.IsZero() || time.Since(c.triggerRead) >= triggerTTL
}

// learnTrigger caches what CONFIG GET answered: the trigger, or that the server refuses CONFIG.
// A reply lost to a timeout or a dropped connection is not cached, so the next poll asks again.
func (c *client) learnTrigger(cmd *redis.MapStringStringCmd) RewriteTrigger {
	trigger := parseTrigger(cmd)
	var refused redis.Error
	if !trigger.Known && !errors.As(cmd.Err(), &refused) {
		return trigger
	}
	c.triggerMu.Lock()
	defer c.triggerMu.Unlock()
	c.trigger, c.triggerRead = trigger, time.Now()
	return trigger
}

// parseTrigger reads the CONFIG GET reply. A refused CONFIG (managed services, ACL) only means
// the trigger is unknown; it is not a node failure.
func parseTrigger(cmd *redis.MapStringStringCmd) RewriteTrigger {
	if cmd == nil || cmd.Err() != nil {
		return RewriteTrigger{}
	}
	values := cmd.Val()
	percent, errPercent := strconv.ParseInt(values["auto-aof-rewrite-percentage"], 10, 64)
	minSize, errMin := strconv.ParseInt(values["auto-aof-rewrite-min-size"], 10, 64)
	if errPercent != nil || errMin != nil {
		return RewriteTrigger{}
	}
	return RewriteTrigger{Known: true, Percent: percent, MinSizeBytes: minSize}
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
