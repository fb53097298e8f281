package plugin

import (
	"context"
	"sync"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/data"
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
func (s *sharedAnswers) answer(ctx context.Context, key string, compute func() backend.DataResponse) backend.DataResponse {
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

	flight.response = compute()
	flight.cancelled = ctx.Err() != nil

	s.mu.Lock()
	delete(s.flights, key)
	s.mu.Unlock()
	close(flight.done)
	return ownFrames(flight.response)
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
