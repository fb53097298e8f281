//go:build realredis

package protocol

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/persistwatch/redis-persistence-datasource/internal/pluginhost"
	"github.com/persistwatch/redis-persistence-datasource/internal/redistest"
	"github.com/persistwatch/redis-persistence-datasource/internal/resptest"
)

// TestHostileNodesDoNotTakeThePluginDown drives the built plugin, as Grafana does, at nodes
// whose replies once ended the process: a 1 TiB length (out of memory), a MaxInt64 length (a
// panic in the fan-out workers) and two billion elements to HELLO. Each is that node's error;
// the real node beside it keeps its card, and the process lives on.
func TestHostileNodesDoNotTakeThePluginDown(t *testing.T) {
	binary := buildPlugin(t)
	realNode := redistest.Start(t, redistest.Options{})
	realNode.RewriteOK(t)
	host := startPlugin(t, binary)

	for i, c := range []struct {
		name   string
		script resptest.Script
		detail string
	}{
		{"1 TiB", resptest.Script{"INFO": resptest.Header("$1099511627776")}, "reply of 1099511627776 bytes over the limit of 4194304"},
		{"MaxInt64", resptest.Script{"INFO": resptest.Header("$9223372036854775807")}, "reply of 9223372036854775807 bytes over the limit of 4194304"},
		{"two billion elements", resptest.Script{"HELLO": resptest.Header("*2000000000")}, "reply of 2000000000 elements over the limit of 262144"},
	} {
		hostile := resptest.Start(t, c.script)
		ds := pluginhost.DataSource{ID: int64(100 + i), UID: fmt.Sprintf("hostile-%d", i), Name: c.name,
			Nodes: []pluginhost.Node{{Name: "hostile", Address: hostile.Addr}, {Name: "real", Address: realNode.Addr}}}
		response := host.query(t, ds, "card", `{}`)
		checkCard(t, response, map[string]string{"hostile": "unreachable", "real": "ok"})
		frame := response.Frames[0]
		if reason := value[string](t, frame, "reason", rowsByNode(t, frame)["hostile"]); !strings.Contains(reason, "oversized: "+c.detail) {
			t.Errorf("%s: the hostile node's reason is %q, want %q", c.name, reason, c.detail)
		}
		if health := host.checkHealth(t, ds); !strings.Contains(health.Message, "1 of 2 Redis nodes answered") || !strings.Contains(health.Message, c.detail) {
			t.Errorf("%s: health %q", c.name, health.Message)
		}
		if host.Client().Exited() {
			t.Fatalf("%s: the plugin process exited:\n%s", c.name, tail(host.stderr.String()))
		}
	}
	t.Logf("plugin peak resident memory: %s", peakRSS(t, host))
	if stderr := host.stderr.String(); strings.Contains(stderr, "DATA RACE") || strings.Contains(stderr, "panic") {
		t.Errorf("the plugin reported a race or a panic:\n%s", tail(stderr))
	}
}

// peakRSS is the plugin process's VmHWM, for the log.
func peakRSS(t *testing.T, host *pluginHost) string {
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", host.Client().ReattachConfig().Pid))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(status), "\n") {
		if strings.HasPrefix(line, "VmHWM:") {
			return strings.TrimSpace(strings.TrimPrefix(line, "VmHWM:"))
		}
	}
	return "unknown"
}
