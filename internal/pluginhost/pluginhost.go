// Package pluginhost plays Grafana's side of the plugin protocol: it starts the plugin binary
// with go-plugin over gRPC and Grafana's handshake, and calls it with a data source's settings.
// The host test and the local demo use it; Grafana itself does the same in production.
package pluginhost

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os/exec"
	"strings"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/backend/grpcplugin"
	"github.com/grafana/grafana-plugin-sdk-go/config"
	"github.com/grafana/grafana-plugin-sdk-go/genproto/pluginv2"
	"github.com/hashicorp/go-hclog"
	goplugin "github.com/hashicorp/go-plugin"
	"google.golang.org/protobuf/proto"
)

// PluginID is the data source plugin's id.
const PluginID = "persistwatch-redis-datasource"

// Host is one running plugin process.
type Host struct {
	client      *goplugin.Client
	data        grpcplugin.DataClient
	diagnostics grpcplugin.DiagnosticsClient
	resource    grpcplugin.ResourceClient
	// OnResponse, when set, sees every gRPC response message (the host test scans them for secrets).
	OnResponse func(proto.Message)
}

// Start starts binary as Grafana does: gRPC only, no AutoMTLS, the data, diagnostics, resource
// and stream plugin sets. The plugin's stderr and go-plugin's own log go to the given writers.
func Start(binary string, stderr, hostLog io.Writer) (*Host, error) {
	host := &Host{}
	host.client = goplugin.NewClient(&goplugin.ClientConfig{
		HandshakeConfig: goplugin.HandshakeConfig{
			ProtocolVersion:  grpcplugin.ProtocolVersion,
			MagicCookieKey:   grpcplugin.MagicCookieKey,
			MagicCookieValue: grpcplugin.MagicCookieValue,
		},
		VersionedPlugins: map[int]goplugin.PluginSet{
			grpcplugin.ProtocolVersion: {
				"diagnostics": &grpcplugin.DiagnosticsGRPCPlugin{},
				"resource":    &grpcplugin.ResourceGRPCPlugin{},
				"data":        &grpcplugin.DataGRPCPlugin{},
				"stream":      &grpcplugin.StreamGRPCPlugin{},
			},
		},
		Cmd:              exec.Command(binary),
		AllowedProtocols: []goplugin.Protocol{goplugin.ProtocolGRPC},
		AutoMTLS:         false,
		StartTimeout:     time.Minute, // a -race build on two busy cores starts slowly
		Stderr:           stderr,
		Logger:           hclog.New(&hclog.LoggerOptions{Name: "grafana", Level: hclog.Trace, Output: hostLog}),
	})
	rpc, err := host.client.Client()
	if err != nil {
		host.client.Kill()
		return nil, fmt.Errorf("starting the plugin: %w", err)
	}
	if host.data, err = dispense[grpcplugin.DataClient](rpc, "data"); err == nil {
		if host.diagnostics, err = dispense[grpcplugin.DiagnosticsClient](rpc, "diagnostics"); err == nil {
			host.resource, err = dispense[grpcplugin.ResourceClient](rpc, "resource")
		}
	}
	if err != nil {
		host.client.Kill()
		return nil, err
	}
	return host, nil
}

func dispense[C any](rpc goplugin.ClientProtocol, name string) (C, error) {
	var client C
	raw, err := rpc.Dispense(name)
	if err != nil {
		return client, fmt.Errorf("dispensing %s: %w", name, err)
	}
	client, ok := raw.(C)
	if !ok {
		return client, fmt.Errorf("dispensed %s is a %T", name, raw)
	}
	return client, nil
}

// Streams dispenses the stream plugin set, through which Grafana Live subscribes, publishes and
// runs streams.
func (h *Host) Streams() (grpcplugin.StreamClient, error) {
	rpc, err := h.client.Client()
	if err != nil {
		return nil, err
	}
	return dispense[grpcplugin.StreamClient](rpc, "stream")
}

// Client is the go-plugin client, for protocol checks.
func (h *Host) Client() *goplugin.Client { return h.client }

// Kill stops the plugin process.
func (h *Host) Kill() { h.client.Kill() }

func (h *Host) seen(message proto.Message) {
	if h.OnResponse != nil {
		h.OnResponse(message)
	}
}

// CheckHealth is "Save & test".
func (h *Host) CheckHealth(ctx context.Context, pc backend.PluginContext) (*backend.CheckHealthResult, error) {
	response, err := h.diagnostics.CheckHealth(ctx, &pluginv2.CheckHealthRequest{PluginContext: backend.ToProto().PluginContext(pc)})
	if err != nil {
		return nil, fmt.Errorf("CheckHealth: %w", err)
	}
	h.seen(response)
	return backend.FromProto().CheckHealthResponse(response), nil
}

