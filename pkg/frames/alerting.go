package frames

import (
	"github.com/grafana/grafana-plugin-sdk-go/data"

	"github.com/persistwatch/redis-persistence-datasource/pkg/models"
	"github.com/persistwatch/redis-persistence-datasource/pkg/state"
)

// NodeSignals is one node's card and its alert signals.
type NodeSignals struct {
	NodeCard
	Signals state.Signals
}

// Alerting returns dataplane numeric-multi frames: one frame per node and metric, one nullable
// number, the node's identity in labels. Grafana alerting takes the dataplane path because the
// first frame has a type and a non-zero type version. An empty metric returns every metric.
func Alerting(nodes []NodeSignals, metric models.Metric) data.Frames {
	metrics := models.Metrics
	if metric != "" {
		metrics = []models.Metric{metric}
	}
	cards := make([]NodeCard, len(nodes))
	for i, ns := range nodes {
		cards[i] = ns.NodeCard
	}
	var frames data.Frames
	for _, m := range metrics {
		for _, ns := range nodes {
			labels := seriesLabels(ns.NodeCard)
			value := signalValue(ns.Signals, m)
			frame := data.NewFrame(string(m), data.NewField(string(m), labels, []*float64{value}))
			frame.Meta = &data.FrameMeta{Type: data.FrameTypeNumericMulti, TypeVersion: data.FrameTypeVersion{0, 1}}
			frames = append(frames, frame)
		}
	}
	if len(frames) > 0 {
		frames[0].Meta.Notices = notices(cards)
	}
	return frames
}

func signalValue(s state.Signals, metric models.Metric) *float64 {
	switch metric {
	case models.MetricRewriteFailing:
		return &s.RewriteFailing
	case models.MetricRewriteStuck:
		return &s.RewriteStuck
	case models.MetricWriteFailing:
		return &s.WriteFailing
	case models.MetricRDBSaveFailing:
		return &s.RDBSaveFailing
	case models.MetricRDBUnsavedAge:
		return &s.RDBUnsavedAgeSec
	case models.MetricRewriteOverdue:
		return &s.RewriteOverdueRatio
	case models.MetricDelayedFsyncIncrease:
		return &s.DelayedFsyncIncrease
	case models.MetricNodeUp:
		return &s.NodeUp
	case models.MetricAOFEnabled:
		return s.AOFEnabled
	case models.MetricRewriteOK:
		return s.RewriteOK
	case models.MetricWriteOK:
		return s.WriteOK
	case models.MetricConsecutiveFailures:
		return s.ConsecutiveFailures
	case models.MetricGrowthRatio:
		return s.GrowthOverTrigger
	case models.MetricCurrentSize:
		return s.CurrentSize
	case models.MetricBaseSize:
		return s.BaseSize
	case models.MetricRDBLastSaveAge:
		return s.RDBLastSaveAgeSec
	}
	return nil
}

// seriesLabels identify a node's series: instance, node and role always; shard and master_name
// for discovered nodes.
func seriesLabels(nc NodeCard) data.Labels {
	labels := data.Labels{"instance": nc.Node.Address, "node": nc.Node.Name, "role": roleLabel(nc.Card.Role)}
	if nc.Node.Shard != "" {
		labels["shard"] = nc.Node.Shard
	}
	if nc.Node.MasterName != "" {
		labels["master_name"] = nc.Node.MasterName
	}
	return labels
}
