// Package protocol holds the plugin host tests: they build the plugin binary and drive it the way
// Grafana does, over hashicorp/go-plugin and gRPC, against real redis-server processes (build tag
// realredis); the provisioning files' structure is checked without a server. It has no code of its
// own outside its tests, except floorplugin, the plugin BenchmarkProtocol measures its same-shape
// floor with.
package protocol

// executable is the name Grafana starts, from src/plugin.json.
const executable = "gpx_redis_persistence"
