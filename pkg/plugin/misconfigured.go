package plugin

import (
	"context"
	"fmt"
	"net/http"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
)

// misconfigured is the instance of a data source whose settings are invalid. It is an instance
// rather than a factory error so that "Save & test", every query, the node list and Live can tell
// the administrator which setting is wrong.
type misconfigured struct{ err error }

var (
	_ backend.QueryDataHandler    = misconfigured{}
	_ backend.CheckHealthHandler  = misconfigured{}
	_ backend.CallResourceHandler = misconfigured{}
	_ backend.StreamHandler       = misconfigured{}
)

func (m misconfigured) problem() error {
	return fmt.Errorf("the data source settings are invalid: %w", m.err)
}

func (m misconfigured) QueryData(_ context.Context, req *backend.QueryDataRequest) (*backend.QueryDataResponse, error) {
	response := backend.NewQueryDataResponse()
	for _, q := range req.Queries {
		response.Responses[q.RefID] = badQuery(m.problem())
	}
	return response, nil
}

func (m misconfigured) CheckHealth(context.Context, *backend.CheckHealthRequest) (*backend.CheckHealthResult, error) {
	return &backend.CheckHealthResult{Status: backend.HealthStatusError, Message: m.err.Error()}, nil
}

func (m misconfigured) CallResource(_ context.Context, req *backend.CallResourceRequest, sender backend.CallResourceResponseSender) error {
	if status, message := checkResource(req); status != http.StatusOK {
		return sendJSON(sender, status, map[string]string{"message": message})
	}
	return sendJSON(sender, http.StatusBadRequest, map[string]string{"message": m.err.Error()})
}

func (m misconfigured) SubscribeStream(_ context.Context, req *backend.SubscribeStreamRequest) (*backend.SubscribeStreamResponse, error) {
	logRefusal(req.Path, m.problem())
	return &backend.SubscribeStreamResponse{Status: backend.SubscribeStreamStatusNotFound}, nil
}

func (m misconfigured) PublishStream(context.Context, *backend.PublishStreamRequest) (*backend.PublishStreamResponse, error) {
	return &backend.PublishStreamResponse{Status: backend.PublishStreamStatusPermissionDenied}, nil
}

// RunStream ends at once with the problem, which Grafana logs.
func (m misconfigured) RunStream(context.Context, *backend.RunStreamRequest, *backend.StreamSender) error {
	return m.problem()
}
