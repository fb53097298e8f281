// Package sockstest starts a real SOCKS5 server, Dante (Debian's dante-server), for tests of
// the plugin's secure SOCKS proxy support: the proxy Grafana hands to data sources for Private
// data source connect. Optionally a TLS 1.3 front that requires a client certificate stands
// before it, as Grafana's secure proxy expects.
//
// Dante connects to the nodes from Outbound (127.0.0.2) and nothing else on the machine uses that
// address, so a node's CLIENT LIST tells the connections that came through the proxy from direct
// ones, which come from 127.0.0.1.
package sockstest

import (
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend/proxy"

	"github.com/persistwatch/redis-persistence-datasource/internal/redistest"
)

// Outbound is the address the proxy connects to nodes from.
const Outbound = "127.0.0.2"

// Options selects how the proxy is started. The zero value is a plain SOCKS5 proxy.
type Options struct {
	// TLS puts a TLS 1.3 front before the proxy with the CA's server certificate, requiring a
	// client certificate from the CA.
	TLS *redistest.CA
	// Refuse lists host:port destinations the proxy's rules refuse.
	Refuse []string
}

// Proxy is a running SOCKS5 proxy owned by a test.
type Proxy struct {
	// Addr is where clients connect: the TLS front when Options.TLS is set.
	Addr string
	ca   *redistest.CA
	// handshakes counts the TLS front's completed handshakes.
	handshakes atomic.Int64
}

const (
	startAttempts = 5
	waitTimeout   = 20 * time.Second
)

// Start starts Dante on a free 127.0.0.1 port in a temp dir and waits until it answers a SOCKS5
// greeting. A tb.Cleanup stops it.
func Start(tb testing.TB, opts Options) *Proxy {
	tb.Helper()
	bin, err := exec.LookPath("danted")
	if err != nil {
		bin, err = exec.LookPath("/usr/sbin/danted") // not on a non-root user's PATH
	}
	if err != nil {
		tb.Fatalf("sockstest: danted is not installed or not on PATH (Debian/Ubuntu: apt-get install dante-server; scripts/install-deps.sh does it): %v", err)
	}
	var addr string
	for attempt := 0; ; attempt++ {
		addr, err = startDante(tb, bin, opts.Refuse)
		if err == nil {
			break
		}
		if attempt == startAttempts-1 {
			tb.Fatalf("sockstest: %v", err)
		}
	}
	p := &Proxy{Addr: addr, ca: opts.TLS}
	if opts.TLS != nil {
		p.Addr = p.startTLSFront(tb, addr)
	}
	return p
}

