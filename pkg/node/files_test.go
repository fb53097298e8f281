//go:build realredis

package node

import (
	"context"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/persistwatch/redis-persistence-datasource/internal/redistest"
	"github.com/persistwatch/redis-persistence-datasource/pkg/nodeinfo"
	"github.com/persistwatch/redis-persistence-datasource/pkg/settings"
)

// A plugin process out of file descriptors (more nodes than Grafana's open-files limit) says so,
// with what to raise, for the nodes it cannot connect to; the nodes already connected still
// answer, and once descriptors are free again every node does.
func TestNodesPastTheOpenFilesLimitSayWhatToRaise(t *testing.T) {
	servers := redistest.StartMany(t, 2, redistest.Options{})
	pool := NewPool(settings.Settings{
		Nodes: []nodeinfo.Node{
			{Name: "connected", Address: servers[0].Addr, Network: "tcp", Dial: servers[0].Addr},
			{Name: "one too many", Address: servers[1].Addr, Network: "tcp", Dial: servers[1].Addr},
		},
		ConnectTimeout: time.Second, ReadTimeout: time.Second, MaxConcurrency: 1,
	})
	t.Cleanup(func() { pool.Close() })
	everyNode, err := pool.Select(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	request := Request{Sections: []string{"persistence"}, Fresh: true}
	// Only the first node connects before the limit is lowered.
	if connected := pool.Read(context.Background(), Selection{topology: everyNode.topology, indexes: everyNode.indexes[:1]}, request); connected[0].Err != nil {
		t.Fatal(connected[0].Err)
	}

	var limit syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &limit); err != nil {
		t.Fatal(err)
	}
	// A new descriptor takes the lowest free number, which the limit must not allow.
	lowered := limit
	lowered.Cur = lowestFreeDescriptor(t)
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lowered); err != nil {
		t.Fatal(err)
	}
	readings := pool.Read(context.Background(), everyNode, request)
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &limit); err != nil {
		t.Fatal(err)
	}

	if readings[0].Err != nil {
		t.Errorf("the connected node failed at the limit: %v", readings[0].Err)
	}
	failure := readings[1].Err
	if failure == nil || failure.Kind != nodeinfo.KindOutOfFiles {
		t.Fatalf("the node past the limit read %+v, want an %s failure", readings[1], nodeinfo.KindOutOfFiles)
	}
	if hint := failure.Hint(); !strings.Contains(hint, "LimitNOFILE") {
		t.Errorf("hint %q does not say what to raise", hint)
	}
	for _, r := range pool.Read(context.Background(), everyNode, request) {
		if r.Err != nil {
			t.Errorf("%s after the limit was restored: %v", r.Node.Name, r.Err)
		}
	}
}

func lowestFreeDescriptor(t *testing.T) uint64 {
	probe, err := os.Open(os.DevNull) // the kernel gives it the lowest free number
	if err != nil {
		t.Fatal(err)
	}
	defer probe.Close()
	return uint64(probe.Fd())
}
