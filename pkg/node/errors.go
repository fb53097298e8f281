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
	"runtime/debug"
	"strings"
	"syscall"
	"unicode/utf8"

	"github.com/grafana/grafana-plugin-sdk-go/backend/log"
	"github.com/redis/go-redis/v9"
)

// Kind says why a node could not be read. It is decided once, here, at the Redis boundary.
type Kind string

const (
	KindRefused     Kind = "refused"      // nothing listens at the address
	KindTimeout     Kind = "timeout"      // no answer within the configured timeouts
	KindDNS         Kind = "dns"          // the host name does not resolve
	KindAuth        Kind = "auth"         // wrong or missing user name / password
	KindTLS         Kind = "tls"          // TLS handshake or certificate failure
	KindNotTLS      Kind = "not_tls"      // TLS is on, but the server speaks plain RESP
	KindTLSOnly     Kind = "tls_only"     // TLS is off, but the server speaks only TLS
	KindClientCert  Kind = "client_cert"  // the server rejected (or wanted) the client certificate
	KindClosed      Kind = "closed"       // the server hung up
	KindDenied      Kind = "denied"       // protected mode
	KindMaxClients  Kind = "max_clients"  // the server is at maxclients and turns new clients away
	KindLoading     Kind = "loading"      // the server is loading its dataset and refuses the command
	KindInfoRefused Kind = "info_refused" // the server answers but will not run INFO
	KindRedis       Kind = "redis_error"  // any other error reply
	KindOversized   Kind = "oversized"    // a reply over the limits of guard.go
	KindProtocol    Kind = "protocol"     // a reply that is not RESP
	KindPanic       Kind = "internal"     // reading the node panicked; the plugin carried on
	KindUnknown     Kind = "error"

	// Through Grafana's secure SOCKS proxy.
	KindProxyUnreachable     Kind = "proxy_unreachable"      // no connection to the proxy (down, wrong address, TLS)
	KindProxyRefused         Kind = "proxy_refused"          // the proxy refuses the data source (credentials, rules)
	KindProxyNodeUnreachable Kind = "proxy_node_unreachable" // the proxy cannot reach the node
)

// Error is a classified failure to read a node. Its text is safe to show: go-redis errors never
// carry the password, and the node's settings are not part of it.
type Error struct {
	Kind   Kind
	Detail string
}

func (e *Error) Error() string { return string(e.Kind) + ": " + e.Detail }

// Hint is the first thing to check, for health messages and card reasons.
func (e *Error) Hint() string {
	switch e.Kind {
	case KindRefused:
		return "check the address and that redis-server is running and listening there"
	case KindTimeout:
		return "the node is down, overloaded or firewalled; check it, or raise the timeouts"
	case KindDNS:
		return "check the host name"
	case KindAuth:
		return "check the ACL user name and password in the data source settings"
	case KindTLS:
		return "check the TLS switch, the CA certificate and the server name"
	case KindNotTLS:
		return "the server speaks plain text on this port: turn TLS off for it, or use its tls-port"
	case KindTLSOnly:
		return "the server speaks only TLS on this port: turn TLS on for it"
	case KindClientCert:
		return "the server rejected the client certificate: check the client certificate and key in the data source settings and that the server's tls-ca-cert-file trusts their CA"
	case KindClosed:
		return "the server closed the connection; its log says why (timeout, client buffer limits, CLIENT KILL, restart)"
	case KindDenied:
		return "the server refuses this client (protected mode); check its bind, protected-mode and ACL settings"
	case KindMaxClients:
		return "the server has reached maxclients and turns new connections away: find what holds its connections (CLIENT LIST) or raise maxclients"
	case KindLoading:
		return "the server is loading its dataset into memory; it answers once loading ends"
	case KindInfoRefused:
		return "the server refuses INFO (renamed, ACL or managed service); grant +info or use the provider's backup metrics"
	case KindProxyUnreachable:
		return "the secure SOCKS proxy cannot be reached; check that it (the Private data source connect agent) runs at the address Grafana's [secure_socks_datasource_proxy] settings give, and that their TLS setting and certificates match the proxy's"
	case KindProxyRefused:
		return "the secure SOCKS proxy refused the connection; check the data source's proxy credentials and that the proxy allows this node"
	case KindProxyNodeUnreachable:
		return "the secure SOCKS proxy cannot reach the node; check the address as the proxy's network sees it and that redis-server is running there"
	case KindOversized:
		return "the node sent more than the plugin reads for one command (limits in docs/robustness.md); check that the address is a Redis server; the next query reconnects"
	case KindProtocol:
		return "check that the address is a Redis server and the TLS switch; the next query reconnects"
	case KindPanic:
		return "please report this with the plugin log; the next query reads the node again"
	}
	return "see the Redis server log"
}

// Classify turns an error from go-redis into an Error. errors.Is/As come first; matching the text
// is the last resort, for server error replies, which are only text.
func Classify(err error) *Error {
	if err == nil {
		return nil
	}
	var classified *Error
	if errors.As(err, &classified) {
		return classified
	}
	detail := Clip(err.Error())
	kind := classifyKind(err)
	var away *turnedAway
	if errors.As(err, &away) {
		detail = away.Error() // go-redis wraps it in "write tcp a->b: ...", which hides the reply
	}
	if kind == KindTimeout {
		// go-redis/net texts for timeouts quote socket internals; a plain sentence reads better.
		detail = "no answer within the timeout (" + detail + ")"
	}
	return &Error{Kind: kind, Detail: detail}
}

