// Command floorplugin is the same-shape floor of the protocol benchmark (tests/protocol
// bench_test.go): a data source plugin served by the SDK exactly as the real one is
// (datasource.Manage, as pkg/main.go), whose every query gets a card frame built by pkg/frames
// from one node's INFO reply, captured from a real server when the benchmark starts. It does no
// Redis I/O, parsing or judging per query: what the real card query costs beyond it is the
// plugin's own read, parse, rules and query handling.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/backend/datasource"
	"github.com/grafana/grafana-plugin-sdk-go/backend/instancemgmt"
	"github.com/grafana/grafana-plugin-sdk-go/data"

	"github.com/persistwatch/redis-persistence-datasource/internal/pluginhost"
	"github.com/persistwatch/redis-persistence-datasource/pkg/card"
	"github.com/persistwatch/redis-persistence-datasource/pkg/frames"
	"github.com/persistwatch/redis-persistence-datasource/pkg/info"
	"github.com/persistwatch/redis-persistence-datasource/pkg/models"
	"github.com/persistwatch/redis-persistence-datasource/pkg/nodeinfo"
	"github.com/persistwatch/redis-persistence-datasource/pkg/plugin"
)

// ReadingEnv names the JSON file with the captured reply: {"name", "address", "info"}.
const ReadingEnv = "FLOOR_PLUGIN_READING"

// redisDefaultTrigger is auto-aof-rewrite-percentage 100 and auto-aof-rewrite-min-size 64mb,
// Redis's defaults, which the benchmark's server keeps: the card query reads them with CONFIG GET.
var redisDefaultTrigger = nodeinfo.RewriteTrigger{Known: true, Percent: 100, MinSizeBytes: 64 << 20}

func main() {
	go plugin.TuneGC(context.Background(), os.LookupEnv) // collected as the real plugin is
	cards, err := capturedCard(os.Getenv(ReadingEnv))
	if err != nil {
		fmt.Fprintln(os.Stderr, "floorplugin:", err)
		os.Exit(1)
	}
	factory := func(context.Context, backend.DataSourceInstanceSettings) (instancemgmt.Instance, error) {
		return floor{cards}, nil
	}
	if err := datasource.Manage(pluginhost.PluginID, factory, datasource.ManageOpts{}); err != nil {
		fmt.Fprintln(os.Stderr, "floorplugin:", err)
		os.Exit(1)
	}
}

// capturedCard parses and judges the captured reply once, at start.
func capturedCard(path string) ([]frames.NodeCard, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", ReadingEnv, err)
	}
	var captured struct{ Name, Address, Info string }
	if err := json.Unmarshal(raw, &captured); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	node := nodeinfo.Node{Name: captured.Name, Address: captured.Address, Network: "tcp", Dial: captured.Address}
	reading := nodeinfo.Reading{Node: node, Info: info.Parse(captured.Info), Trigger: redisDefaultTrigger}
	return []frames.NodeCard{{Node: node, Card: card.Evaluate(reading)}}, nil
}

// floor answers every query, whatever its type, with a fresh card frame of the fields the query
// asks for, as the real plugin builds one per query.
type floor struct{ cards []frames.NodeCard }

func (f floor) QueryData(_ context.Context, req *backend.QueryDataRequest) (*backend.QueryDataResponse, error) {
	response := backend.NewQueryDataResponse()
	for _, q := range req.Queries {
		query, err := models.ParseQuery(q.JSON)
		if err != nil {
			response.Responses[q.RefID] = backend.ErrDataResponse(backend.StatusBadRequest, err.Error())
			continue
		}
		card := frames.CardFields.Select(frames.Card(f.cards), query.Fields)
		response.Responses[q.RefID] = backend.DataResponse{Frames: data.Frames{card}}
	}
	return response, nil
}
