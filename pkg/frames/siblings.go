package frames

import (
	"github.com/grafana/grafana-plugin-sdk-go/data"

	"github.com/persistwatch/redis-persistence-datasource/pkg/card"
	"github.com/persistwatch/redis-persistence-datasource/pkg/nodeinfo"
)

// NodeSiblings is one node's sibling values; Err explains a node that could not be read.
type NodeSiblings struct {
	Node     nodeinfo.Node
	Siblings card.Siblings
	Err      *string
}

// Siblings returns the sibling-cards frame: one row per node.
func Siblings(rows []NodeSiblings) *data.Frame {
	n := len(rows)
	names, instances, roles, errs := make([]string, n), make([]string, n), make([]string, n), make([]*string, n)
	saveAge, changes, used, maxMemory, uptime, replicas := make([]*int64, n), make([]*int64, n), make([]*int64, n), make([]*int64, n), make([]*int64, n), make([]*int64, n)
	saveStatus, schedule, fsync, ageNote := make([]*string, n), make([]*string, n), make([]*string, n), make([]string, n)
	unsavedAge := make([]*int64, n)
	saving := make([]bool, n)
	usedPercent, fragmentation := make([]*float64, n), make([]*float64, n)
	for i, row := range rows {
		s := row.Siblings
		names[i], instances[i], roles[i], errs[i] = row.Node.Name, row.Node.Address, s.Role.Label(), row.Err
		saveAge[i], saveStatus[i], saving[i], changes[i] = s.LastRDBSaveAgeSec, s.RDBLastSaveStatus, s.RDBSaveInProgress, s.RDBChangesSinceSave
		used[i], maxMemory[i], usedPercent[i], fragmentation[i] = s.UsedMemory, s.MaxMemory, s.MemoryUsedPercent, s.FragmentationRatio
		uptime[i], replicas[i] = s.UptimeSec, s.ConnectedReplicas
		if row.Err == nil {
			schedule[i], fsync[i] = configText(s, s.SaveSchedule), configText(s, s.AppendFsync)
			unsavedAge[i], ageNote[i] = &s.UnsavedAgeSec, s.UnsavedAgeNote
		}
	}
	return data.NewFrame("siblings",
		data.NewField("node", nil, names),
		data.NewField("instance", nil, instances),
		data.NewField("role", nil, roles),
		data.NewField("error", nil, errs),
		data.NewField("last_rdb_save_age", nil, saveAge).SetConfig(&data.FieldConfig{DisplayName: "Last RDB save", Unit: unitSeconds}),
		data.NewField("rdb_last_bgsave_status", nil, saveStatus),
		data.NewField("rdb_bgsave_in_progress", nil, saving),
		data.NewField("rdb_changes_since_last_save", nil, changes),
		data.NewField("rdb_unsaved_age", nil, unsavedAge).SetConfig(&data.FieldConfig{DisplayName: "Unsaved changes age", Unit: unitSeconds}),
		data.NewField("rdb_unsaved_age_note", nil, ageNote),
		data.NewField("save_schedule", nil, schedule).SetConfig(&data.FieldConfig{DisplayName: "RDB save schedule"}),
		data.NewField("appendfsync", nil, fsync).SetConfig(&data.FieldConfig{DisplayName: "appendfsync"}),
		data.NewField("used_memory", nil, used).SetConfig(&data.FieldConfig{Unit: unitBytes}),
		data.NewField("maxmemory", nil, maxMemory).SetConfig(&data.FieldConfig{Unit: unitBytes}),
		data.NewField("memory_used_percent", nil, usedPercent).SetConfig(&data.FieldConfig{DisplayName: "Memory used vs maxmemory", Unit: unitPercent}),
		data.NewField("mem_fragmentation_ratio", nil, fragmentation).SetConfig(&data.FieldConfig{DisplayName: "Memory fragmentation ratio"}),
		data.NewField("uptime", nil, uptime).SetConfig(&data.FieldConfig{DisplayName: "Instance uptime", Unit: unitSeconds}),
		data.NewField("connected_replicas", nil, replicas).SetConfig(&data.FieldConfig{DisplayName: "Connected replicas"}),
	)
}

// configText shows a CONFIG value, and says so when CONFIG is refused or the value is unknown
// rather than leaving the panel blank.
func configText(s card.Siblings, value *string) *string {
	text := "unknown (the server does not report it)"
	switch {
	case s.ConfigRefused:
		text = "not shown: CONFIG is refused"
	case value == nil:
	case *value == "":
		text = `off (save "")`
	default:
		text = *value
	}
	return &text
}