// startDante makes one start attempt; an error may be a lost race for the port.
func startDante(tb testing.TB, bin string, refuse []string) (string, error) {
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	port := listener.Addr().(*net.TCPAddr).Port
	listener.Close()
	dir := tb.TempDir()
	conf := filepath.Join(dir, "danted.conf")
	if err := os.WriteFile(conf, []byte(config(port, refuse)), 0o600); err != nil {
		return "", err
	}
	cmd := exec.Command(bin, "-f", conf, "-p", filepath.Join(dir, "danted.pid"), "-N", "1")
	logs := redistest.NewLogTail(16 << 10)
	cmd.Stdout, cmd.Stderr = logs, logs
	// Own process group, so that cleanup takes Dante's child processes down with it; and down
	// with the test binary if that dies.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	cmd.WaitDelay = 2 * time.Second
	if err := cmd.Start(); err != nil {
		return "", fmt.Errorf("starting danted: %w", err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	stop := func() {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		<-done
	}
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	deadline := time.Now().Add(waitTimeout)
	for {
		select {
		case <-done:
			return "", fmt.Errorf("danted exited during start-up; log:\n%s", logs)
		default:
		}
		if greets(addr) {
			tb.Cleanup(stop)
			return addr, nil
		}
		if time.Now().After(deadline) {
			stop()
			return "", fmt.Errorf("danted did not answer on %s within %v; log:\n%s", addr, waitTimeout, logs)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// config is a Dante configuration: SOCKS5 CONNECT only, from loopback clients, without
// authentication (the SDK offers "none" beside user name and password), leaving from Outbound.
func config(port int, refuse []string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "logoutput: stderr\ninternal: 127.0.0.1 port = %d\nexternal: %s\n", port, Outbound)
	b.WriteString("socksmethod: none\nclientmethod: none\n")
	b.WriteString("client pass { from: 127.0.0.0/8 to: 0.0.0.0/0 }\n")
	for _, hostPort := range refuse {
		host, port, _ := net.SplitHostPort(hostPort)
		fmt.Fprintf(&b, "socks block { from: 0.0.0.0/0 to: %s/32 port = %s log: error }\n", host, port)
	}
	b.WriteString("socks pass { from: 127.0.0.0/8 to: 0.0.0.0/0 command: connect }\n")
	return b.String()
}

// greets reports whether a SOCKS5 server answers a greeting offering "no authentication".
func greets(addr string) bool {
	conn, err := net.DialTimeout("tcp", addr, 500*time.Millisecond)
	if err != nil {
		return false
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(2 * time.Second))
	if _, err := conn.Write([]byte{5, 1, 0}); err != nil {
		return false
	}
	reply := make([]byte, 2)
	_, err = io.ReadFull(conn, reply)
	return err == nil && reply[0] == 5 && reply[1] == 0
}

// startTLSFront serves TLS 1.3 with a required client certificate and relays each connection to
// the proxy.
func (p *Proxy) startTLSFront(tb testing.TB, backend string) string {
	pair, err := tls.X509KeyPair(p.ca.ServerCertPEM, p.ca.ServerKeyPEM)
	if err != nil {
		tb.Fatalf("sockstest: %v", err)
	}
	listener, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{
		MinVersion:   tls.VersionTLS13,
		Certificates: []tls.Certificate{pair},
		ClientAuth:   tls.RequireAndVerifyClientCert,
		ClientCAs:    p.ca.CertPool(),
	})
	if err != nil {
		tb.Fatalf("sockstest: %v", err)
	}
	// A client may keep its connection open past the test (a plugin process outlives its data
	// sources' tests): cleanup closes every open one, which ends its relay.
	var (
		relays sync.WaitGroup
		mu     sync.Mutex
		open   = map[net.Conn]bool{}
		closed bool
	)
	tb.Cleanup(func() {
		listener.Close()
		mu.Lock()
		closed = true
		for conn := range open {
			conn.Close()
		}
		mu.Unlock()
		relays.Wait()
	})
	go func() {
		for {
			conn, err := listener.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			if closed {
				conn.Close()
				mu.Unlock()
				return
			}
			open[conn] = true
			relays.Add(1)
			mu.Unlock()
			go func() {
				defer relays.Done()
				p.relay(conn.(*tls.Conn), backend)
				mu.Lock()
				delete(open, conn)
				mu.Unlock()
			}()
		}
	}()
	return listener.Addr().String()
}

func (p *Proxy) relay(client *tls.Conn, backend string) {
	defer client.Close()
	_ = client.SetDeadline(time.Now().Add(5 * time.Second))
	if err := client.Handshake(); err != nil {
		return
	}
	_ = client.SetDeadline(time.Time{})
	p.handshakes.Add(1)
	server, err := net.Dial("tcp", backend)
	if err != nil {
		return
	}
	defer server.Close()
	copied := make(chan struct{})
	go func() {
		_, _ = io.Copy(server, client)
		_ = server.(*net.TCPConn).CloseWrite()
		close(copied)
	}()
	_, _ = io.Copy(client, server)
	_ = client.CloseWrite()
	<-copied
}

// TLSHandshakes is how many TLS handshakes the front completed: connections that came with a
// client certificate from the CA.
func (p *Proxy) TLSHandshakes() int64 { return p.handshakes.Load() }

// GrafanaConfig is the configuration Grafana hands a plugin for this proxy (the
// GF_SECURE_SOCKS_DATASOURCE_PROXY_* settings): TLS with the CA's client certificate when the
// proxy has a TLS front, else allow_insecure.
func (p *Proxy) GrafanaConfig() map[string]string {
	cfg := map[string]string{
		proxy.PluginSecureSocksProxyEnabled:      "true",
		proxy.PluginSecureSocksProxyProxyAddress: p.Addr,
	}
	if p.ca == nil {
		cfg[proxy.PluginSecureSocksProxyAllowInsecure] = "true"
		return cfg
	}
	cfg[proxy.PluginSecureSocksProxyClientCertContents] = string(p.ca.ClientCertPEM)
	cfg[proxy.PluginSecureSocksProxyClientKeyContents] = string(p.ca.ClientKeyPEM)
	cfg[proxy.PluginSecureSocksProxyRootCAsContents] = string(p.ca.CAPEM)
	cfg[proxy.PluginSecureSocksProxyServerName] = "localhost"
	return cfg
}
