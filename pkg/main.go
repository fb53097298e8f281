// The backend executable, gpx_redis_persistence: Grafana starts it and talks to it over gRPC.
// The flow, one package per step: settings → node (the Redis I/O) → info (parse) → card (the
// rules) → frames → plugin (the SDK handlers).
package main

import (
	"context"
	"os"

	"github.com/grafana/grafana-plugin-sdk-go/backend/datasource"
	"github.com/grafana/grafana-plugin-sdk-go/backend/log"

	"github.com/persistwatch/redis-persistence-datasource/pkg/plugin"
)

func main() {
	go plugin.TuneGC(context.Background(), os.LookupEnv)
	// Manage serves Grafana until it stops the process; it creates a data source instance per
	// configured data source, and a new one whenever its settings change.
	if err := datasource.Manage("persistwatch-redis-datasource", plugin.NewDatasource, datasource.ManageOpts{}); err != nil {
		log.DefaultLogger.Error(err.Error())
		os.Exit(1)
	}
}
