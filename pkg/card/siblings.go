package card

import (
	"time"

	"github.com/persistwatch/redis-persistence-datasource/pkg/info"
	"github.com/persistwatch/redis-persistence-datasource/pkg/nodeinfo"
)

// Siblings are the spec's sibling cards that Redis itself can answer. Offsite backups and the
// composite health score are not in INFO and are left out.
type Siblings struct {
	Role nodeinfo.Role
	// LastRDBSaveAgeSec is measured on the server's own clock when it prints server_time_usec,
	// so a skewed Grafana host does not age the save.
	LastRDBSaveAgeSec   *int64
	RDBLastSaveStatus   *string
	RDBSaveInProgress   bool
	RDBChangesSinceSave *int64
	UsedMemory          *int64
	MaxMemory           *int64 // 0 means no limit
	// MemoryUsedPercent is nil when maxmemory is 0: there is no limit to be near.
	MemoryUsedPercent  *float64
	FragmentationRatio *float64
	UptimeSec          *int64
	ConnectedReplicas  *int64

	// SaveSchedule and AppendFsync are CONFIG GET save and appendfsync; nil when CONFIG is
	// refused (ConfigRefused) or was not read. A SaveSchedule of "" means no snapshots (save "").
	SaveSchedule  *string
	AppendFsync   *string
	ConfigRefused bool
	// UnsavedAgeSec is LastRDBSaveAgeSec on a node that takes snapshots and has unsaved changes,
	// else 0: a node with save "" never saves on a schedule, and a quiet node with nothing to save
	// is not overdue. UnsavedAgeNote says why it is 0 when that is not obvious.
	UnsavedAgeSec  int64
	UnsavedAgeNote string
}

// SiblingsOf reads the sibling values from a reading of INFO server, memory, persistence and
// replication; now is the fallback clock for servers that do not print their time.
func SiblingsOf(reading nodeinfo.Reading, now time.Time) Siblings {
	in := reading.Info
	result := Siblings{
		Role:                roleOf(in),
		RDBLastSaveStatus:   stringField(in, "rdb_last_bgsave_status"),
		RDBSaveInProgress:   isOne(intField(in, "rdb_bgsave_in_progress")),
		RDBChangesSinceSave: intField(in, "rdb_changes_since_last_save"),
		UsedMemory:          intField(in, "used_memory"),
		MaxMemory:           intField(in, "maxmemory"),
		FragmentationRatio:  floatField(in, "mem_fragmentation_ratio"),
		UptimeSec:           intField(in, "uptime_in_seconds"),
		ConnectedReplicas:   intField(in, "connected_slaves"),
		SaveSchedule:        reading.Config.Save,
		AppendFsync:         reading.Config.AppendFsync,
		ConfigRefused:       reading.Config.ConfigRefused,
	}
	// A save time Redis cannot print (0 or negative: it is set at start-up) has no age.
	if lastSave := intField(in, "rdb_last_save_time"); lastSave != nil && *lastSave > 0 {
		serverNow := now.Unix()
		if micros := intField(in, "server_time_usec"); micros != nil {
			serverNow = *micros / 1_000_000
		}
		age := max(serverNow-*lastSave, 0)
		result.LastRDBSaveAgeSec = &age
	}
	result.UnsavedAgeSec, result.UnsavedAgeNote = unsavedAge(result)
	if result.UsedMemory != nil && result.MaxMemory != nil && *result.MaxMemory > 0 {
		percent := float64(*result.UsedMemory) * 100 / float64(*result.MaxMemory)
		result.MemoryUsedPercent = &percent
	}
	return result
}

func floatField(in info.Info, key string) *float64 {
	if value, ok := in.Float(key); ok {
		return &value
	}
	return nil
}

// unsavedAge is the evidence for "no successful RDB save for too long", and why it is 0.
func unsavedAge(s Siblings) (int64, string) {
	switch {
	case s.LastRDBSaveAgeSec == nil:
		return 0, ""
	case s.ConfigRefused:
		return 0, "CONFIG is refused, so whether snapshots are configured is unknown: the save age is not judged"
	case s.SaveSchedule == nil:
		return 0, "the snapshot schedule (CONFIG GET save) is unknown: the save age is not judged"
	case *s.SaveSchedule == "":
		return 0, `snapshots are off (save ""): the save age is not judged`
	case s.RDBChangesSinceSave == nil || *s.RDBChangesSinceSave <= 0:
		return 0, "no changes since the last save: nothing is waiting for a snapshot"
	}
	return *s.LastRDBSaveAgeSec, ""
}
