package node

import (
	"crypto/tls"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/redis/go-redis/v9/maintnotifications"

	"github.com/persistwatch/redis-persistence-datasource/pkg/flight"
	"github.com/persistwatch/redis-persistence-datasource/pkg/nodeinfo"
	"github.com/persistwatch/redis-persistence-datasource/pkg/settings"
)

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

// Each connection's buffers: a card's reply from a primary without replicas fits one read.
// Exported for the benchmarks, whose bare go-redis floor is set up the same way.
const (
	ReadBufferSize  = 2 << 10
	WriteBufferSize = 512
)

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
		// go-redis sizes both buffers at 32 KiB: 640 MB for ten thousand nodes, held while idle.
		// Our commands are a line, and a card's reply (INFO server persistence replication) is
		// under 2 KiB on Redis 7.0; a longer reply costs one more read, not more memory.
		ReadBufferSize:  ReadBufferSize,
		WriteBufferSize: WriteBufferSize,
	}
	var tlsConfig *tls.Config
	if s.TLS.Enabled || n.TLS {
		tlsConfig = s.TLS.ConfigFor(n.Host())
	}
	options.Dialer = guardedDialer(dialer(s, tlsConfig))
	return options
}

// newClient makes a node's client; its readings are kept for sharing for window.
func newClient(options func() *redis.Options, window time.Duration) *client {
	c := &client{options: options, flights: flight.NewGroup[Request, nodeinfo.Reading](oneBucket, Request.covers, window)}
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
