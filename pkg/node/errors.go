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
	KindClosed      Kind = "closed"       // the server hung up (often TLS on one side only)
	KindDenied      Kind = "denied"       // protected mode or max clients
	KindInfoRefused Kind = "info_refused" // the server answers but will not run INFO
	KindRedis       Kind = "redis_error"  // any other error reply
	KindOversized   Kind = "oversized"    // a reply over the limits of guard.go
	KindProtocol    Kind = "protocol"     // a reply that is not RESP
	KindPanic       Kind = "internal"     // reading the node panicked; the plugin carried on
	KindUnknown     Kind = "error"
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
	case KindClosed:
		return "the server closed the connection; if it only speaks TLS, turn TLS on"
	case KindDenied:
		return "the server refuses this client (protected mode or maxclients); check its bind/ACL settings"
	case KindInfoRefused:
		return "the server refuses INFO (renamed, ACL or managed service); grant +info or use the provider's backup metrics"
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
	if kind == KindTimeout {
		// go-redis/net texts for timeouts quote socket internals; a plain sentence reads better.
		detail = "no answer within the timeout (" + detail + ")"
	}
	return &Error{Kind: kind, Detail: detail}
}

func classifyKind(err error) Kind {
	var dnsErr *net.DNSError
	var unknownAuthority x509.UnknownAuthorityError
	var hostnameErr x509.HostnameError
	var invalidCert x509.CertificateInvalidError
	var verifyErr *tls.CertificateVerificationError
	var recordErr tls.RecordHeaderError
	var alertErr tls.AlertError
	var netErr net.Error
	var redisErr redis.Error

	switch {
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
	case strings.HasPrefix(upper, "DENIED"), strings.Contains(upper, "MAX NUMBER OF CLIENTS"):
		return KindDenied
	case strings.HasPrefix(upper, "NOPERM"), strings.HasPrefix(upper, "ERR UNKNOWN COMMAND"):
		return KindInfoRefused
	}
	return KindRedis
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
