package node

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"syscall"
	"testing"

	"github.com/grafana/grafana-plugin-sdk-go/experimental/status"
	"github.com/persistwatch/redis-persistence-datasource/pkg/nodeinfo"
)

// reply is a Redis error reply as go-redis surfaces it.
type reply string

func (r reply) Error() string { return string(r) }
func (reply) RedisError()     {}

func dialFailure(err error) error {
	return &net.OpError{Op: "dial", Net: "tcp", Err: &os.SyscallError{Syscall: "connect", Err: err}}
}

// socksFailure is a failed CONNECT as the SDK's proxy dialer returns it: x/net's socks error,
// marked as a downstream error.
func socksFailure(err error) error {
	return status.DownstreamError(&net.OpError{Op: "socks connect", Net: "tcp", Err: err})
}

func TestClassify(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want nodeinfo.Kind
	}{
		{"nothing listens", dialFailure(syscall.ECONNREFUSED), nodeinfo.KindRefused},
		{"no file descriptor left", &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("socket", syscall.EMFILE)}, nodeinfo.KindOutOfFiles},
		{"no file descriptor left on the host", dialFailure(syscall.ENFILE), nodeinfo.KindOutOfFiles},
		{"no file descriptor left to dial the proxy", socksFailure(&net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("socket", syscall.EMFILE)}), nodeinfo.KindOutOfFiles},
		{"no file descriptor left to look the name up", &net.OpError{Op: "dial", Err: &net.DNSError{Err: "dial udp 10.0.0.53:53: socket: too many open files", Name: "cache-9"}}, nodeinfo.KindOutOfFiles},
		{"socket file missing", dialFailure(syscall.ENOENT), nodeinfo.KindRefused},
		{"host unreachable", dialFailure(syscall.EHOSTUNREACH), nodeinfo.KindRefused},
		{"dial timeout", &net.OpError{Op: "dial", Err: os.ErrDeadlineExceeded}, nodeinfo.KindTimeout},
		{"context deadline", fmt.Errorf("read: %w", context.DeadlineExceeded), nodeinfo.KindTimeout},
		{"unknown host", &net.OpError{Op: "dial", Err: &net.DNSError{Err: "no such host", Name: "cache-9", IsNotFound: true}}, nodeinfo.KindDNS},
		{"unknown CA", &tls.CertificateVerificationError{Err: x509.UnknownAuthorityError{}}, nodeinfo.KindTLS},
		{"wrong host in certificate", x509.HostnameError{Host: "cache-1", Certificate: &x509.Certificate{}}, nodeinfo.KindTLS},
		{"TLS client, plain server", tls.RecordHeaderError{Msg: "first record does not look like a TLS handshake"}, nodeinfo.KindTLS},
		{"server rejected client certificate", &net.OpError{Op: "remote error", Err: errors.New("tls: bad certificate")}, nodeinfo.KindClientCert},
		{"server wanted a client certificate", &net.OpError{Op: "remote error", Err: errors.New("tls: certificate required")}, nodeinfo.KindClientCert},
		{"other alert from the server", &net.OpError{Op: "remote error", Err: errors.New("tls: protocol version not supported")}, nodeinfo.KindTLS},
		{"TLS client, plain server that answered", &dialError{err: &plaintextServer{answer: "-ERR Protocol error: too big inline request"}}, nodeinfo.KindNotTLS},
		{"plain client, TLS-only server", &tlsOnlyServer{err: dialFailure(syscall.ECONNRESET)}, nodeinfo.KindTLSOnly},
		{"server at maxclients hangs up after its error line", fmt.Errorf("write: %w", &turnedAway{reply: "ERR max number of clients reached"}), nodeinfo.KindMaxClients},
		{"protected mode hangs up after its error line", &turnedAway{reply: "DENIED Redis is running in protected mode"}, nodeinfo.KindDenied},
		{"server hangs up", io.EOF, nodeinfo.KindClosed},
		{"connection reset", dialFailure(syscall.ECONNRESET), nodeinfo.KindClosed},
		{"wrong password", reply("WRONGPASS invalid username-password pair or user is disabled."), nodeinfo.KindAuth},
		{"password missing", reply("NOAUTH Authentication required."), nodeinfo.KindAuth},
		{"password set, server has none", reply("ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?"), nodeinfo.KindAuth},
		{"protected mode", reply("DENIED Redis is running in protected mode because protected mode is enabled"), nodeinfo.KindDenied},
		{"too many clients", reply("ERR max number of clients reached"), nodeinfo.KindMaxClients},
		{"INFO renamed away", reply("ERR unknown command 'INFO', with args beginning with: 'persistence' "), nodeinfo.KindInfoRefused},
		{"ACL forbids INFO", reply("NOPERM User monitor has no permissions to run the 'info' command"), nodeinfo.KindInfoRefused},
		{"loading", reply("LOADING Redis is loading the dataset in memory"), nodeinfo.KindLoading},
		{"refused dial handed over as a connection", &dialError{err: dialFailure(syscall.ECONNREFUSED)}, nodeinfo.KindRefused},
		{"something else", fmt.Errorf("redis: client is closed"), nodeinfo.KindUnknown},
		{"proxy not listening", socksFailure(dialFailure(syscall.ECONNREFUSED)), nodeinfo.KindProxyUnreachable},
		{"proxy address times out", socksFailure(&net.OpError{Op: "dial", Err: os.ErrDeadlineExceeded}), nodeinfo.KindProxyUnreachable},
		{"proxy's certificate not trusted", socksFailure(&tls.CertificateVerificationError{Err: x509.UnknownAuthorityError{}}), nodeinfo.KindProxyUnreachable},
		{"proxy hangs up (TLS on one side only)", socksFailure(io.EOF), nodeinfo.KindProxyUnreachable},
		{"not a SOCKS5 proxy", socksFailure(fmt.Errorf("unexpected protocol version 21")), nodeinfo.KindProxyUnreachable},
		{"proxy's rules refuse", socksFailure(fmt.Errorf("unknown error connection not allowed by ruleset")), nodeinfo.KindProxyRefused},
		{"proxy credentials wrong", socksFailure(fmt.Errorf("username/password authentication failed")), nodeinfo.KindProxyRefused},
		{"node refuses the proxy", socksFailure(fmt.Errorf("unknown error connection refused")), nodeinfo.KindProxyNodeUnreachable},
		{"node's host unreachable from the proxy", socksFailure(fmt.Errorf("unknown error host unreachable")), nodeinfo.KindProxyNodeUnreachable},
		{"proxy slow to connect the node", socksFailure(context.DeadlineExceeded), nodeinfo.KindTimeout},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Classify(tt.err)
			if got.Kind != tt.want {
				t.Fatalf("Classify(%v) = %q, want %q", tt.err, got.Kind, tt.want)
			}
			if got.Hint() == "" || got.Detail == "" {
				t.Fatalf("classified error lacks detail or hint: %+v", got)
			}
		})
	}
	if Classify(nil) != nil {
		t.Fatal("Classify(nil) must be nil")
	}
	already := &nodeinfo.Failure{Kind: nodeinfo.KindAuth, Detail: "x"}
	if Classify(fmt.Errorf("wrapped: %w", already)) != already {
		t.Fatal("an already classified error must pass through")
	}
}

// Only a CONFIG that is refused for good is remembered as refused; a passing error reply is
// asked again on the next poll.
func TestOnlyALastingRefusalOfConfigIsRemembered(t *testing.T) {
	for text, want := range map[string]bool{
		"NOPERM this user has no permissions to run the 'config|get' command": true,
		"ERR unknown command 'CONFIG', with args beginning with: 'GET'":       true,
		"BUSY Redis is busy running a script":                                 false,
		"LOADING Redis is loading the dataset in memory":                      false,
	} {
		if got := isRefusal(reply(text)); got != want {
			t.Errorf("isRefusal(%q) = %v, want %v", text, got, want)
		}
	}
	if isRefusal(context.DeadlineExceeded) {
		t.Error("a timeout counted as a refusal")
	}
}
