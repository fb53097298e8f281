// Package fleetbench holds the fleet benchmark: in one run it starts fleets of real redis-server
// processes (AOF on, 1 to 1,000 of them) and measures, side by side on the same fleet, what it
// costs to poll every node once per poll:
//
//   - bare: a go-redis fan-out sending the card query's INFO, one client per node, set up like
//     the plugin's clients (the floor);
//   - plugin: this plugin's QueryData (card, all nodes) over the real plugin protocol, the binary
//     started as Grafana starts it (internal/pluginhost);
//   - plugin-50-concurrent: 50 such QueryData calls at once, with the default coalescing window;
//   - redis_exporter: Prometheus' redis_exporter as its own process, scraped once per node through
//     its multi-target /scrape endpoint.
//
// For each it reports latency per poll (p50, p99), CPU per poll and peak RSS of the process doing
// the work, connections the servers saw opened and INFO calls they served, and the fleet's own
// memory. It has no code outside its tests and is not part of `make test`; run it with
// `make bench-fleet` or
//
//	go test ./tests/fleet -run '^$' -bench Fleet -benchtime 1x -timeout 60m -fleet.sizes=1,10,100,1000
//
// docs/benchmarks.md ("Fleet: 1 to 1,000 nodes") has the flags, the figures and what they mean.
//
// With -fleet.farm (`make bench-fleet-farm`, 1,000 to 10,000 nodes) the nodes are ports of farm
// processes (./farm) replaying what a real redis-server, recorded at the start of the run,
// answered to the very requests the contenders send; docs/benchmarks.md ("Fleet: 1,000 to 10,000
// nodes on a farm") says how that differs from real servers.
package fleet
