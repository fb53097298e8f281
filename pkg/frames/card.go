// Package frames turns judged node states into Grafana data frames. It is pure: no I/O, no rules.
package frames

import (
	"github.com/grafana/grafana-plugin-sdk-go/data"

	"github.com/persistwatch/redis-persistence-datasource/pkg/settings"
	"github.com/persistwatch/redis-persistence-datasource/pkg/state"
)

// NodeCard is one node's card with the node it belongs to.
type NodeCard struct {
	Node settings.Node
	Card state.Card
}

// Grafana unit ids used in field config.
const (
	unitBytes   = "bytes"
	unitPercent = "percent"
	unitSeconds = "s"
)

// Card returns the card frame: one row per node, the status string first among the values.
func Card(cards []NodeCard) *data.Frame {
	n := len(cards)
	nodeNames, instances, roles := make([]string, n), make([]string, n), make([]string, n)
	statuses, reasons := make([]string, n), make([]string, n)
	aofEnabled := make([]*bool, n)
	inProgress, scheduled, stuck := make([]bool, n), make([]bool, n), make([]bool, n)
	running, failures := make([]*int64, n), make([]*int64, n)
	writeStatus := make([]*string, n)
	current, base, cow, duration := make([]*int64, n), make([]*int64, n), make([]*int64, n), make([]*int64, n)
	growth, overTrigger := make([]*float64, n), make([]*float64, n)
	trigger := make([]*int64, n)
	for i, nc := range cards {
		c := nc.Card
		nodeNames[i], instances[i], roles[i] = nc.Node.Name, nc.Node.Address, roleLabel(c.Role)
		statuses[i], reasons[i] = string(c.Status), c.Reason
		aofEnabled[i], inProgress[i], scheduled[i], stuck[i] = c.AOFEnabled, c.RewriteInProgress, c.RewriteScheduled, c.Stuck
		running[i], failures[i], writeStatus[i] = c.RewriteRunningSec, c.ConsecutiveFailures, c.WriteStatus
		current[i], base[i], cow[i], duration[i] = c.CurrentSize, c.BaseSize, c.LastCowSize, c.LastRewriteSec
		growth[i], trigger[i], overTrigger[i] = c.GrowthPercent, c.TriggerPercent, c.GrowthOverTrigger
	}
	frame := data.NewFrame("card",
		data.NewField("node", nil, nodeNames),
		data.NewField("instance", nil, instances),
		data.NewField("role", nil, roles),
		data.NewField("status", nil, statuses).SetConfig(&data.FieldConfig{DisplayName: "Last AOF rewrite"}),
		data.NewField("reason", nil, reasons),
		data.NewField("aof_enabled", nil, aofEnabled),
		data.NewField("rewrite_in_progress", nil, inProgress),
		data.NewField("rewrite_running", nil, running).SetConfig(&data.FieldConfig{Unit: unitSeconds}),
		data.NewField("rewrite_scheduled", nil, scheduled),
		data.NewField("consecutive_failures", nil, failures),
		data.NewField("stuck", nil, stuck),
		data.NewField("write_status", nil, writeStatus),
		data.NewField("current_size", nil, current).SetConfig(&data.FieldConfig{Unit: unitBytes}),
		data.NewField("base_size", nil, base).SetConfig(&data.FieldConfig{Unit: unitBytes}),
		data.NewField("growth", nil, growth).SetConfig(&data.FieldConfig{Unit: unitPercent}),
		data.NewField("rewrite_trigger", nil, trigger).SetConfig(&data.FieldConfig{Unit: unitPercent}),
		data.NewField("growth_over_trigger", nil, overTrigger),
		data.NewField("last_cow_size", nil, cow).SetConfig(&data.FieldConfig{Unit: unitBytes}),
		data.NewField("last_rewrite_duration", nil, duration).SetConfig(&data.FieldConfig{Unit: unitSeconds}),
	)
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
	group := frame.Fields[:3:3] // node, instance, role
	if anyShard {
		group = append(group, data.NewField("shard", nil, shards))
	}
	if anyMaster {
		group = append(group, data.NewField("master_name", nil, masters))
	}
	frame.Fields = append(group, frame.Fields[3:]...)
}

// roleLabel names an unknown role explicitly, so labels never carry an empty value.
func roleLabel(role string) string {
	if role == "" {
		return "unknown"
	}
	return role
}
