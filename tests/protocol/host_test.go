//go:build realredis

package protocol

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/backend/grpcplugin"
	"github.com/grafana/grafana-plugin-sdk-go/data"
	goplugin "github.com/hashicorp/go-plugin"
	"google.golang.org/protobuf/proto"

	"github.com/persistwatch/redis-persistence-datasource/internal/pluginhost"
	"github.com/persistwatch/redis-persistence-datasource/internal/redistest"
	"github.com/persistwatch/redis-persistence-datasource/internal/sockstest"
)

const (
	// Distinctive secrets, so that finding one anywhere cannot be a coincidence.
	password      = "hosttest-Pa55word-7f3a9c1e"
	wrongPassword = "hosttest-WRONG-b62d04aa"

	callTimeout = 30 * time.Second
)

// TestPluginOverGRPC builds the plugin binary and talks to it exactly as Grafana does: a
// go-plugin client over gRPC with Grafana's handshake, the data, diagnostics and resource plugin
// sets, the data source settings in the PluginContext of every call, and the frames decoded from
// Arrow. Every Redis node is a real redis-server driven into its state.
func TestPluginOverGRPC(t *testing.T) {
	binary := buildPlugin(t)

	okServer := redistest.Start(t, redistest.Options{})
	okServer.RewriteOK(t)
	errServer := redistest.Start(t, redistest.Options{})
	errServer.RewriteErrKilledChild(t)
	offServer := redistest.Start(t, redistest.Options{AOFOff: true})
	goneAddr := redistest.ClosedAddr(t)
	securedServer := redistest.Start(t, redistest.Options{Password: password})
	securedServer.RewriteOK(t)

	mixed := pluginhost.DataSource{
		ID: 1, UID: "mixed", Name: "Mixed nodes",
		Nodes: []pluginhost.Node{{Name: "ok", Address: okServer.Addr}, {Name: "err", Address: errServer.Addr}, {Name: "aof-off", Address: offServer.Addr}, {Name: "gone", Address: goneAddr}},
	}
	secured := pluginhost.DataSource{ID: 2, UID: "secured", Name: "Secured", Nodes: []pluginhost.Node{{Name: "secured", Address: securedServer.Addr}}, Password: password}
	wrong := pluginhost.DataSource{ID: 3, UID: "wrong-password", Name: "Wrong password", Nodes: []pluginhost.Node{{Name: "secured", Address: securedServer.Addr}}, Password: wrongPassword}
	missing := pluginhost.DataSource{ID: 4, UID: "no-password", Name: "No password", Nodes: []pluginhost.Node{{Name: "secured", Address: securedServer.Addr}}}

	host := startPlugin(t, binary)

	t.Run("handshake", func(t *testing.T) {
		if v := host.Client().NegotiatedVersion(); v != grpcplugin.ProtocolVersion {
			t.Errorf("negotiated protocol version %d, want %d", v, grpcplugin.ProtocolVersion)
		}
		if p := host.Client().Protocol(); p != goplugin.ProtocolGRPC {
			t.Errorf("protocol %q, want grpc", p)
		}
	})

	t.Run("health of mixed nodes names each node's state", func(t *testing.T) {
		health := host.checkHealth(t, mixed)
		if health.Status != backend.HealthStatusError {
			t.Errorf("status %v, want error: one node is unreachable", health.Status)
		}
		for _, want := range []string{
			"3 of 4 Redis nodes answered INFO",
			fmt.Sprintf("ok (%s): AOF on, last rewrite ok", okServer.Addr),
			fmt.Sprintf("err (%s): AOF on, last rewrite err", errServer.Addr),
			fmt.Sprintf("aof-off (%s): AOF off", offServer.Addr),
			fmt.Sprintf("gone (%s): unreachable, refused: ", goneAddr),
			"check the address and that redis-server is running",
		} {
			if !strings.Contains(health.Message, want) {
				t.Errorf("health message lacks %q:\n%s", want, health.Message)
			}
		}
		var details struct {
			VerboseMessage string `json:"verboseMessage"`
		}
		if err := json.Unmarshal(health.JSONDetails, &details); err != nil {
			t.Fatalf("health details %q: %v", health.JSONDetails, err)
		}
		if lines := strings.Split(details.VerboseMessage, "\n"); len(lines) != 4 {
			t.Errorf("verboseMessage has %d lines, want one per node:\n%s", len(lines), details.VerboseMessage)
		}
	})

	wantCard := map[string]string{"ok": "ok", "err": "err", "aof-off": "n/a", "gone": "unreachable"}

	t.Run("card", func(t *testing.T) {
		checkCard(t, host.query(t, mixed, "card", `{}`), wantCard)
	})

	t.Run("no queryType is the card", func(t *testing.T) {
		checkCard(t, host.query(t, mixed, "", `{}`), wantCard)
	})

	t.Run("card with a node filter", func(t *testing.T) {
		checkCard(t, host.query(t, mixed, "card", fmt.Sprintf(`{"nodes":["err",%q]}`, offServer.Addr)),
			map[string]string{"err": "err", "aof-off": "n/a"})
	})

	t.Run("alerting aof_rewrite_ok is dataplane numeric-multi", func(t *testing.T) {
		response := host.query(t, mixed, "alerting", `{"metric":"aof_rewrite_ok"}`)
		frames := okFrames(t, response)
		one, zero := 1.0, 0.0
		want := map[string]*float64{"ok": &one, "err": &zero, "aof-off": nil, "gone": nil}
		wantRole := map[string]string{"ok": "primary", "err": "primary", "aof-off": "primary", "gone": "unknown"}
		wantInstance := map[string]string{"ok": okServer.Addr, "err": errServer.Addr, "aof-off": offServer.Addr, "gone": goneAddr}
		if len(frames) != len(want) {
			t.Fatalf("%d frames, want one per node (%d)", len(frames), len(want))
		}
		seen := map[string]bool{}
		for i, frame := range frames {
			if frame.Meta == nil || frame.Meta.Type != data.FrameTypeNumericMulti || frame.Meta.TypeVersion != (data.FrameTypeVersion{0, 1}) {
				t.Errorf("frame %d meta %+v, want type %s version 0.1", i, frame.Meta, data.FrameTypeNumericMulti)
			}
			if len(frame.Fields) != 1 || frame.Rows() != 1 {
				t.Errorf("frame %d has %d fields and %d rows, want one number", i, len(frame.Fields), frame.Rows())
				continue
			}
			field := frame.Fields[0]
			if field.Name != "aof_rewrite_ok" || field.Type() != data.FieldTypeNullableFloat64 {
				t.Errorf("frame %d field %q of type %s, want aof_rewrite_ok nullable float64", i, field.Name, field.Type())
				continue
			}
			name := field.Labels["node"]
			seen[name] = true
			if field.Labels["instance"] != wantInstance[name] || field.Labels["role"] != wantRole[name] {
				t.Errorf("node %q labels %v, want instance %q role %q", name, field.Labels, wantInstance[name], wantRole[name])
			}
			got := field.At(0).(*float64)
			if (got == nil) != (want[name] == nil) || (got != nil && *got != *want[name]) {
				t.Errorf("node %q aof_rewrite_ok = %s, want %s", name, show(got), show(want[name]))
			}
		}
		if len(seen) != len(want) {
			t.Errorf("series for nodes %v, want %v", seen, want)
		}
		if !hasNotice(frames[0], fmt.Sprintf("gone (%s) is unreachable", goneAddr)) {
			t.Errorf("first frame's notices %+v do not name the unreachable node", frames[0].Meta.Notices)
		}
	})

	t.Run("raw", func(t *testing.T) {
		frames := okFrames(t, host.query(t, mixed, "raw", `{}`))
		if len(frames) != 1 || frames[0].Name != "raw" {
			t.Fatalf("frames %v, want one named raw", frameNames(frames))
		}
		frame := frames[0]
		rows := rowsByNode(t, frame)
		wantEnabled := map[string]*int64{"ok": ptr(int64(1)), "err": ptr(int64(1)), "aof-off": ptr(int64(0)), "gone": nil}
		wantStatus := map[string]*string{"ok": ptr("ok"), "err": ptr("err"), "aof-off": ptr("ok"), "gone": nil}
		for name, row := range rows {
			if got := value[*int64](t, frame, "aof_enabled", row); !equal(got, wantEnabled[name]) {
				t.Errorf("node %q aof_enabled %s, want %s", name, show(got), show(wantEnabled[name]))
			}
			if got := value[*string](t, frame, "aof_last_bgrewrite_status", row); !equal(got, wantStatus[name]) {
				t.Errorf("node %q aof_last_bgrewrite_status %s, want %s", name, show(got), show(wantStatus[name]))
			}
			errText := value[*string](t, frame, "error", row)
			if (errText != nil) != (name == "gone") || (errText != nil && !strings.HasPrefix(*errText, "refused: ")) {
				t.Errorf("node %q error %s, want a refused error only for gone", name, show(errText))
			}
		}
	})

	t.Run("siblings", func(t *testing.T) {
		frames := okFrames(t, host.query(t, mixed, "siblings", `{}`))
		if len(frames) != 1 || frames[0].Name != "siblings" {
			t.Fatalf("frames %v, want one named siblings", frameNames(frames))
		}
		frame := frames[0]
		for name, row := range rowsByNode(t, frame) {
			reachable := name != "gone"
			if got, want := value[string](t, frame, "role", row), map[bool]string{true: "primary", false: "unknown"}[reachable]; got != want {
				t.Errorf("node %q role %q, want %q", name, got, want)
			}
			if got := value[*int64](t, frame, "uptime", row); (got != nil) != reachable {
				t.Errorf("node %q uptime %s, want a value only when reachable", name, show(got))
			}
			if got := value[*string](t, frame, "error", row); (got != nil) == reachable {
				t.Errorf("node %q error %s, want one only when unreachable", name, show(got))
			}
		}
	})

	t.Run("nodes resource", func(t *testing.T) {
		response := host.callResource(t, mixed, "nodes")
		if response.Status != http.StatusOK {
			t.Fatalf("status %d: %s", response.Status, response.Body)
		}
		var listing []struct{ Name, Address string }
		if err := json.Unmarshal(response.Body, &listing); err != nil {
			t.Fatalf("body %s: %v", response.Body, err)
		}
		if len(listing) != 4 || listing[0].Name != "ok" || listing[0].Address != okServer.Addr || listing[3].Address != goneAddr {
			t.Errorf("listing %+v, want the four configured nodes in order", listing)
		}
	})

	t.Run("password from secureJsonData", func(t *testing.T) {
		health := host.checkHealth(t, secured)
		if health.Status != backend.HealthStatusOk || !strings.Contains(health.Message, "1 of 1 Redis nodes answered INFO") ||
			!strings.Contains(health.Message, "AOF on, last rewrite ok") {
			t.Errorf("health %v: %s", health.Status, health.Message)
		}
		checkCard(t, host.query(t, secured, "card", `{}`), map[string]string{"secured": "ok"})
		frames := okFrames(t, host.query(t, secured, "alerting", `{"metric":"aof_rewrite_ok"}`))
		if len(frames) != 1 || frames[0].Fields[0].At(0).(*float64) == nil || *frames[0].Fields[0].At(0).(*float64) != 1 {
			t.Errorf("alerting frames %v, want aof_rewrite_ok 1", frameNames(frames))
		}
		okFrames(t, host.query(t, secured, "raw", `{}`))
		okFrames(t, host.query(t, secured, "siblings", `{}`))
		host.callResource(t, secured, "nodes")
	})

	t.Run("through the secure SOCKS proxy Grafana configures", func(t *testing.T) {
		socks := sockstest.Start(t, sockstest.Options{TLS: redistest.NewCA(t)})
		proxied := secured
		proxied.ID, proxied.UID, proxied.Name = 6, "proxied", "Proxied"
		proxied.SecureSocksProxy, proxied.GrafanaConfig = true, socks.GrafanaConfig()
		health := host.checkHealth(t, proxied)
		if health.Status != backend.HealthStatusOk || !strings.Contains(health.Message, "1 of 1 Redis nodes answered INFO") {
			t.Errorf("health %v: %s", health.Status, health.Message)
		}
		if socks.TLSHandshakes() == 0 {
			t.Error("the node answered, but not through the proxy's TLS")
		}
	})

	for _, tc := range []struct {
		name  string
		ds    pluginhost.DataSource
		reply string // what the server answers, in the reason
	}{
		{"wrong password", wrong, "WRONGPASS"},
		{"missing password", missing, "NOAUTH"},
	} {
		t.Run(tc.name+" fails health with an auth kind", func(t *testing.T) {
			health := host.checkHealth(t, tc.ds)
			if health.Status != backend.HealthStatusError {
				t.Errorf("status %v, want error", health.Status)
			}
			for _, want := range []string{
				"0 of 1 Redis nodes answered INFO",
				fmt.Sprintf("secured (%s): unreachable, auth: %s", securedServer.Addr, tc.reply),
				"check the ACL user name and password",
			} {
				if !strings.Contains(health.Message, want) {
					t.Errorf("health message lacks %q:\n%s", want, health.Message)
				}
			}
			for _, secret := range []string{password, wrongPassword} {
				if strings.Contains(health.Message, secret) || bytes.Contains(health.JSONDetails, []byte(secret)) {
					t.Errorf("health result contains a password: %s %s", health.Message, health.JSONDetails)
				}
			}
			response := host.query(t, tc.ds, "card", `{}`)
			checkCard(t, response, map[string]string{"secured": "unreachable"})
			frame := response.Frames[0]
			if reason := value[string](t, frame, "reason", 0); !strings.HasPrefix(reason, "auth: "+tc.reply) {
				t.Errorf("card reason %q, want an auth failure", reason)
			}
		})
	}

	t.Run("invalid settings are reported without the password", func(t *testing.T) {
		invalid := pluginhost.DataSource{ID: 5, UID: "invalid", Name: "Invalid", Nodes: []pluginhost.Node{{Name: "bad", Address: "not-an-address"}}, Password: password}
		health := host.checkHealth(t, invalid)
		if health.Status != backend.HealthStatusError || !strings.Contains(health.Message, "setting nodes[0].address") {
			t.Errorf("health %v: %s", health.Status, health.Message)
		}
		response := host.query(t, invalid, "card", `{}`)
		if response.Error == nil || response.ErrorSource != backend.ErrorSourceDownstream {
			t.Errorf("query on invalid settings: error %v source %q, want a downstream error", response.Error, response.ErrorSource)
		}
	})

	// Stop the plugin the way Grafana does on shutdown; Kill waits until its stderr is drained,
	// so the logs below are complete.
	host.Kill()
	if !host.Client().Exited() {
		t.Error("the plugin process is still running after Kill")
	}

	stderr, hostLog, wire := host.stderr.String(), host.hostLog.String(), host.wire.Bytes()
	if !strings.Contains(stderr, "Plugin Request Completed") || !strings.Contains(stderr, `"endpoint":"queryData"`) {
		t.Errorf("the plugin's stderr does not show its request log; the secret scan below would prove nothing:\n%s", tail(stderr))
	}
	for _, secret := range []string{password, wrongPassword} {
		if strings.Contains(stderr, secret) {
			t.Errorf("the plugin's stderr contains a password:\n%s", excerpt(stderr, secret))
		}
		if strings.Contains(hostLog, secret) {
			t.Errorf("the host-side go-plugin log contains a password:\n%s", excerpt(hostLog, secret))
		}
		if bytes.Contains(wire, []byte(secret)) {
			t.Errorf("a gRPC response from the plugin contains a password:\n%q", excerpt(string(wire), secret))
		}
	}
	if strings.Contains(stderr, "DATA RACE") {
		t.Errorf("the plugin (built with -race) reported a data race:\n%s", tail(stderr))
	}
	if t.Failed() {
		t.Logf("plugin stderr (tail):\n%s", tail(stderr))
	}
}

