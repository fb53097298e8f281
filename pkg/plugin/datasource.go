// Package plugin is the Grafana-facing layer: it wires settings → nodes → INFO → card → frames
// behind the SDK's handlers and does no judging of its own. It is the only package that uses the
// Redis I/O (package node).
package plugin

import (
	"context"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/backend/instancemgmt"
	"github.com/grafana/grafana-plugin-sdk-go/backend/log"

	"github.com/persistwatch/redis-persistence-datasource/pkg/flight"
	"github.com/persistwatch/redis-persistence-datasource/pkg/node"
	"github.com/persistwatch/redis-persistence-datasource/pkg/nodeinfo"
	"github.com/persistwatch/redis-persistence-datasource/pkg/settings"
)

var (
	_ backend.QueryDataHandler      = (*Datasource)(nil)
	_ backend.CheckHealthHandler    = (*Datasource)(nil)
	_ backend.CallResourceHandler   = (*Datasource)(nil)
	_ backend.StreamHandler         = (*Datasource)(nil)
	_ instancemgmt.InstanceDisposer = (*Datasource)(nil)
)

// nodeReader is what the handlers ask of the nodes: a node.Pool, or a fake in handler tests.
type nodeReader interface {
	// Select resolves a node filter; only configured or discovered nodes can be selected.
	Select(ctx context.Context, filter []string) (node.Selection, error)
	// Read reads the selected nodes; a node that fails is a reading with Err set.
	Read(ctx context.Context, selection node.Selection, request node.Request) []nodeinfo.Reading
	Discovery() settings.Discovery
	Close() error
}

// Datasource is one data source with valid settings and its node reader, built once when
// Grafana creates the instance. (Invalid settings make a misconfigured instance.)
type Datasource struct {
	nodes nodeReader
	// answers lets identical queries in flight at the same time share one answer: fifty viewers
	// of a thousand-node dashboard cost one evaluation and one set of frames, not fifty. The node
	// reads below are shared per node as well (node.Pool).
	answers *flight.Group[string, backend.DataResponse]
	// delayedFsyncs remembers each node's aof_delayed_fsync, for its increase.
	delayedFsyncs delayedFsyncs
	// liveIntervalFloor lowers the shortest live push interval (liveIntervalMin) for tests; zero
	// in production.
	liveIntervalFloor time.Duration
}

// NewDatasource is the instance factory Grafana calls per data source and settings version.
func NewDatasource(ctx context.Context, instance backend.DataSourceInstanceSettings) (instancemgmt.Instance, error) {
	loaded, err := settings.Load(ctx, instance)
	if err != nil {
		log.DefaultLogger.Warn("invalid data source settings", "datasource", instance.UID, "error", err.Error())
		return misconfigured{err}, nil
	}
	return newDatasource(node.NewPool(loaded)), nil
}

func newDatasource(nodes nodeReader) *Datasource {
	return &Datasource{nodes: nodes, answers: flight.NewGroup[string, backend.DataResponse](byQuery, sameQuery, 0)}
}

// Dispose closes the node connections when Grafana replaces or removes the instance.
func (d *Datasource) Dispose() {
	if err := d.nodes.Close(); err != nil {
		log.DefaultLogger.Debug("closing Redis connections", "error", err.Error())
	}
}
