// Package flight shares work between callers that want the same thing at about the same time:
// one node's reads (so many viewers, panels and alert rules cost the node one INFO per coalescing
// window) and identical queries (so fifty viewers of a dashboard cost one evaluation).
//
// The one cancellation rule: the work runs for the first caller, its leader, and says whether its
// answer is whole. An answer cut short by the leader's context (its deadline, or for work that
// follows it, its cancellation) is the leader's alone: those waiting on it ask again, and nobody
// later gets it.
package flight

import (
	"context"
	"slices"
	"sync"
	"time"
)

// Group shares answers of type A to questions of type Q.
type Group[Q, A any] struct {
	// bucket narrows the flights a question is compared with: those of its bucket.
	bucket func(Q) string
	// covers says whether an answer to have also answers want.
	covers func(have, want Q) bool
	// keep is how long a landed answer is kept for later questions; 0 keeps none.
	keep time.Duration

	mu      sync.Mutex
	flights map[string][]*flight[Q, A] // by bucket: in the air, or landed within keep
}

type flight[Q, A any] struct {
	question Q
	// done is closed when the flight lands. It is made when the first caller waits (most flights
	// have nobody waiting on them), or set to landedEarly; g.mu guards it until it is set.
	done   chan struct{}
	answer A
	landed time.Time // zero while in the air
	shared bool      // false: cut short, not an answer for others
}

// landedEarly is the done channel of a flight that landed before anyone waited on it.
var landedEarly = func() chan struct{} {
	done := make(chan struct{})
	close(done)
	return done
}()

// NewGroup returns a group in which an answer serves every question of its bucket that it
// covers, while in the air and for keep after it lands.
func NewGroup[Q, A any](bucket func(Q) string, covers func(have, want Q) bool, keep time.Duration) *Group[Q, A] {
	return &Group[Q, A]{bucket: bucket, covers: covers, keep: keep, flights: map[string][]*flight[Q, A]{}}
}

// Do returns the answer of a flight that covers the question, in the air or landed less than
// window ago (at most keep), or else flies one: work(ctx) runs on the caller's goroutine and says
// whether its answer is whole. A caller whose own context ends while it waits gets its context's
// error instead.
func (g *Group[Q, A]) Do(ctx context.Context, question Q, window time.Duration, work func(context.Context) (A, bool)) (A, error) {
	for {
		var none A
		if err := ctx.Err(); err != nil {
			return none, err
		}
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
			return none, ctx.Err()
		}
	}
}

// fly does the work and lands the flight on every path: work that panics releases those waiting
// (who ask again) before the panic goes on up.
func (g *Group[Q, A]) fly(ctx context.Context, f *flight[Q, A], work func(context.Context) (A, bool)) A {
	whole := false
	defer func() { g.land(f, whole) }()
	f.answer, whole = work(ctx)
	return f.answer
}

// join returns the flight that serves question, and whether the caller must fly it.
func (g *Group[Q, A]) join(question Q, window time.Duration) (*flight[Q, A], bool) {
	window = min(window, g.keep)
	now := time.Now()
	bucket := g.bucket(question)
	g.mu.Lock()
	defer g.mu.Unlock()
	var found *flight[Q, A]
	flights := g.flights[bucket]
	kept := flights[:0]
	for _, f := range flights {
		if !f.landed.IsZero() && now.Sub(f.landed) >= window {
			continue // too old to share
		}
		kept = append(kept, f)
		if found == nil && g.covers(f.question, question) {
			found = f
		}
	}
	clear(flights[len(kept):]) // no stale pointers past the kept ones
	if found == nil {
		found = &flight[Q, A]{question: question}
		kept = append(kept, found)
		g.flights[bucket] = kept
		return found, true
	}
	g.flights[bucket] = kept
	if found.done == nil {
		found.done = make(chan struct{})
	}
	return found, false
}

func (g *Group[Q, A]) land(f *flight[Q, A], shared bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	f.landed, f.shared = time.Now(), shared
	if !shared || g.keep <= 0 { // nobody else's answer, or nobody's once landed: let it go now
		bucket := g.bucket(f.question)
		g.flights[bucket] = slices.DeleteFunc(g.flights[bucket], func(kept *flight[Q, A]) bool { return kept == f })
		if len(g.flights[bucket]) == 0 {
			delete(g.flights, bucket)
		}
	}
	if f.done == nil {
		f.done = landedEarly
	} else {
		close(f.done)
	}
}
