package frames

import (
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/data"
)

// Growth returns one sample of the live AOF growth series: a wide time series frame with one row
// at `at` and, for every node in the given order, three fields labelled with the node (`node`,
// `instance`): "<node> current" and "<node> base" (aof_current_size and aof_base_size in bytes;
// null while AOF is off or the node cannot be read) and "<node> status" (the card's status, so a
// gap in the lines has its reason beside it).
//
// The layout depends only on the nodes, never on the values: a stream sends the schema once and
// data only after that, and Grafana's streaming buffer appends each sample as a row, so the time
// series panel draws a line per node and size that grows with writes and drops after a rewrite.
// Field names are unique per node because, when the node set changes and a new schema arrives,
// Grafana's streaming buffer carries each field's history over by field name.
func Growth(at time.Time, cards []NodeCard) *data.Frame {
	fields := make(data.Fields, 0, 1+3*len(cards))
	fields = append(fields, data.NewField("time", nil, []time.Time{at}))
	for _, nc := range cards {
		labels := data.Labels{"node": nc.Node.Name, "instance": nc.Node.Address}
		fields = append(fields,
			data.NewField(nc.Node.Name+GrowthCurrentSuffix, labels, []*int64{nc.Card.CurrentSize}).
				SetConfig(&data.FieldConfig{Unit: unitBytes, DisplayNameFromDS: nc.Node.Name + GrowthCurrentSuffix}),
			data.NewField(nc.Node.Name+GrowthBaseSuffix, labels, []*int64{nc.Card.BaseSize}).
				SetConfig(&data.FieldConfig{Unit: unitBytes, DisplayNameFromDS: nc.Node.Name + GrowthBaseSuffix}),
			data.NewField(nc.Node.Name+GrowthStatusSuffix, labels, []string{string(nc.Card.Status)}).
				SetConfig(&data.FieldConfig{DisplayNameFromDS: nc.Node.Name + GrowthStatusSuffix}),
		)
	}
	return data.NewFrame("growth", fields...)
}

// What the growth fields of a node are called after the node's name: dashboards match them by
// these endings.
const (
	GrowthCurrentSuffix = " current"
	GrowthBaseSuffix    = " base"
	GrowthStatusSuffix  = " status"
)
