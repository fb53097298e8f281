// Package hosttest holds the plugin host test: it builds the plugin binary and drives it the way
// Grafana does, over hashicorp/go-plugin and gRPC, against real redis-server processes. It has no
// code of its own outside its tests.
package protocol