// buildPlugin compiles ./pkg the way the release build does, with -race when this test has it.
func buildPlugin(t *testing.T) string {
	t.Helper()
	var flags []string
	if raceEnabled {
		flags = append(flags, "-race")
	}
	return buildBinary(t, "../../pkg", flags...) // the plugin's main package
}

// buildBinary builds the main package in dir into a temporary directory.
func buildBinary(tb testing.TB, dir string, flags ...string) string {
	tb.Helper()
	binary := filepath.Join(tb.TempDir(), executable)
	if err := pluginhost.Build(dir, binary, flags...); err != nil {
		tb.Fatal(err)
	}
	return binary
}

// pluginHost is Grafana's side of one running plugin process, with everything it hears kept for
// the secret scan.
type pluginHost struct {
	*pluginhost.Host

	stderr  *lockedBuffer // the plugin's stderr, raw: its JSON log lines
	hostLog *lockedBuffer // go-plugin's host-side log, which re-logs the plugin's lines
	wire    *lockedBuffer // every gRPC response message, serialized, for the secret scan
}

// startPlugin starts the binary with Grafana's handshake and plugin sets (gRPC only, no AutoMTLS).
func startPlugin(t *testing.T, binary string) *pluginHost {
	t.Helper()
	host := &pluginHost{stderr: &lockedBuffer{}, hostLog: &lockedBuffer{}, wire: &lockedBuffer{}}
	started, err := pluginhost.Start(binary, host.stderr, host.hostLog)
	if err != nil {
		t.Fatalf("%v\nstderr:\n%s\nhost log:\n%s", err, host.stderr, host.hostLog)
	}
	started.OnResponse = func(message proto.Message) {
		encoded, err := proto.Marshal(message)
		if err != nil {
			encoded = []byte(fmt.Sprintf("unencodable response %T", message))
		}
		_, _ = host.wire.Write(encoded)
	}
	host.Host = started
	t.Cleanup(started.Kill)
	return host
}

