//go:build realredis

package plugin

import (
	"context"
	"fmt"
	"runtime"
	"strings"
	"testing"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/data"

	"github.com/persistwatch/redis-persistence-datasource/internal/redistest"
	"github.com/persistwatch/redis-persistence-datasource/internal/resptest"
	"github.com/persistwatch/redis-persistence-datasource/pkg/node"
	"github.com/persistwatch/redis-persistence-datasource/pkg/nodeinfo"
)

// hostileQueryMemory bounds what one query may allocate, in total, when a node answers with
// anything at all (docs/robustness.md). Before the reply guard, these replies cost from 1 GB to
// the whole process.
const hostileQueryMemory = 64 << 20

// maxMessage bounds a card reason, notice or health line about one node: the echoed server text
// (nodeinfo.MaxEchoed) plus our own words.
const maxMessage = nodeinfo.MaxEchoed + 512

var hostileReplies = []struct {
	name   string
	script resptest.Script
	kind   nodeinfo.Kind
	detail string
}{
	{"a 1 TiB INFO", resptest.Script{"INFO": resptest.Header("$1099511627776")},
		nodeinfo.KindOversized, "reply of 1099511627776 bytes over the limit of 4194304"},
	{"an INFO of MaxInt64 bytes", resptest.Script{"INFO": resptest.Header("$9223372036854775807")},
		nodeinfo.KindOversized, "reply of 9223372036854775807 bytes over the limit of 4194304"},
	{"two billion elements to HELLO", resptest.Script{"HELLO": resptest.Header("*2000000000")},
		nodeinfo.KindOversized, "reply of 2000000000 elements over the limit of 262144"},
	{"a never-ending bulk string", resptest.Script{"INFO": resptest.Endless("$1073741824\r\n")},
		nodeinfo.KindOversized, "reply of 1073741824 bytes over the limit of 4194304"},
	{"a never-ending line", resptest.Script{"INFO": resptest.Endless("+")},
		nodeinfo.KindOversized, "a line of more than 4194304 bytes"},
	{"a 100 MB INFO", resptest.Script{"INFO": resptest.Padded("$104857600\r\n", 100<<20, "\r\n")},
		nodeinfo.KindOversized, "reply of 104857600 bytes over the limit of 4194304"},
	{"a HELLO of 20 MB in small strings", resptest.Script{"HELLO": resptest.Repeated("*200000\r\n", "$100\r\n"+strings.Repeat("x", 100)+"\r\n", 200000)},
		nodeinfo.KindOversized, "runs past 8388608 bytes"},
	{"a 10 MB error", resptest.Script{"INFO": resptest.Long("-ERR ", 10<<20, "\r\n")},
		nodeinfo.KindOversized, "a line of more than 4194304 bytes"},
	{"a 1 MB error", resptest.Script{"INFO": resptest.Long("-ERR ", 1<<20, "\r\n")},
		nodeinfo.KindRedis, "ERR xxxx"},
	{"a HELLO of RESP3 maps nested a million deep", resptest.Script{"HELLO": resptest.Repeated("", "%1\r\n+k\r\n", 1<<20)},
		nodeinfo.KindProtocol, "RESP2 reply type"},
	{"garbage", resptest.Script{"INFO": resptest.Raw("HTTP/1.1 400 Bad Request\r\n\r\n")},
		nodeinfo.KindProtocol, "not valid RESP"},
	{"a RESP3 big number of a million digits", resptest.Script{"INFO": resptest.Long("(", 1<<20, "\r\n")},
		nodeinfo.KindProtocol, "RESP2 reply type"},
	{"a million empty attributes", resptest.Script{"INFO": resptest.Repeated("", "|0\r\n", 1<<20)},
		nodeinfo.KindProtocol, "RESP2 reply type"},
}

