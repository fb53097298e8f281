//go:build realredis

package respfarm

import (
	"bytes"
	"context"
	"path/filepath"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/persistwatch/redis-persistence-datasource/internal/redistest"
)

// TestRecordAndReplay records a real server through the proxy, pipeline included, saves and
// loads the recording, and checks the farm gives go-redis the very replies the server gave.
func TestRecordAndReplay(t *testing.T) {
	server := redistest.Start(t, redistest.Options{})
	recorder, err := StartRecorder(server.Addr)
	if err != nil {
		t.Fatal(err)
	}
	defer recorder.Close()
	ctx := context.Background()

	live := client(t, recorder.Addr)
	var info *redis.StringCmd
	var config *redis.MapStringStringCmd
	if _, err := live.Pipelined(ctx, func(pipe redis.Pipeliner) error {
		info = pipe.Info(ctx, "server", "persistence", "replication")
		config = pipe.ConfigGet(ctx, "appendonly")
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if config.Val()["appendonly"] != "yes" {
		t.Fatalf("through the recorder, CONFIG GET appendonly = %v", config.Val())
	}
	pairs, err := recorder.Pairs()
	if err != nil {
		t.Fatal(err)
	}
	// HELLO, INFO, CONFIG GET, in that order.
	var names []string
	for _, p := range pairs {
		names = append(names, CommandName(p.Request))
	}
	if len(names) != 3 || names[0] != "HELLO" || names[1] != "INFO" || names[2] != "CONFIG" {
		t.Fatalf("recorded %v, want HELLO INFO CONFIG", names)
	}
	if !bytes.Contains(pairs[1].Reply, []byte(info.Val())) {
		t.Errorf("the recorded INFO reply does not hold what the client read")
	}

	path := filepath.Join(t.TempDir(), "recording.json")
	if err := Save(path, pairs); err != nil {
		t.Fatal(err)
	}
	loaded, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	farm, addr := startFarm(t, loaded...)
	replayed := client(t, addr)
	var info2 *redis.StringCmd
	var config2 *redis.MapStringStringCmd
	if _, err := replayed.Pipelined(ctx, func(pipe redis.Pipeliner) error {
		info2 = pipe.Info(ctx, "server", "persistence", "replication")
		config2 = pipe.ConfigGet(ctx, "appendonly")
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if info2.Val() != info.Val() || config2.Val()["appendonly"] != "yes" {
		t.Errorf("replayed INFO differs from the recorded one, or CONFIG GET %v", config2.Val())
	}
	if counts := farm.Counts(); len(counts.Unmatched) != 0 || counts.Commands["HELLO"] != 1 {
		t.Errorf("counts %+v, want HELLO answered once and nothing unmatched", counts)
	}
}