func (h *pluginHost) checkHealth(t *testing.T, ds pluginhost.DataSource) *backend.CheckHealthResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), callTimeout)
	defer cancel()
	result, err := h.CheckHealth(ctx, ds.PluginContext())
	if err != nil {
		t.Fatal(err)
	}
	return result
}

func (h *pluginHost) query(t *testing.T, ds pluginhost.DataSource, queryType, model string) backend.DataResponse {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), callTimeout)
	defer cancel()
	result, err := h.Query(ctx, ds.PluginContext(), queryType, model)
	if err != nil {
		t.Fatal(err)
	}
	return result
}

func (h *pluginHost) callResource(t *testing.T, ds pluginhost.DataSource, path string) *backend.CallResourceResponse {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), callTimeout)
	defer cancel()
	result, err := h.Resource(ctx, ds.PluginContext(), path)
	if err != nil {
		t.Fatal(err)
	}
	return result
}

// checkCard asserts a card response: one frame named card, one row per wanted node, with the
// wanted status.
func checkCard(t *testing.T, response backend.DataResponse, want map[string]string) {
	t.Helper()
	frames := okFrames(t, response)
	if len(frames) != 1 || frames[0].Name != "card" {
		t.Fatalf("frames %v, want one named card", frameNames(frames))
	}
	rows := rowsByNode(t, frames[0])
	if len(rows) != len(want) {
		t.Errorf("card rows for %v, want %v", rows, want)
	}
	for name, status := range want {
		row, ok := rows[name]
		if !ok {
			t.Errorf("no card row for node %q", name)
			continue
		}
		if got := value[string](t, frames[0], "status", row); got != status {
			t.Errorf("node %q status %q (reason %q), want %q", name, got, value[string](t, frames[0], "reason", row), status)
		}
	}
}