// A hostile node gets a clear error of its own, within a bounded amount of memory and text; a
// real node in the same data source stays correct.
func TestHostileRepliesAreNodeErrorsWithinBoundedMemory(t *testing.T) {
	realNode := redistest.Start(t, redistest.Options{})
	for _, c := range hostileReplies {
		t.Run(c.name, func(t *testing.T) {
			hostile := resptest.Start(t, c.script)
			ds := realDatasource(t, options{nodes: []nodeSpec{{Address: hostile.Addr, Name: "hostile"}, {Address: realNode.Addr, Name: "real"}}})

			var status, reason map[string]string
			var notices []string
			allocated := allocatedBy(func() {
				var frame *data.Frame
				status, reason, frame = cardRows(t, ds)
				for _, notice := range frame.Meta.Notices {
					notices = append(notices, notice.Text)
				}
			})
			t.Logf("%d MiB allocated", allocated>>20)
			if allocated > hostileQueryMemory {
				t.Errorf("the query allocated %d MiB, over the bound of %d MiB", allocated>>20, hostileQueryMemory>>20)
			}
			if status["real"] != "ok" {
				t.Errorf("the real node beside the hostile one: %s, %s", status["real"], reason["real"])
			}
			if status["hostile"] != "unreachable" || !strings.HasPrefix(reason["hostile"], string(c.kind)+": ") || !strings.Contains(reason["hostile"], c.detail) {
				t.Errorf("hostile: %s, %.300s; want unreachable, %s, %q", status["hostile"], reason["hostile"], c.kind, c.detail)
			}
			health, err := ds.CheckHealth(context.Background(), &backend.CheckHealthRequest{})
			if err != nil || !strings.Contains(health.Message, "1 of 2 Redis nodes answered") || !strings.Contains(health.Message, c.detail) {
				t.Errorf("health = %.600s, %v", health.Message, err)
			}
			for what, text := range map[string]string{"reason": reason["hostile"], "notice": strings.Join(notices, "\n"), "health": health.Message} {
				if len(text) > maxMessage+200 {
					t.Errorf("the %s is %d bytes long, over %d", what, len(text), maxMessage+200)
				}
			}
		})
	}
}

// A node whose reply broke the limits is read again on the next query, over a new connection:
// nothing waits on the failed read, even after a healthy Redis takes the address.
func TestAHostileNodeThatTurnsHealthyIsReadAgain(t *testing.T) {
	realNode := redistest.Start(t, redistest.Options{})
	hostile := resptest.Start(t, resptest.Script{"INFO": resptest.Header("$9223372036854775807")})
	ds := cacheDatasource(t, hostile.Addr)
	expectCard(t, ds, "cache", "unreachable", "reply of 9223372036854775807 bytes over the limit")
	hostile.Forward(realNode.Addr)
	expectCard(t, ds, "cache", "ok", "last AOF rewrite succeeded")
	for _, queryType := range []string{"raw", "siblings"} {
		if response := query(t, ds, queryType, `{}`); response.Error != nil || len(response.Frames) == 0 {
			t.Fatalf("%s after the hostile reply: %v", queryType, response.Error)
		}
	}
	if health, err := ds.CheckHealth(context.Background(), &backend.CheckHealthRequest{}); err != nil || health.Status != backend.HealthStatusOk {
		t.Fatalf("health after the hostile reply: %+v, %v", health, err)
	}
}

// The limits leave room for real replies: an INFO just under them is read whole.
func TestAnInfoJustUnderTheLimitIsRead(t *testing.T) {
	big := resptest.Start(t, resptest.Script{"INFO": resptest.BigBulk(node.MaxReplyString)})
	ds := realDatasource(t, options{nodes: []nodeSpec{{Address: big.Addr, Name: "big"}}})
	allocated := allocatedBy(func() { expectCard(t, ds, "big", "ok", "last AOF rewrite succeeded") })
	t.Logf("a %d MiB INFO: %d MiB allocated", node.MaxReplyString>>20, allocated>>20)
	if allocated > hostileQueryMemory {
		t.Errorf("the query allocated %d MiB, over the bound of %d MiB", allocated>>20, hostileQueryMemory>>20)
	}
}

// Text from a query is not echoed whole either.
func TestAHugeNodeNameInAQueryIsNotEchoedWhole(t *testing.T) {
	realNode := redistest.Start(t, redistest.Options{})
	ds := cacheDatasource(t, realNode.Addr)
	name := strings.Repeat("n", 10<<20)
	response := query(t, ds, "card", fmt.Sprintf(`{"nodes": [%q]}`, name))
	if response.Error == nil || !strings.Contains(response.Error.Error(), "which this data source does not configure") {
		t.Fatalf("a 10 MB unknown node name: %v", response.Error)
	}
	if length := len(response.Error.Error()); length > maxMessage {
		t.Fatalf("the error is %d bytes long, over %d", length, maxMessage)
	}
}

// allocatedBy is how many bytes run allocated, in total: every allocation counts, freed or not.
func allocatedBy(run func()) uint64 {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	run()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}
