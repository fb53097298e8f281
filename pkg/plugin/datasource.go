// Package plugin is the Grafana-facing layer: it wires settings → nodes → INFO → state → frames
// behind the SDK's handlers and does no judging of its own.
package plugin

import (
	"context"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/backend/datasource"
	"github.com/grafana/grafana-plugin-sdk-go/backend/instancemgmt"
	"github.com/grafana/grafana-plugin-sdk-go/backend/log"

	"github.com/persistwatch/redis-persistence-datasource/pkg/node"
	"github.com/persistwatch/redis-persistence-datasource/pkg/settings"
)

var (
	_ backend.QueryDataHandler      = (*Datasource)(nil)
	_ backend.CheckHealthHandler    = (*Datasource)(nil)
	_ backend.CallResourceHandler   = (*Datasource)(nil)
	_ backend.StreamHandler         = (*Datasource)(nil)
	_ instancemgmt.InstanceDisposer = (*Datasource)(nil)
)

// Datasource is one configured data source: its validated settings, its node pool and its query
// router, all built once when Grafana creates the instance.
type Datasource struct {
	// settingsErr is kept rather than returned from the factory, so that "Save & test" and every
	// query can show the administrator which setting is wrong.
	settingsErr error
	pool        *node.Pool
	mux         *datasource.QueryTypeMux
	shared      sharedAnswers
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
		return &Datasource{settingsErr: err}, nil
	}
	ds := &Datasource{pool: node.NewPool(loaded)}
	ds.mux = ds.routes()
	return ds, nil
}

// Dispose closes the node connections when Grafana replaces or removes the instance.
func (d *Datasource) Dispose() {
	if d.pool == nil {
		return
	}
	if err := d.pool.Close(); err != nil {
		log.DefaultLogger.Debug("closing Redis connections", "error", err.Error())
	}
}
