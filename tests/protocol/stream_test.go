//go:build realredis

package protocol

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/genproto/pluginv2"

	"github.com/persistwatch/redis-persistence-datasource/internal/pluginhost"
	"github.com/persistwatch/redis-persistence-datasource/internal/redistest"
)

// TestLiveGrowthOverGRPC drives the built plugin's Grafana Live handlers the way Grafana's Live
// service does over the stream plugin set: subscribe (admitted with the schema, or refused), then
// RunStream, whose packets are what Grafana publishes to the browsers on the channel. Grafana's
// own Live service and browser side are not part of this test.
func TestLiveGrowthOverGRPC(t *testing.T) {
	binary := buildPlugin(t)
	server := redistest.Start(t, redistest.Options{})
	ds := pluginhost.DataSource{ID: 1, UID: "live", Name: "Live", Nodes: []pluginhost.Node{{Name: "cache", Address: server.Addr}}}
	host := startPlugin(t, binary)
	streams, err := host.Streams()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), callTimeout)
	defer cancel()
	pc := backend.ToProto().PluginContext(ds.PluginContext())

	subscribed, err := streams.SubscribeStream(ctx, &pluginv2.SubscribeStreamRequest{PluginContext: pc, Path: "growth/1000"})
	if err != nil {
		t.Fatal(err)
	}
	if subscribed.Status != pluginv2.SubscribeStreamResponse_OK || !strings.Contains(string(subscribed.Data), `"name":"cache current"`) {
		t.Fatalf("subscribe to every node: %v with %s; want OK with the growth schema", subscribed.Status, subscribed.Data)
	}
	refused, err := streams.SubscribeStream(ctx, &pluginv2.SubscribeStreamRequest{PluginContext: pc, Path: "growth/100"})
	if err != nil || refused.Status != pluginv2.SubscribeStreamResponse_NOT_FOUND {
		t.Fatalf("subscribe at 100 ms: %v, %v; want NOT_FOUND (the floor is 1 s)", refused.GetStatus(), err)
	}
	published, err := streams.PublishStream(ctx, &pluginv2.PublishStreamRequest{PluginContext: pc, Path: "growth/1000", Data: []byte(`{}`)})
	if err != nil || published.Status != pluginv2.PublishStreamResponse_PERMISSION_DENIED {
		t.Fatalf("publish: %v, %v; want PERMISSION_DENIED", published.GetStatus(), err)
	}

	runCtx, stop := context.WithCancel(ctx)
	defer stop()
	run, err := streams.RunStream(runCtx, &pluginv2.RunStreamRequest{PluginContext: pc, Path: "growth/1000"})
	if err != nil {
		t.Fatal(err)
	}
	type packet struct {
		Schema *json.RawMessage `json:"schema"`
		Data   *struct {
			Values [][]any `json:"values"`
		} `json:"data"`
	}
	var packets []packet
	for len(packets) < 2 {
		received, err := run.Recv()
		if err != nil {
			t.Fatalf("RunStream after %d packets: %v\nplugin stderr:\n%s", len(packets), err, host.stderr)
		}
		var p packet
		if err := json.Unmarshal(received.Data, &p); err != nil {
			t.Fatalf("packet %s: %v", received.Data, err)
		}
		if p.Data == nil || len(p.Data.Values) != 4 || p.Data.Values[3][0] != "ok" || p.Data.Values[1][0] == nil {
			t.Fatalf("packet %s; want a sample with the node's status ok and its current size", received.Data)
		}
		packets = append(packets, p)
	}
	if packets[0].Schema == nil || packets[1].Schema != nil {
		t.Fatalf("want the schema in the first packet only; got %v, %v", packets[0].Schema != nil, packets[1].Schema != nil)
	}
	first, second := packets[0].Data.Values[0][0].(float64), packets[1].Data.Values[0][0].(float64)
	if gap := time.Duration(second-first) * time.Millisecond; gap < 900*time.Millisecond || gap > 10*time.Second {
		t.Fatalf("samples %v apart; want about the 1 s interval", gap)
	}

	stop()
	for {
		if _, err := run.Recv(); err != nil {
			if !errors.Is(err, io.EOF) && runCtx.Err() == nil {
				t.Fatalf("RunStream ended with %v", err)
			}
			break
		}
	}
}
