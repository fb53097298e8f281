//go:build realredis

package node

import (
	"context"
	"net"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/persistwatch/redis-persistence-datasource/internal/redistest"
	"github.com/persistwatch/redis-persistence-datasource/pkg/nodeinfo"
	"github.com/persistwatch/redis-persistence-datasource/pkg/settings"
)

// panicOnce is a guard bypass: it panics once the way go-redis does on a length it cannot
// allocate, either in a pipeline or while a new connection reads its HELLO reply.
type panicOnce struct {
	inSetUp bool
	armed   atomic.Bool
}

func (h *panicOnce) DialHook(next redis.DialHook) redis.DialHook {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		conn, err := next(ctx, network, addr)
		if err == nil && h.inSetUp && h.armed.CompareAndSwap(true, false) {
			return panickingConn{conn}, nil
		}
		return conn, err
	}
}

// ProcessHook panics in a read of INFO alone, ProcessPipelineHook in one with CONFIG GET.
func (h *panicOnce) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		h.panicOutsideSetUp()
		return next(ctx, cmd)
	}
}

func (h *panicOnce) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		h.panicOutsideSetUp()
		return next(ctx, cmds)
	}
}

func (h *panicOnce) panicOutsideSetUp() {
	if !h.inSetUp && h.armed.CompareAndSwap(true, false) {
		panic("runtime error: makeslice: len out of range")
	}
}

type panickingConn struct{ net.Conn }

func (panickingConn) Read([]byte) (int, error) { panic("runtime error: makeslice: len out of range") }

// A read that panics is that node's error, and the node answers the next query: nothing stays
// in flight, for one node (read on the caller's goroutine) or several (read by workers), with
// INFO alone or in a pipeline with CONFIG GET.
func TestANodeWhoseReadPanickedAnswersTheNextQuery(t *testing.T) {
	servers := redistest.StartMany(t, 2, redistest.Options{})
	for _, c := range []struct {
		nodes   []*redistest.Server
		inSetUp bool
		// withConfig reads CONFIG GET too, in a pipeline with INFO; without, INFO goes alone.
		withConfig bool
	}{{servers[:1], false, false}, {servers, false, false}, {servers[:1], true, false}, {servers, true, false},
		{servers[:1], false, true}, {servers, false, true}} {
		nodes := c.nodes
		request := Request{Sections: []string{"persistence"}, RewriteTrigger: c.withConfig, Fresh: true}
		var configured []nodeinfo.Node
		for i, s := range nodes {
			configured = append(configured, nodeinfo.Node{Name: string(rune('a' + i)), Address: s.Addr, Network: "tcp", Dial: s.Addr})
		}
		// A window of an hour: a flight left in the air would answer, or block, every later read.
		pool := NewPool(settings.Settings{Nodes: configured, ConnectTimeout: time.Second, ReadTimeout: time.Second,
			MaxConcurrency: 2, CoalesceWindow: time.Hour})
		t.Cleanup(func() { pool.Close() })
		everyNode, err := pool.Select(context.Background(), nil)
		if err != nil {
			t.Fatal(err)
		}
		hook := &panicOnce{inSetUp: c.inSetUp}
		hook.armed.Store(true)
		everyNode.topology.clients[0].redis().AddHook(hook)

		first := pool.Read(context.Background(), everyNode, request)
		if first[0].Err == nil || first[0].Err.Kind != nodeinfo.KindPanic || first[0].Err.Detail != "runtime error: makeslice: len out of range" {
			t.Fatalf("%d nodes, in set-up %v: the panicking node read %+v, want its panic as an %s error", len(nodes), c.inSetUp, first[0], nodeinfo.KindPanic)
		}
		for _, r := range first[1:] {
			if r.Err != nil {
				t.Fatalf("%d nodes: a healthy node beside the panicking one failed: %v", len(nodes), r.Err)
			}
		}
		// Bounded by the caller, not by a timed assertion: a stuck flight fails this read.
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		again := pool.Read(ctx, everyNode, request)
		cancel()
		for _, r := range again {
			if enabled, _ := r.Info.Int("aof_enabled"); r.Err != nil || enabled != 1 {
				t.Fatalf("%d nodes, in set-up %v: after the panic %s read %+v, want its real INFO", len(nodes), c.inSetUp, r.Node.Name, r)
			}
		}
	}
}
