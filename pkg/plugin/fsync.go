package plugin

import (
	"sync"
	"time"
)

// aof_delayed_fsync counts, since the server started, the fsyncs that appendfsync everysec had to
// postpone because the previous one was still running: the disk is too slow for the write rate.
// The count alone says nothing about now, and an alert rule sees one instant, so the plugin
// remembers each node's count over a short window and reports the increase. Memory is bounded:
// one small ring per node read in the last window; a node not read for a window (it left the
// topology, or no rule asks any more) is forgotten.
const (
	delayedFsyncWindow = 5 * time.Minute
	// delayedFsyncSpacing keeps at most one sample per 10 s, Grafana's fastest rule interval, so a
	// ring holds at most window/spacing+1 samples however often panels ask.
	delayedFsyncSpacing = 10 * time.Second
	delayedFsyncSamples = int(delayedFsyncWindow/delayedFsyncSpacing) + 1
)

type fsyncSample struct {
	at    time.Time
	count int64
}

// delayedFsyncs is the per data source instance memory of aof_delayed_fsync, by node address.
type delayedFsyncs struct {
	mu    sync.Mutex
	nodes map[string][]fsyncSample // oldest first
}

// increases records this read of each node's counter (nil: not reported, e.g. AOF off or the node
// did not answer) and returns how much each rose within the window: 0 on a first read, after a
// restart (the counter went down) and for a nil counter.
func (m *delayedFsyncs) increases(now time.Time, addresses []string, counts []*int64) []float64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.nodes == nil {
		m.nodes = map[string][]fsyncSample{}
	}
	since := now.Add(-delayedFsyncWindow)
	for address, samples := range m.nodes {
		if samples[len(samples)-1].at.Before(since) {
			delete(m.nodes, address)
		}
	}
	result := make([]float64, len(addresses))
	for i, address := range addresses {
		if counts[i] == nil {
			continue
		}
		count := *counts[i]
		samples := m.nodes[address]
		for len(samples) > 0 && samples[0].at.Before(since) {
			samples = samples[1:]
		}
		if len(samples) > 0 && count < samples[len(samples)-1].count {
			samples = nil // the server restarted: its counter began again at 0
		}
		if len(samples) > 0 {
			result[i] = float64(count - samples[0].count)
		}
		if len(samples) == 0 || now.Sub(samples[len(samples)-1].at) >= delayedFsyncSpacing {
			if len(samples) == delayedFsyncSamples {
				samples = samples[1:]
			}
			samples = append(samples, fsyncSample{at: now, count: count})
		}
		m.nodes[address] = samples
	}
	return result
}
