package frames

import (
	"github.com/grafana/grafana-plugin-sdk-go/data"

	"github.com/persistwatch/redis-persistence-datasource/pkg/card"
	"github.com/persistwatch/redis-persistence-datasource/pkg/models"
)

// NodeSignals is one node's card and its alert signals.
type NodeSignals struct {
	NodeCard
	Signals card.Signals
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

func signalValue(s card.Signals, metric models.Metric) *float64 {
	if value, known := signalValues[metric]; known {
		return value(&s)
	}
	return nil
}

// signalValues picks each metric's signal.
var signalValues = map[models.Metric]func(*card.Signals) *float64{
	models.MetricRewriteFailing:       func(s *card.Signals) *float64 { return &s.RewriteFailing },
	models.MetricRewriteStuck:         func(s *card.Signals) *float64 { return &s.RewriteStuck },
	models.MetricWriteFailing:         func(s *card.Signals) *float64 { return &s.WriteFailing },
	models.MetricRDBSaveFailing:       func(s *card.Signals) *float64 { return &s.RDBSaveFailing },
	models.MetricRDBUnsavedAge:        func(s *card.Signals) *float64 { return &s.RDBUnsavedAgeSec },
	models.MetricRewriteOverdue:       func(s *card.Signals) *float64 { return &s.RewriteOverdueRatio },
	models.MetricDelayedFsyncIncrease: func(s *card.Signals) *float64 { return &s.DelayedFsyncIncrease },
	models.MetricNodeUp:               func(s *card.Signals) *float64 { return &s.NodeUp },
	models.MetricAOFEnabled:           func(s *card.Signals) *float64 { return s.AOFEnabled },
	models.MetricRewriteOK:            func(s *card.Signals) *float64 { return s.RewriteOK },
	models.MetricWriteOK:              func(s *card.Signals) *float64 { return s.WriteOK },
	models.MetricConsecutiveFailures:  func(s *card.Signals) *float64 { return s.ConsecutiveFailures },
	models.MetricGrowthRatio:          func(s *card.Signals) *float64 { return s.GrowthOverTrigger },
	models.MetricCurrentSize:          func(s *card.Signals) *float64 { return s.CurrentSize },
	models.MetricBaseSize:             func(s *card.Signals) *float64 { return s.BaseSize },
	models.MetricRDBLastSaveAge:       func(s *card.Signals) *float64 { return s.RDBLastSaveAgeSec },
}

// seriesLabels identify a node's series: instance, node and role always; shard and master_name
// for discovered nodes.
func seriesLabels(nc NodeCard) data.Labels {
	labels := data.Labels{"instance": nc.Node.Address, "node": nc.Node.Name, "role": nc.Card.Role.Label()}
	if nc.Node.Shard != "" {
		labels["shard"] = nc.Node.Shard
	}
	if nc.Node.MasterName != "" {
		labels["master_name"] = nc.Node.MasterName
	}
	return labels
}