func okFrames(t *testing.T, response backend.DataResponse) data.Frames {
	t.Helper()
	if response.Error != nil {
		t.Fatalf("query failed: %v (status %d, source %q)", response.Error, response.Status, response.ErrorSource)
	}
	if len(response.Frames) == 0 {
		t.Fatal("no frames")
	}
	return response.Frames
}

func rowsByNode(t *testing.T, frame *data.Frame) map[string]int {
	t.Helper()
	rows := map[string]int{}
	for i := range frame.Rows() {
		rows[value[string](t, frame, "node", i)] = i
	}
	return rows
}

// value reads one cell, failing the test if the column is missing or of another type.
func value[T any](t *testing.T, frame *data.Frame, column string, row int) T {
	t.Helper()
	field, _ := frame.FieldByName(column)
	if field == nil {
		t.Fatalf("frame %q has no field %q", frame.Name, column)
	}
	typed, ok := field.At(row).(T)
	if !ok {
		t.Fatalf("frame %q field %q is %s, not %T", frame.Name, column, field.Type(), typed)
	}
	return typed
}

func hasNotice(frame *data.Frame, text string) bool {
	if frame.Meta == nil {
		return false
	}
	for _, notice := range frame.Meta.Notices {
		if strings.Contains(notice.Text, text) {
			return true
		}
	}
	return false
}

func frameNames(frames data.Frames) []string {
	names := make([]string, len(frames))
	for i, f := range frames {
		names[i] = f.Name
	}
	return names
}

func ptr[T any](v T) *T { return &v }

func equal[T comparable](a, b *T) bool { return (a == nil) == (b == nil) && (a == nil || *a == *b) }

func show[T any](v *T) string {
	if v == nil {
		return "null"
	}
	return fmt.Sprint(*v)
}

func tail(s string) string {
	const keep = 8192
	if len(s) > keep {
		return "…" + s[len(s)-keep:]
	}
	return s
}

// excerpt shows where a secret was found without printing much else.
func excerpt(s, secret string) string {
	i := strings.Index(s, secret)
	from, to := max(i-300, 0), min(i+len(secret)+100, len(s))
	return s[from:to]
}

// lockedBuffer is written by go-plugin's goroutines and read by the test.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func (b *lockedBuffer) Bytes() []byte {
	b.mu.Lock()
	defer b.mu.Unlock()
	return bytes.Clone(b.buf.Bytes())
}

var _ io.Writer = (*lockedBuffer)(nil)
