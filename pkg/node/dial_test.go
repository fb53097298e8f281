//go:build realredis

package node

import (
	"context"
	"net"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/persistwatch/redis-persistence-datasource/internal/redistest"
	"github.com/persistwatch/redis-persistence-datasource/pkg/nodeinfo"
	"github.com/persistwatch/redis-persistence-datasource/pkg/settings"
)

// readOnce reads every node of a pool built from s once.
func readOnce(t *testing.T, pool *Pool) []nodeinfo.Reading {
	t.Helper()
	everyNode, err := pool.Select(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	return pool.Read(context.Background(), everyNode, Request{Sections: []string{"persistence"}, Fresh: true})
}

func poolFor(t *testing.T, s settings.Settings, addresses ...string) *Pool {
	t.Helper()
	for _, address := range addresses {
		s.Nodes = append(s.Nodes, nodeinfo.Node{Name: address, Address: address, Network: "tcp", Dial: address})
	}
	if s.ConnectTimeout == 0 {
		s.ConnectTimeout, s.ReadTimeout = 2*time.Second, 2*time.Second
	}
	s.MaxConcurrency = max(s.MaxConcurrency, 1)
	pool := NewPool(s)
	t.Cleanup(func() { pool.Close() })
	return pool
}

func TestAFlappingNodeIsDialledOnTheVeryNextRead(t *testing.T) {
	server := redistest.Start(t, redistest.Options{})
	pool := poolFor(t, settings.Settings{}, server.Addr)
	if r := readOnce(t, pool)[0]; r.Err != nil {
		t.Fatalf("first read: %v", r.Err)
	}
	server.Stop(t)
	for range 3 { // past go-redis's PoolSize, where it used to start replaying its last dial error
		if r := readOnce(t, pool)[0]; r.Err == nil || r.Err.Kind != nodeinfo.KindRefused {
			t.Fatalf("read of a stopped node: %+v, want refused", r)
		}
	}
	server.Relaunch(t)
	if r := readOnce(t, pool)[0]; r.Err != nil {
		t.Fatalf("the first read after the node came back: %v, want a fresh dial and an answer", r.Err)
	}
}

func TestDeadNodesCostNothingWhileNobodyReads(t *testing.T) {
	var dials atomic.Int64
	original := dialNet
	dialNet = func(ctx context.Context, network, address string) (net.Conn, error) {
		dials.Add(1)
		return (&net.Dialer{}).DialContext(ctx, network, address)
	}
	t.Cleanup(func() { dialNet = original })
	baseline := runtime.NumGoroutine()
	var dead []string
	for range 200 {
		dead = append(dead, redistest.ClosedAddr(t))
	}
	pool := poolFor(t, settings.Settings{MaxConcurrency: 16}, dead...)
	for _, r := range readOnce(t, pool) {
		if r.Err == nil || r.Err.Kind != nodeinfo.KindRefused {
			t.Fatalf("a closed port: %+v, want refused", r)
		}
	}
	if got := dials.Load(); got != 200 {
		t.Fatalf("one read of 200 dead nodes dialled %d times, want 200", got)
	}
	// Goroutines that are ending may take a moment to be gone; a goroutine per dead node never is.
	deadline := time.Now().Add(20 * time.Second)
	for runtime.NumGoroutine() > baseline && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if got := runtime.NumGoroutine(); got > baseline {
		t.Fatalf("%d goroutines after the read, %d before: something keeps running per dead node", got, baseline)
	}
	idleFrom := dials.Load()
	time.Sleep(3 * time.Second) // go-redis's background redial ran every second
	if got := dials.Load() - idleFrom; got != 0 {
		t.Fatalf("%d dials while nobody read", got)
	}
}

func TestEachRefusalNamesItsCause(t *testing.T) {
	ca := redistest.NewCA(t)
	strangers := redistest.NewCA(t)
	trusting := settings.TLS{Enabled: true, RootCAs: ca.CertPool()}
	withCert := func(from *redistest.CA) settings.TLS {
		t := trusting
		t.Certificates = from.ClientTLSConfig(true).Certificates
		return t
	}
	tests := []struct {
		name    string
		server  redistest.Options
		tls     settings.TLS
		want    nodeinfo.Kind
		hintHas string
	}{
		// The harness's own admin connection, kept open, is the one client the server allows.
		{"maxclients reached", redistest.Options{ExtraArgs: []string{"--maxclients", "1"}}, settings.TLS{}, nodeinfo.KindMaxClients, "maxclients"},
		{"TLS client, plaintext server", redistest.Options{}, trusting, nodeinfo.KindNotTLS, "turn TLS off"},
		{"plaintext client, TLS-only server", redistest.Options{TLS: ca}, settings.TLS{}, nodeinfo.KindTLSOnly, "turn TLS on"},
		{"no client certificate where one is required", redistest.Options{TLS: ca, TLSRequireClientCert: true}, trusting, nodeinfo.KindClientCert, "client certificate"},
		{"a client certificate the server does not trust", redistest.Options{TLS: ca, TLSRequireClientCert: true}, withCert(strangers), nodeinfo.KindClientCert, "client certificate"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			server := redistest.Start(t, tt.server)
			server.Info(t) // the admin connection is open and held
			pool := poolFor(t, settings.Settings{TLS: tt.tls}, server.Addr)
			for range 2 { // the same on a second read, through a fresh connection
				r := readOnce(t, pool)[0]
				if r.Err == nil || r.Err.Kind != tt.want || !strings.Contains(r.Err.Hint(), tt.hintHas) {
					t.Fatalf("reading = %+v, want %s with a hint naming %q", r.Err, tt.want, tt.hintHas)
				}
			}
		})
	}
}

// A plaintext Redis answers a ClientHello at once when its bytes happen to end an inline command
// early; a real server does that only for some random ClientHellos, so a listener plays it here.
func TestATLSHandshakeAnsweredInPlainTextIsNotTLS(t *testing.T) {
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { listener.Close() })
	go func() {
		conn, err := listener.Accept()
		if err != nil {
			return
		}
		defer conn.Close()
		hello := make([]byte, 512)
		if _, err := conn.Read(hello); err == nil {
			_, _ = conn.Write([]byte("-ERR unknown command '\\x16\\x03\\x01', with args beginning with: \r\n"))
		}
	}()
	pool := poolFor(t, settings.Settings{TLS: settings.TLS{Enabled: true}}, listener.Addr().String())
	if r := readOnce(t, pool)[0]; r.Err == nil || r.Err.Kind != nodeinfo.KindNotTLS || strings.ContainsAny(r.Err.Detail, "\r\n") {
		t.Fatalf("reading = %+v, want %s with a one-line detail", r.Err, nodeinfo.KindNotTLS)
	}
}
