// Package flight shares work between callers that want the same thing at about the same time:
// one node's reads (so many viewers, panels and alert rules cost the node one INFO per coalescing
// window) and identical queries (so fifty viewers of a dashboard cost one evaluation).
//
// The one cancellation rule: the work runs for the first caller, its leader. An answer made after
// the leader's context ended (cancelled, or its deadline passed) may be that ending, so it is the
// leader's alone: those waiting on it ask again, and nobody later gets it.
package flight

import (
	"context"
	"slices"
	"sync"
	"time"
)

// Group shares answers of type A to questions of type Q.
type Group[Q, A any] struct {
	// covers says whether an answer to have also answers want.
	covers func(have, want Q) bool
	mu     sync.Mutex
	// flights in the air or landed within the window: one per distinct question, a handful.
	flights []*flight[Q, A]
}

type flight[Q, A any] struct {
	question Q
	window   time.Duration
	done     chan struct{}
	answer   A
	landed   time.Time // zero while in the air
	shared   bool      // false: cut short by the leader's context, not an answer for others
}

// NewGroup returns a group in which an answer serves every question it covers.
func NewGroup[Q, A any](covers func(have, want Q) bool) *Group[Q, A] {
	return &Group[Q, A]{covers: covers}
}

// Do returns the answer of a flight that covers the question, in the air or landed less than
// window ago, or else flies one: work(ctx) runs on the caller's goroutine. A caller whose own
// context ends while it waits gets its context's error instead.
func (g *Group[Q, A]) Do(ctx context.Context, question Q, window time.Duration, work func(context.Context) A) (A, error) {
	for {
		f, lead := g.join(question, window)
		if lead {
			return g.fly(ctx, f, work), nil
		}
		select {
		case <-f.done:
			if f.shared {
				return f.answer, nil
			}
		case <-ctx.Done():
			var none A
			return none, ctx.Err()
		}
	}
}

// fly does the work and lands the flight on every path: work that panics releases those waiting
// (who ask again) before the panic goes on up.
func (g *Group[Q, A]) fly(ctx context.Context, f *flight[Q, A], work func(context.Context) A) A {
	answered := false
	defer func() { g.land(f, answered && !ended(ctx)) }()
	f.answer = work(ctx)
	answered = true
	return f.answer
}

// ended says whether ctx is done or past its deadline: a deadline can pass a moment before
// ctx.Err() reports it.
func ended(ctx context.Context) bool {
	if ctx.Err() != nil {
		return true
	}
	deadline, ok := ctx.Deadline()
	return ok && !time.Now().Before(deadline)
}

// join returns the flight that serves question, and whether the caller must fly it.
func (g *Group[Q, A]) join(question Q, window time.Duration) (*flight[Q, A], bool) {
	now := time.Now()
	g.mu.Lock()
	defer g.mu.Unlock()
	var found *flight[Q, A]
	kept := g.flights[:0]
	for _, f := range g.flights {
		if !f.landed.IsZero() && now.Sub(f.landed) >= window {
			continue // too old to share
		}
		kept = append(kept, f)
		if found == nil && g.covers(f.question, question) {
			found = f
		}
	}
	clear(g.flights[len(kept):]) // no stale pointers past the kept ones
	g.flights = kept
	if found != nil {
		return found, false
	}
	f := &flight[Q, A]{question: question, window: window, done: make(chan struct{})}
	g.flights = append(g.flights, f)
	return f, true
}

func (g *Group[Q, A]) land(f *flight[Q, A], shared bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	f.landed, f.shared = time.Now(), shared
	if !shared || f.window <= 0 { // nobody else's answer, or nobody's once landed: let it go now
		g.flights = slices.DeleteFunc(g.flights, func(kept *flight[Q, A]) bool { return kept == f })
	}
	close(f.done)
}
