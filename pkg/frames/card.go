// Package frames turns judged node states into Grafana data frames. It is pure: no I/O, no rules.
package frames

import (
	"github.com/grafana/grafana-plugin-sdk-go/data"

	"github.com/persistwatch/redis-persistence-datasource/pkg/card"
	"github.com/persistwatch/redis-persistence-datasource/pkg/nodeinfo"
)

// NodeCard is one node's card with the node it belongs to.
type NodeCard struct {
	Node nodeinfo.Node
	Card card.Card
}

// Grafana unit ids used in field config.
const (
	unitBytes   = "bytes"
	unitPercent = "percent"
	unitSeconds = "s"
)

// cardColumn is one field of the card frame.
type cardColumn struct {
	name      string
	fieldType data.FieldType
	config    func() *data.FieldConfig
	value     func(NodeCard) any
}

// identityFields are the card's first columns (node, instance, role); a discovered node's shard
// and master_name follow them.
const identityFields = 3

// cardColumns are the card's fields in frame order; shard and master_name are inserted after role
// for discovered nodes.
var cardColumns = []cardColumn{
	{"node", data.FieldTypeString, nil, func(nc NodeCard) any { return nc.Node.Name }},
	{"instance", data.FieldTypeString, nil, func(nc NodeCard) any { return nc.Node.Address }},
	{"role", data.FieldTypeString, nil, func(nc NodeCard) any { return nc.Card.Role.Label() }},
	{"status", data.FieldTypeString, displayName("Last AOF rewrite"), func(nc NodeCard) any { return string(nc.Card.Status) }},
	{"reason", data.FieldTypeString, nil, func(nc NodeCard) any { return nc.Card.Reason }},
	{"aof_enabled", data.FieldTypeNullableBool, nil, func(nc NodeCard) any { return nc.Card.AOFEnabled }},
	{"rewrite_in_progress", data.FieldTypeBool, nil, func(nc NodeCard) any { return nc.Card.RewriteInProgress }},
	{"rewrite_running", data.FieldTypeNullableInt64, unit(unitSeconds), func(nc NodeCard) any { return nc.Card.RewriteRunningSec }},
	{"rewrite_scheduled", data.FieldTypeBool, nil, func(nc NodeCard) any { return nc.Card.RewriteScheduled }},
	{"consecutive_failures", data.FieldTypeNullableInt64, nil, func(nc NodeCard) any { return nc.Card.ConsecutiveFailures }},
	{"stuck", data.FieldTypeBool, nil, func(nc NodeCard) any { return nc.Card.Stuck }},
	{"write_status", data.FieldTypeNullableString, nil, func(nc NodeCard) any { return nc.Card.WriteStatus }},
	{"delayed_fsyncs", data.FieldTypeNullableInt64, nil, func(nc NodeCard) any { return nc.Card.DelayedFsyncs }},
	{"current_size", data.FieldTypeNullableInt64, unit(unitBytes), func(nc NodeCard) any { return nc.Card.CurrentSize }},
	{"base_size", data.FieldTypeNullableInt64, unit(unitBytes), func(nc NodeCard) any { return nc.Card.BaseSize }},
	{"growth", data.FieldTypeNullableFloat64, unit(unitPercent), func(nc NodeCard) any { return nc.Card.GrowthPercent }},
	{"rewrite_trigger", data.FieldTypeNullableInt64, unit(unitPercent), func(nc NodeCard) any { return nc.Card.TriggerPercent }},
	{"growth_over_trigger", data.FieldTypeNullableFloat64, nil, func(nc NodeCard) any { return nc.Card.GrowthOverTrigger }},
	{"last_cow_size", data.FieldTypeNullableInt64, unit(unitBytes), func(nc NodeCard) any { return nc.Card.LastCowSize }},
	{"last_rewrite_duration", data.FieldTypeNullableInt64, unit(unitSeconds), func(nc NodeCard) any { return nc.Card.LastRewriteSec }},
	{"loading_loaded_perc", data.FieldTypeNullableFloat64, unit(unitPercent), func(nc NodeCard) any { return nc.Card.LoadedPercent }},
	{"loading_eta_seconds", data.FieldTypeNullableInt64, unit(unitSeconds), func(nc NodeCard) any { return nc.Card.LoadingETASec }},
}

func unit(id string) func() *data.FieldConfig {
	return func() *data.FieldConfig { return &data.FieldConfig{Unit: id} }
}

func displayName(name string) func() *data.FieldConfig {
	return func() *data.FieldConfig { return &data.FieldConfig{DisplayName: name} }
}

// Card returns the card frame: one row per node, the status string first among the values. Each
// field is allocated once at its final size and filled in place: the card is on every panel
// refresh and alert evaluation.
func Card(cards []NodeCard) *data.Frame {
	fields := make([]*data.Field, len(cardColumns))
	for j, column := range cardColumns {
		fields[j] = data.NewFieldFromFieldType(column.fieldType, len(cards))
		fields[j].Name = column.name
		if column.config != nil {
			fields[j].Config = column.config()
		}
		for i, nc := range cards {
			fields[j].Set(i, column.value(nc))
		}
	}
	frame := data.NewFrame("card", fields...)
	addGroupFields(frame, cards)
	frame.Meta = &data.FrameMeta{Notices: notices(cards)}
	return frame
}

// addGroupFields adds shard and master_name after role when discovery set them, so a static data
// source's card keeps its shape.
func addGroupFields(frame *data.Frame, cards []NodeCard) {
	var anyShard, anyMaster bool
	for _, nc := range cards {
		anyShard = anyShard || nc.Node.Shard != ""
		anyMaster = anyMaster || nc.Node.MasterName != ""
	}
	if !anyShard && !anyMaster {
		return
	}
	shards, masters := make([]string, len(cards)), make([]string, len(cards))
	for i, nc := range cards {
		shards[i], masters[i] = nc.Node.Shard, nc.Node.MasterName
	}
	group := frame.Fields[:identityFields:identityFields]
	if anyShard {
		group = append(group, data.NewField(fieldShard, nil, shards))
	}
	if anyMaster {
		group = append(group, data.NewField(fieldMasterName, nil, masters))
	}
	frame.Fields = append(group, frame.Fields[identityFields:]...)
}