// Query sends one query (refId A) as a panel would and returns its response.
func (h *Host) Query(ctx context.Context, pc backend.PluginContext, queryType, model string) (backend.DataResponse, error) {
	now := time.Now()
	decoded, err := h.QueryData(ctx, &backend.QueryDataRequest{
		PluginContext: pc,
		Queries: []backend.DataQuery{{
			RefID: "A", QueryType: queryType, MaxDataPoints: 100, Interval: time.Minute,
			TimeRange: backend.TimeRange{From: now.Add(-time.Hour), To: now}, JSON: json.RawMessage(model),
		}},
	})
	if err != nil {
		return backend.DataResponse{}, fmt.Errorf("%s %s: %w", queryType, model, err)
	}
	result, ok := decoded.Responses["A"]
	if !ok || len(decoded.Responses) != 1 {
		return backend.DataResponse{}, fmt.Errorf("got %d responses, want exactly refId A", len(decoded.Responses))
	}
	return result, nil
}

// QueryData sends a whole request, headers included, as Grafana's query service and its alert
// evaluator do, and decodes the frames from Arrow.
func (h *Host) QueryData(ctx context.Context, request *backend.QueryDataRequest) (*backend.QueryDataResponse, error) {
	response, err := h.data.QueryData(ctx, backend.ToProto().QueryDataRequest(request))
	if err != nil {
		return nil, fmt.Errorf("QueryData: %w", err)
	}
	h.seen(response)
	decoded, err := backend.FromProto().QueryDataResponse(response)
	if err != nil {
		return nil, fmt.Errorf("decoding the QueryData response: %w", err)
	}
	return decoded, nil
}

// Resource calls a GET resource and returns the whole body.
func (h *Host) Resource(ctx context.Context, pc backend.PluginContext, path string) (*backend.CallResourceResponse, error) {
	stream, err := h.resource.CallResource(ctx, &pluginv2.CallResourceRequest{
		PluginContext: backend.ToProto().PluginContext(pc), Path: path, Method: "GET", Url: path,
	})
	if err != nil {
		return nil, fmt.Errorf("CallResource %s: %w", path, err)
	}
	var result *backend.CallResourceResponse
	for {
		chunk, err := stream.Recv()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("CallResource %s: %w", path, err)
		}
		h.seen(chunk)
		part := backend.FromProto().CallResourceResponse(chunk)
		if result == nil {
			result = part
		} else {
			result.Body = append(result.Body, part.Body...)
		}
	}
	if result == nil {
		return nil, fmt.Errorf("CallResource %s sent nothing", path)
	}
	return result, nil
}

// Node is one node of a data source's settings.
type Node struct {
	Name    string `json:"name"`
	Address string `json:"address"`
}

// DataSource is a data source as Grafana stores it, turned into the PluginContext of each call.
type DataSource struct {
	ID       int64
	UID      string
	Name     string
	Nodes    []Node
	Password string
	// SecureSocksProxy turns on the data source's secure SOCKS proxy switch; GrafanaConfig is
	// Grafana's configuration sent with each call, such as its secure SOCKS proxy settings.
	SecureSocksProxy bool
	GrafanaConfig    map[string]string
	// JSONData holds further jsonData keys, such as coalesceWindowMs.
	JSONData map[string]any
}

// PluginContext is what Grafana sends with every call for this data source.
func (d DataSource) PluginContext() backend.PluginContext {
	settings := map[string]any{"nodes": d.Nodes, "connectTimeoutMs": 2000, "readTimeoutMs": 2000}
	for key, value := range d.JSONData {
		settings[key] = value
	}
	if d.SecureSocksProxy {
		settings["enableSecureSocksProxy"] = true
	}
	jsonData, err := json.Marshal(settings)
	if err != nil {
		panic(err) // plain structs and the test's own values always marshal
	}
	secure := map[string]string{}
	if d.Password != "" {
		secure["password"] = d.Password
	}
	return backend.PluginContext{
		PluginID:      PluginID,
		GrafanaConfig: config.NewGrafanaCfg(d.GrafanaConfig),
		User:          &backend.User{Login: "admin", Name: "Admin", Role: "Admin"},
		DataSourceInstanceSettings: &backend.DataSourceInstanceSettings{
			ID: d.ID, UID: d.UID, Name: d.Name, Type: PluginID, JSONData: jsonData,
			DecryptedSecureJSONData: secure, Updated: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC),
		},
	}
}

// Build compiles the main package in dir (the plugin's pkg/, or a test's own plugin) into binary
// with `go build` and the given flags, such as -race.
func Build(dir, binary string, flags ...string) error {
	goTool, err := exec.LookPath("go")
	if err != nil {
		return fmt.Errorf("the go tool is needed to build %s: %w", dir, err)
	}
	args := append(append([]string{"build", "-o", binary}, flags...), ".")
	cmd := exec.Command(goTool, args...)
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go %s in %s: %v\n%s", strings.Join(args, " "), dir, err, out)
	}
	return nil
}
