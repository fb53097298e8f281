package plugin

import (
	"context"
	"sync"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/data"

	"github.com/persistwatch/redis-persistence-datasource/pkg/node"
)

// sharedAnswers lets identical queries in flight at the same time share one answer: fifty viewers
// of a thousand-node dashboard cost one evaluation and one set of frames, not fifty. The node
// reads are already shared per node (node.Pool); this shares the work above them.
type sharedAnswers struct {
	mu      sync.Mutex
	flights map[string]*sharedAnswer
}

type sharedAnswer struct {
	done     chan struct{}
	response backend.DataResponse
	// cancelled: the first caller went away mid-answer, so its answer may hold its cancellation.
	cancelled bool
}

// answer returns the answer of an identical query in flight, or computes it. Each caller gets
// its own frame headers: the SDK writes each query's refId into the frames it sends.
func (s *sharedAnswers) answer(ctx context.Context, key string, compute func() backend.DataResponse) (response backend.DataResponse) {
	s.mu.Lock()
	if flight, ok := s.flights[key]; ok {
		s.mu.Unlock()
		select {
		case <-flight.done:
			if flight.cancelled {
				return compute()
			}
			return ownFrames(flight.response)
		case <-ctx.Done():
			return backend.ErrDataResponseWithSource(backend.StatusTimeout, backend.ErrorSourceDownstream, "the query was cancelled: "+ctx.Err().Error())
		}
	}
	if s.flights == nil {
		s.flights = map[string]*sharedAnswer{}
	}
	flight := &sharedAnswer{done: make(chan struct{})}
	s.flights[key] = flight
	s.mu.Unlock()

	// The flight ends on every path: an answer that panics is an error for this query and for
	// those waiting on it, never a key that stays taken until every later caller times out.
	defer func() {
		if cause := recover(); cause != nil {
			flight.response = panicResponse(cause)
		}
		flight.cancelled = ctx.Err() != nil
		s.mu.Lock()
		delete(s.flights, key)
		s.mu.Unlock()
		close(flight.done)
		response = ownFrames(flight.response)
	}()
	flight.response = compute()
	return flight.response
}

// panicResponse is the answer of a query whose evaluation panicked: the plugin's fault.
func panicResponse(cause any) backend.DataResponse {
	return backend.ErrDataResponseWithSource(backend.StatusInternal, backend.ErrorSourcePlugin, "the query failed: "+node.Recovered(cause).Error())
}

// ownFrames copies the frame headers (name, refId, meta pointer, field list), not the values,
// which nobody changes once built.
func ownFrames(response backend.DataResponse) backend.DataResponse {
	if len(response.Frames) == 0 {
		return response
	}
	frames := make(data.Frames, len(response.Frames))
	for i, f := range response.Frames {
		header := *f
		frames[i] = &header
	}
	response.Frames = frames
	return response
}
