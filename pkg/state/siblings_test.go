package state

import (
	"testing"
	"time"

	"github.com/persistwatch/redis-persistence-datasource/pkg/info"
	"github.com/persistwatch/redis-persistence-datasource/pkg/node"
)

func TestSiblingsReadWhatRedisCanAnswer(t *testing.T) {
	reading := node.Reading{Info: info.Parse("# Server\r\nserver_time_usec:1000000600000000\r\nuptime_in_seconds:86400\r\n" +
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
	reading := node.Reading{Info: info.Parse("used_memory:750\r\nmaxmemory:0\r\nrdb_last_save_time:100\r\n")}
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
