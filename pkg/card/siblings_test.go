package card

import (
	"strings"
	"testing"
	"time"

	"github.com/persistwatch/redis-persistence-datasource/pkg/info"
	"github.com/persistwatch/redis-persistence-datasource/pkg/nodeinfo"
)

func TestSiblingsReadWhatRedisCanAnswer(t *testing.T) {
	reading := nodeinfo.Reading{Info: info.Parse("# Server\r\nserver_time_usec:1000000600000000\r\nuptime_in_seconds:86400\r\n" +
		"# Memory\r\nused_memory:750\r\nmaxmemory:1000\r\nmem_fragmentation_ratio:1.42\r\n" +
		"# Persistence\r\nrdb_last_save_time:1000000000\r\nrdb_last_bgsave_status:err\r\nrdb_bgsave_in_progress:1\r\nrdb_changes_since_last_save:12\r\n" +
		"# Replication\r\nrole:master\r\nconnected_slaves:2\r\n")}
	got := SiblingsOf(reading, time.Unix(5, 0))
	if *got.LastRDBSaveAgeSec != 600 {
		t.Errorf("last save age = %d s, want 600 on the server's clock", *got.LastRDBSaveAgeSec)
	}
	if *got.MemoryUsedPercent != 75 || *got.FragmentationRatio != 1.42 || *got.UptimeSec != 86400 || *got.ConnectedReplicas != 2 {
		t.Errorf("got %+v", got)
	}
	if *got.RDBLastSaveStatus != "err" || !got.RDBSaveInProgress || *got.RDBChangesSinceSave != 12 || got.Role != "primary" {
		t.Errorf("got %+v", got)
	}
}

func TestSiblingsWithoutLimitOrServerClock(t *testing.T) {
	reading := nodeinfo.Reading{Info: info.Parse("used_memory:750\r\nmaxmemory:0\r\nrdb_last_save_time:100\r\n")}
	got := SiblingsOf(reading, time.Unix(160, 0))
	if got.MemoryUsedPercent != nil {
		t.Errorf("maxmemory 0 is no limit, want no percentage, got %v", *got.MemoryUsedPercent)
	}
	if *got.LastRDBSaveAgeSec != 60 {
		t.Errorf("age = %d, want 60 on the fallback clock", *got.LastRDBSaveAgeSec)
	}
	if got.ConnectedReplicas != nil || got.FragmentationRatio != nil {
		t.Errorf("absent fields must stay nil: %+v", got)
	}
}

func TestTheSaveAgeIsEvidenceOnlyWhereSnapshotsAreDue(t *testing.T) {
	schedule, off := "3600 1 300 100", ""
	base := func(changes string, config nodeinfo.PersistenceConfig) nodeinfo.Reading {
		r := with("rdb_last_save_time", "1000", "rdb_changes_since_last_save", changes, "server_time_usec", "91000000000")
		r.Config = config
		return r
	}
	tests := []struct {
		name    string
		reading nodeinfo.Reading
		age     float64
		noteHas string
	}{
		{"snapshots configured, unsaved changes: the server-clock age", base("5", nodeinfo.PersistenceConfig{Save: &schedule}), 90000, ""},
		{`save "": never overdue, however old`, base("5", nodeinfo.PersistenceConfig{Save: &off}), 0, `save ""`},
		{"nothing to save: not overdue", base("0", nodeinfo.PersistenceConfig{Save: &schedule}), 0, "no changes"},
		{"CONFIG refused: cannot tell, says so", base("5", nodeinfo.PersistenceConfig{ConfigRefused: true}), 0, "CONFIG is refused"},
		{"schedule not read", base("5", nodeinfo.PersistenceConfig{}), 0, "unknown"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			siblings := SiblingsOf(tt.reading, time.Unix(0, 0))
			s := SignalsOf(Evaluate(tt.reading), siblings)
			if s.RDBUnsavedAgeSec != tt.age || !strings.Contains(siblings.UnsavedAgeNote, tt.noteHas) {
				t.Errorf("unsaved age %v (%q), want %v and a note with %q", s.RDBUnsavedAgeSec, siblings.UnsavedAgeNote, tt.age, tt.noteHas)
			}
			if show(s.RDBLastSaveAgeSec) != "90000" {
				t.Errorf("last save age measurement %s, want 90000 whatever the schedule", show(s.RDBLastSaveAgeSec))
			}
		})
	}
}

func TestRDBAndOverdueEvidence(t *testing.T) {
	schedule := "60 1"
	tests := []struct {
		name                 string
		reading              nodeinfo.Reading
		trigger              nodeinfo.RewriteTrigger
		saveFailing, overdue float64
	}{
		{"save err on an AOF-off node", with("aof_enabled", "0", "rdb_last_bgsave_status", "err"), nodeinfo.RewriteTrigger{}, 1, 0},
		{"save ok, file 3x past its trigger", with("aof_current_size", "400000000", "aof_base_size", "100000000"), nodeinfo.RewriteTrigger{Known: true, Percent: 100}, 0, 3},
		{"trigger unknown: 0, not null", with("rdb_last_bgsave_status", "ok"), nodeinfo.RewriteTrigger{}, 0, 0},
		{"loading: nothing judged", with("loading", "1", "rdb_last_bgsave_status", "err"), nodeinfo.RewriteTrigger{}, 0, 0},
		{"unreachable", failed(nodeinfo.KindRefused, "connection refused"), nodeinfo.RewriteTrigger{}, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.reading.Trigger, tt.reading.Config = tt.trigger, nodeinfo.PersistenceConfig{Save: &schedule}
			s := SignalsOf(Evaluate(tt.reading), SiblingsOf(tt.reading, time.Unix(0, 0)))
			if s.RDBSaveFailing != tt.saveFailing || s.RewriteOverdueRatio != tt.overdue {
				t.Errorf("rdb_save_failing %v aof_rewrite_overdue_ratio %v, want %v %v", s.RDBSaveFailing, s.RewriteOverdueRatio, tt.saveFailing, tt.overdue)
			}
		})
	}
}

// Values Redis cannot print give no evidence: a negative change count is not "changes waiting",
// and a save time of 0 has no age.
func TestOddRDBValuesGiveNoEvidence(t *testing.T) {
	save := "3600 1"
	for name, text := range map[string]string{
		"negative changes": "server_time_usec:1000000600000000\r\nrdb_last_save_time:1000000000\r\nrdb_changes_since_last_save:-1\r\n",
		"save time 0":      "server_time_usec:1000000600000000\r\nrdb_last_save_time:0\r\nrdb_changes_since_last_save:5\r\n",
	} {
		reading := nodeinfo.Reading{Info: info.Parse(text), Config: nodeinfo.PersistenceConfig{Save: &save}}
		if got := SiblingsOf(reading, time.Unix(5, 0)); got.UnsavedAgeSec != 0 {
			t.Errorf("%s: unsaved age %d s, want 0", name, got.UnsavedAgeSec)
		}
	}
}
