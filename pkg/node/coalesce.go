package node

import (
	"context"
	"slices"
	"sync"
	"time"
)

// coalescer shares one node's reads: a read that overlaps one in flight, or starts within the
// coalescing window after one answered, gets that reading instead of a round trip of its own. So
// many viewers, panels and alert rules cost the node one INFO per window.
type coalescer struct {
	mu      sync.Mutex
	flights []*flight // one per distinct request shape: a handful at most
}

type flight struct {
	request  Request
	done     chan struct{}
	reading  Reading
	answered time.Time // zero while in flight
	cutShort bool      // the first caller's deadline ended the read: not an answer to share
}

// coalescedRead returns a shared reading when one is in flight or fresh, else reads. The read
// itself does not stop when its first caller goes away, since others may be waiting on it; it is
// bounded by the node's timeout and by the first caller's deadline. A read cut short by that
// deadline is nobody else's answer: it is not kept, and those waiting on it read again.
func (c *client) coalescedRead(ctx context.Context, request Request, timeout, window time.Duration) (reading Reading) {
	if ctx.Err() != nil {
		return Reading{Err: Classify(ctx.Err())}
	}
	if request.Fresh {
		window = 0
	}
	f, lead := c.flights.join(request, window)
	if !lead {
		select {
		case <-f.done:
			if f.cutShort {
				return c.coalescedRead(ctx, request, timeout, window)
			}
			return f.reading
		case <-ctx.Done():
			return Reading{Err: Classify(ctx.Err())}
		}
	}
	budget := timeout
	if deadline, ok := ctx.Deadline(); ok && time.Until(deadline) < budget {
		budget = time.Until(deadline)
	}
	readCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), budget)
	defer cancel()
	// Those waiting on the flight are released on every path: a read that panics lands as the
	// node's error, never as a flight that stays in the air until every later caller times out.
	defer func() {
		c.flights.land(f, budget < timeout && f.reading.Err != nil && f.reading.Err.Kind == KindTimeout)
		reading = f.reading
	}()
	if failure := c.guarded(func() { f.reading = c.read(withReadDeadline(readCtx), request) }); failure != nil {
		f.reading = Reading{Err: failure}
	}
	return f.reading
}

// join returns the flight that serves request, and whether the caller must fly it.
func (s *coalescer) join(request Request, window time.Duration) (*flight, bool) {
	now := time.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	var found *flight
	kept := s.flights[:0]
	for _, f := range s.flights {
		if !f.answered.IsZero() && now.Sub(f.answered) >= window {
			continue // too old to share
		}
		kept = append(kept, f)
		if found == nil && f.request.covers(request) {
			found = f
		}
	}
	s.flights = kept
	if found != nil {
		return found, false
	}
	f := &flight{request: request, done: make(chan struct{})}
	s.flights = append(s.flights, f)
	return f, true
}

func (s *coalescer) land(f *flight, cutShort bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f.answered, f.cutShort = time.Now(), cutShort
	if cutShort {
		s.flights = slices.DeleteFunc(s.flights, func(kept *flight) bool { return kept == f })
	}
	close(f.done)
}

// covers says whether a reading made for r answers want as well.
func (r Request) covers(want Request) bool {
	if want.RewriteTrigger && !r.RewriteTrigger {
		return false
	}
	for _, section := range want.Sections {
		if !slices.Contains(r.Sections, section) {
			return false
		}
	}
	return true
}
