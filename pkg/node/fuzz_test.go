package node

import (
	"context"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/persistwatch/redis-persistence-datasource/internal/resptest"
	"github.com/persistwatch/redis-persistence-datasource/pkg/nodeinfo"
	"github.com/persistwatch/redis-persistence-datasource/pkg/settings"
)

// fuzzReadMemory bounds what one read may allocate, whatever the node sends (docs/robustness.md).
const fuzzReadMemory = 64 << 20

// FuzzNodeReply serves arbitrary bytes as a node's whole reply stream (to HELLO, then INFO and
// CONFIG GET in one pipeline) and reads the node through go-redis and the pool, as a query does.
// Nothing may panic, allocate past fuzzReadMemory, or hang past the node's timeout.
func FuzzNodeReply(f *testing.F) {
	info := "# Persistence\r\naof_enabled:1\r\naof_last_bgrewrite_status:ok\r\n# Replication\r\nrole:master\r\n"
	// The three CONFIG GETs of the cached persistence configuration: the rewrite trigger, save and
	// appendfsync.
	config := "*4\r\n$27\r\nauto-aof-rewrite-percentage\r\n$3\r\n100\r\n$25\r\nauto-aof-rewrite-min-size\r\n$8\r\n67108864\r\n" +
		"*2\r\n$4\r\nsave\r\n$0\r\n\r\n" +
		"*2\r\n$11\r\nappendfsync\r\n$8\r\neverysec\r\n"
	healthy := "-ERR unknown command 'HELLO'\r\n$" + strconv.Itoa(len(info)) + "\r\n" + info + "\r\n" + config
	for _, seed := range []string{
		healthy,
		"%1\r\n+server\r\n+redis\r\n$5\r\nhello\r\n*0\r\n",
		"-ERR unknown command 'HELLO'\r\n-NOPERM this user has no permissions to run the 'info' command\r\n-NOPERM config\r\n",
		"-ERR unknown command 'HELLO'\r\n-ERR syntax error\r\n*0\r\n",
		"$1099511627776\r\n",
		"-ERR unknown command 'HELLO'\r\n$9223372036854775807\r\n",
		"*2000000000\r\n",
		"*-2\r\n",
		"%1\r\n%0\r\n:1\r\n",
		"|1\r\n+a\r\n+b\r\n%1\r\n+k\r\n~2\r\n,1.5\r\n(123\r\n",
		"-ERR unknown command 'HELLO'\r\n=9\r\ntxt:abcde\r\n>2\r\n#t\r\n_\r\n",
		"-ERR unknown command 'HELLO'\r\n!21\r\nSYNTAX invalid syntax\r\n" + config,
		strings.Repeat("*1\r\n", 40),
		"+" + strings.Repeat("x", 10000),
	} {
		f.Add([]byte(seed), true)
		f.Add([]byte(seed), false)
	}
	var reply atomic.Pointer[[]byte]
	server := resptest.StartStream(f, func() []byte { return *reply.Load() })
	// withConfig sends CONFIG GET in a pipeline with INFO; without, INFO goes alone, as most
	// polls send it.
	f.Fuzz(func(t *testing.T, data []byte, withConfig bool) {
		reply.Store(&data)
		pool := NewPool(settings.Settings{
			Nodes:          []nodeinfo.Node{{Name: "fuzzed", Address: server.Addr, Network: "tcp", Dial: server.Addr}},
			ConnectTimeout: time.Second, ReadTimeout: time.Second, MaxConcurrency: 1,
		})
		defer pool.Close()
		everyNode, err := pool.Select(context.Background(), nil)
		if err != nil {
			t.Fatal(err)
		}
		var reading nodeinfo.Reading
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		reading = pool.Read(context.Background(), everyNode, Request{Sections: []string{"persistence", "replication"}, RewriteTrigger: withConfig})[0]
		runtime.ReadMemStats(&after)
		if enabled, _ := reading.Info.Int("aof_enabled"); string(data) == healthy && (reading.Err != nil || enabled != 1 || reading.Trigger.Known != withConfig) {
			t.Fatalf("the healthy seed read %+v: the harness does not reach INFO", reading)
		}
		if reading.Err != nil && reading.Err.Kind == nodeinfo.KindPanic {
			t.Fatalf("reading %q panicked: %s", clipBytes(data), reading.Err.Detail)
		}
		if allocated := after.TotalAlloc - before.TotalAlloc; allocated > fuzzReadMemory {
			t.Fatalf("reading %q allocated %d MiB", clipBytes(data), allocated>>20)
		}
		if reading.Err != nil && len(reading.Err.Detail) > nodeinfo.MaxEchoed+128 {
			t.Fatalf("an error of %d bytes: %.200s", len(reading.Err.Detail), reading.Err.Detail)
		}
	})
}

func clipBytes(data []byte) string { return nodeinfo.Clip(string(data)) }
