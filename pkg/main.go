// The backend executable, gpx_redis_persistence: Grafana starts it and talks to it over gRPC.
// The flow, one package per step: settings → node (the Redis I/O) → info (parse) → card (the
// rules) → frames → plugin (the SDK handlers).
package main

import (
	"os"
	"runtime/debug"

	"github.com/grafana/grafana-plugin-sdk-go/backend/datasource"
	"github.com/grafana/grafana-plugin-sdk-go/backend/log"

	"github.com/persistwatch/redis-persistence-datasource/pkg/plugin"
)

// gcPercent is the garbage collector's target when GOGC is not set. Most of the plugin's heap is
// garbage of a poll (INFO replies, readings, and the SDK's Arrow encoding of every response), so
// half the default headroom keeps a fleet's peak memory down, above all when many viewers ask at
// once, for a little more collector work.
const gcPercent = 50

func main() {
	tuneGC(os.LookupEnv)
	// Manage serves Grafana until it stops the process; it creates a data source instance per
	// configured data source, and a new one whenever its settings change.
	if err := datasource.Manage("persistwatch-redis-datasource", plugin.NewDatasource, datasource.ManageOpts{}); err != nil {
		log.DefaultLogger.Error(err.Error())
		os.Exit(1)
	}
}

// tuneGC sets gcPercent unless the environment sets GOGC, which then has the last word.
func tuneGC(lookupEnv func(string) (string, bool)) {
	if _, set := lookupEnv("GOGC"); !set {
		debug.SetGCPercent(gcPercent)
	}
}