func classifyKind(err error) Kind {
	if kind, ok := classifyProxy(err); ok {
		return kind
	}
	var dnsErr *net.DNSError
	var unknownAuthority x509.UnknownAuthorityError
	var hostnameErr x509.HostnameError
	var invalidCert x509.CertificateInvalidError
	var verifyErr *tls.CertificateVerificationError
	var recordErr tls.RecordHeaderError
	var alertErr tls.AlertError
	var netErr net.Error
	var redisErr redis.Error
	var opErr *net.OpError
	var away *turnedAway
	var plaintext *plaintextServer
	var tlsOnly *tlsOnlyServer

	switch {
	case errors.As(err, &away):
		return classifyReply(away.reply)
	case errors.As(err, &plaintext):
		return KindNotTLS
	case errors.As(err, &tlsOnly):
		return KindTLSOnly
	case errors.As(err, &opErr) && opErr.Op == "remote error":
		// A TLS alert from the server; the alert type is not exported, its text is stable.
		if strings.Contains(opErr.Err.Error(), "certificate") {
			return KindClientCert
		}
		return KindTLS
	case errors.As(err, &dnsErr):
		return KindDNS
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, os.ErrDeadlineExceeded):
		return KindTimeout
	case errors.As(err, &netErr) && netErr.Timeout():
		return KindTimeout
	case errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.ENOENT), errors.Is(err, syscall.EHOSTUNREACH), errors.Is(err, syscall.ENETUNREACH):
		return KindRefused
	case errors.As(err, &verifyErr), errors.As(err, &unknownAuthority), errors.As(err, &hostnameErr),
		errors.As(err, &invalidCert), errors.As(err, &recordErr), errors.As(err, &alertErr):
		return KindTLS
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE):
		return KindClosed
	case errors.As(err, &redisErr):
		return classifyReply(redisErr.Error())
	case strings.HasPrefix(err.Error(), "tls: "):
		return KindTLS
	}
	return KindUnknown
}

// classifyReply reads a Redis error reply. Replies are text by protocol; the prefixes are stable.
func classifyReply(reply string) Kind {
	upper := strings.ToUpper(reply)
	switch {
	case strings.HasPrefix(upper, "WRONGPASS"), strings.HasPrefix(upper, "NOAUTH"),
		strings.Contains(upper, "INVALID PASSWORD"), strings.Contains(upper, "AUTH <PASSWORD> CALLED WITHOUT ANY PASSWORD"),
		strings.Contains(upper, "INVALID USERNAME-PASSWORD"):
		return KindAuth
	case strings.HasPrefix(upper, "DENIED"):
		return KindDenied
	case strings.Contains(upper, "MAX NUMBER OF CLIENTS"):
		return KindMaxClients
	case strings.HasPrefix(upper, "LOADING"):
		return KindLoading
	case strings.HasPrefix(upper, "NOPERM"), strings.HasPrefix(upper, "ERR UNKNOWN COMMAND"):
		return KindInfoRefused
	}
	return KindRedis
}

// classifyProxy classifies a failed connection through the secure SOCKS proxy; ok is false for
// errors that did not come from the proxy's dialer. The dialer reports every failure as a
// net.OpError whose Op starts with "socks" (golang.org/x/net/internal/socks).
func classifyProxy(err error) (kind Kind, ok bool) {
	var socksErr *net.OpError
	if !errors.As(err, &socksErr) || !strings.HasPrefix(socksErr.Op, "socks") {
		return "", false
	}
	inner := socksErr.Err
	var dialErr *net.OpError
	switch {
	case errors.As(inner, &dialErr) && dialErr.Op == "dial":
		return KindProxyUnreachable, true // the TCP connection to the proxy itself failed
	case errors.Is(inner, context.DeadlineExceeded), errors.Is(inner, os.ErrDeadlineExceeded):
		return KindTimeout, true // the proxy took too long, often because the node does not answer it
	}
	switch kind := classifyKind(inner); kind {
	case KindTLS, KindClosed, KindDNS, KindRefused, KindTimeout:
		return KindProxyUnreachable, true // the TLS to the proxy failed or the proxy hung up
	}
	// The proxy's reply codes and auth failures are only text (x/net's Reply.String).
	text := inner.Error()
	for _, down := range []string{"host unreachable", "network unreachable", "connection refused", "TTL expired"} {
		if strings.Contains(text, down) {
			return KindProxyNodeUnreachable, true
		}
	}
	for _, refused := range []string{"not allowed by ruleset", "general SOCKS server failure", "authentication", "command not supported", "address type not supported"} {
		if strings.Contains(text, refused) {
			return KindProxyRefused, true
		}
	}
	return KindProxyUnreachable, true // e.g. "unexpected protocol version": not a SOCKS5 proxy
}

// MaxEchoed bounds the text of a server reply or of a query that an error, a card reason, a
// notice or a health message repeats.
const MaxEchoed = 512

// Clip bounds a text from a server or a query to MaxEchoed bytes, cut at a character boundary
// and marked, so that a 10 MB error reply or node name is not copied into every message.
func Clip(text string) string {
	if len(text) <= MaxEchoed {
		return text
	}
	cut := MaxEchoed
	for cut > 0 && !utf8.RuneStart(text[cut]) {
		cut--
	}
	return fmt.Sprintf("%s… (%d more bytes)", text[:cut], len(text)-cut)
}

// Recovered turns a recovered panic into an error, logged with its stack, so that one bad reply
// neither ends the process nor leaves others waiting on a read or answer that never finishes.
func Recovered(cause any) *Error {
	log.DefaultLogger.Error("recovered from a panic", "panic", Clip(fmt.Sprint(cause)), "stack", string(debug.Stack()))
	return &Error{Kind: KindPanic, Detail: Clip(fmt.Sprint(cause))}
}
