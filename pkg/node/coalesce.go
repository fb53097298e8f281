package node

import (
	"context"
	"slices"
	"time"

	"github.com/persistwatch/redis-persistence-datasource/pkg/nodeinfo"
)

// coalescedRead shares one node's reads (package flight): a read that overlaps one in flight, or
// starts within the coalescing window after one answered, gets that reading instead of a round
// trip of its own. So many viewers, panels and alert rules cost the node one INFO per window.
func (c *client) coalescedRead(ctx context.Context, request Request, timeout, window time.Duration) nodeinfo.Reading {
	if ctx.Err() != nil {
		return nodeinfo.Reading{Err: Classify(ctx.Err())}
	}
	if request.Fresh {
		window = 0
	}
	reading, err := c.flights.Do(ctx, request, window, func(ctx context.Context) (nodeinfo.Reading, bool) {
		return c.readWithin(ctx, request, timeout)
	})
	if err != nil {
		return nodeinfo.Reading{Err: Classify(err)}
	}
	return reading
}

// readWithin reads the node within its own timeout, cut to the caller's deadline, and says whether
// the reading is whole: one that timed out at that deadline is not. The read does not stop when its
// caller goes away, since others may be waiting on it.
func (c *client) readWithin(ctx context.Context, request Request, timeout time.Duration) (reading nodeinfo.Reading, whole bool) {
	budget := timeout
	if deadline, ok := ctx.Deadline(); ok && time.Until(deadline) < budget {
		budget = time.Until(deadline)
	}
	readCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), budget)
	defer cancel()
	if failure := c.guarded(func() { reading = c.read(readCtx, request) }); failure != nil {
		reading = nodeinfo.Reading{Err: failure}
	}
	cutShort := budget < timeout && reading.Err != nil && reading.Err.Kind == nodeinfo.KindTimeout
	return reading, !cutShort
}

// oneBucket puts all of a node's reads in one bucket: they are few, and any may cover another.
func oneBucket(Request) string { return "" }

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
