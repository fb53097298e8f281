package plugin

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/backend/instancemgmt"
)

// configured is a data source whose settings are valid.
func configured(t *testing.T, jsonData string, secure map[string]string) *Datasource {
	t.Helper()
	return started(t, context.Background(), testSettings(jsonData, secure))
}

// started is the data source Grafana's instance factory makes from settings in ctx, which must
// be valid; it is disposed of on cleanup.
func started(tb testing.TB, ctx context.Context, settings backend.DataSourceInstanceSettings) *Datasource {
	tb.Helper()
	instance := newInstance(tb, ctx, settings)
	ds, ok := instance.(*Datasource)
	if !ok {
		tb.Fatalf("settings rejected: %v", instance.(misconfigured).err)
	}
	tb.Cleanup(ds.Dispose)
	return ds
}

// rejected is the instance of a data source whose settings are invalid.
func rejected(t *testing.T, jsonData string) misconfigured {
	t.Helper()
	instance := newInstance(t, context.Background(), testSettings(jsonData, nil))
	m, ok := instance.(misconfigured)
	if !ok {
		t.Fatalf("settings %s accepted; want them rejected", jsonData)
	}
	return m
}

func testSettings(jsonData string, secure map[string]string) backend.DataSourceInstanceSettings {
	return backend.DataSourceInstanceSettings{UID: "test", JSONData: []byte(jsonData), DecryptedSecureJSONData: secure}
}

func newInstance(tb testing.TB, ctx context.Context, settings backend.DataSourceInstanceSettings) instancemgmt.Instance {
	tb.Helper()
	instance, err := NewDatasource(ctx, settings)
	if err != nil {
		tb.Fatal(err)
	}
	return instance
}

func query(t *testing.T, ds backend.QueryDataHandler, queryType, model string) backend.DataResponse {
	t.Helper()
	response, err := ds.QueryData(context.Background(), &backend.QueryDataRequest{Queries: []backend.DataQuery{{RefID: "A", QueryType: queryType, JSON: json.RawMessage(model)}}})
	if err != nil {
		t.Fatal(err)
	}
	return response.Responses["A"]
}

func TestInvalidSettingsAreReportedByHealthAndQueries(t *testing.T) {
	ds := rejected(t, `{"nodes":[{"address":"cache-1"}]}`)
	health, err := ds.CheckHealth(context.Background(), &backend.CheckHealthRequest{})
	if err != nil || health.Status != backend.HealthStatusError || !strings.Contains(health.Message, `setting nodes[0].address: "cache-1" is not host:port`) {
		t.Fatalf("health = %+v, %v", health, err)
	}
	response := query(t, ds, "card", `{}`)
	if response.Error == nil || !strings.Contains(response.Error.Error(), "settings are invalid") || response.ErrorSource != backend.ErrorSourceDownstream {
		t.Fatalf("query response = %+v", response)
	}
}

func TestQueriesThatCannotRunAreDownstreamErrors(t *testing.T) {
	ds := configured(t, `{"nodes":[{"address":"127.0.0.1:1","name":"one"}]}`, nil)
	tests := map[string]struct{ queryType, model, want string }{
		"unknown query type":   {"size", `{}`, `unknown queryType "size"; use one of card, alerting, raw, siblings`},
		"unknown metric":       {"alerting", `{"metric":"bogus"}`, `metric "bogus" is not one of`},
		"node not configured":  {"card", `{"nodes":["10.9.9.9:6379"]}`, `"10.9.9.9:6379", which this data source does not configure; configured nodes: "one"`},
		"model of wrong shape": {"raw", `{"nodes":5}`, "not valid JSON"},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			response := query(t, ds, tt.queryType, tt.model)
			if response.Error == nil || !strings.Contains(response.Error.Error(), tt.want) {
				t.Fatalf("error = %v, want it to contain %q", response.Error, tt.want)
			}
			if response.ErrorSource != backend.ErrorSourceDownstream || response.Status != backend.StatusBadRequest {
				t.Fatalf("source %q status %d, want downstream 400", response.ErrorSource, response.Status)
			}
		})
	}
}

type recordingSender struct {
	responses []*backend.CallResourceResponse
}

func (r *recordingSender) Send(response *backend.CallResourceResponse) error {
	r.responses = append(r.responses, response)
	return nil
}

func TestNodesResourceListsConfiguredNodesOnly(t *testing.T) {
	ds := configured(t, `{"nodes":[{"address":"127.0.0.1:7001","name":"cache-1"},{"address":"rediss://127.0.0.1:7002"}]}`,
		map[string]string{"password": "hunter2"})
	sender := &recordingSender{}
	if err := ds.CallResource(context.Background(), &backend.CallResourceRequest{Path: "nodes", Method: http.MethodGet}, sender); err != nil {
		t.Fatal(err)
	}
	body := string(sender.responses[0].Body)
	if sender.responses[0].Status != http.StatusOK || body != `[{"name":"cache-1","address":"127.0.0.1:7001"},{"name":"rediss://127.0.0.1:7002","address":"rediss://127.0.0.1:7002"}]` {
		t.Fatalf("got %d %s", sender.responses[0].Status, body)
	}
	if err := ds.CallResource(context.Background(), &backend.CallResourceRequest{Path: "keys", Method: http.MethodGet}, sender); err != nil {
		t.Fatal(err)
	}
	if sender.responses[1].Status != http.StatusNotFound {
		t.Fatalf("unknown resource answered %d", sender.responses[1].Status)
	}
}

func TestStreamsRefuseInvalidSettingsAndPublishing(t *testing.T) {
	ds := rejected(t, `{"nodes":[{"address":"cache-1"}]}`)
	response, err := ds.SubscribeStream(context.Background(), &backend.SubscribeStreamRequest{Path: "growth/5000"})
	if err != nil || response.Status != backend.SubscribeStreamStatusNotFound {
		t.Fatalf("subscribe with invalid settings: %+v, %v; want not found", response, err)
	}
	err = ds.RunStream(context.Background(), &backend.RunStreamRequest{Path: "growth/5000"}, backend.NewStreamSender(nil))
	if err == nil || !strings.Contains(err.Error(), "settings are invalid") {
		t.Fatalf("RunStream with invalid settings: %v", err)
	}
	published, err := ds.PublishStream(context.Background(), &backend.PublishStreamRequest{Path: "growth/5000", Data: json.RawMessage(`{}`)})
	if err != nil || published.Status != backend.PublishStreamStatusPermissionDenied {
		t.Fatalf("publish: %+v, %v; want permission denied", published, err)
	}
}
