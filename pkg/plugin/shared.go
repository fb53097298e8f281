package plugin

import (
	"context"
	"errors"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/data"

	"github.com/persistwatch/redis-persistence-datasource/pkg/nodeinfo"
)

// Identical queries share an answer: each query is a bucket of its own.
func byQuery(key string) string        { return key }
func sameQuery(have, want string) bool { return have == want }

// sharedAnswer returns the answer of an identical query in flight, or computes it (package flight
// says when an answer is shared). Each caller gets its own frame headers: the SDK writes each
// query's refId into the frames it sends.
func (d *Datasource) sharedAnswer(ctx context.Context, key string, compute func(context.Context) backend.DataResponse) backend.DataResponse {
	response, err := d.answers.Do(ctx, key, 0, func(ctx context.Context) (response backend.DataResponse, whole bool) {
		// An answer that panics is an error for this query and for those waiting on it.
		defer func() {
			if cause := recover(); cause != nil {
				response = panicResponse(cause)
			}
			whole = !ended(ctx) // the reads follow ctx: once it ends, the answer may hold its end
		}()
		return compute(ctx), true
	})
	if errors.Is(err, context.DeadlineExceeded) {
		return backend.ErrDataResponseWithSource(backend.StatusTimeout, backend.ErrorSourceDownstream,
			"the query ran out of time (Grafana's query timeout) while an identical query was still reading the nodes; raise the timeout or lower the node timeouts")
	}
	if err != nil {
		return backend.ErrDataResponseWithSource(backend.StatusTimeout, backend.ErrorSourceDownstream, "the query was cancelled by Grafana (the panel or alert went away): "+err.Error())
	}
	return ownFrames(response)
}

// ended says whether ctx is done or past its deadline: a deadline can pass a moment before
// ctx.Err() reports it.
func ended(ctx context.Context) bool {
	deadline, ok := ctx.Deadline()
	return ctx.Err() != nil || (ok && !time.Now().Before(deadline))
}

// panicResponse is the answer of a query whose evaluation panicked: the plugin's fault.
func panicResponse(cause any) backend.DataResponse {
	return backend.ErrDataResponseWithSource(backend.StatusInternal, backend.ErrorSourcePlugin, "the query failed: "+nodeinfo.Recovered(cause).Error())
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
