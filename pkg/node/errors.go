package node

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"os"
	"strings"
	"syscall"

	"github.com/persistwatch/redis-persistence-datasource/pkg/nodeinfo"
	"github.com/redis/go-redis/v9"
)

// Classify turns an error from go-redis into an Error. errors.Is/As come first; matching the text
// is the last resort, for server error replies, which are only text.
func Classify(err error) *nodeinfo.Failure {
	if err == nil {
		return nil
	}
	var classified *nodeinfo.Failure
	if errors.As(err, &classified) {
		return classified
	}
	detail := nodeinfo.Clip(err.Error())
	kind := classifyKind(err)
	var away *turnedAway
	if errors.As(err, &away) {
		detail = away.Error() // go-redis wraps it in "write tcp a->b: ...", which hides the reply
	}
	if kind == nodeinfo.KindTimeout {
		// go-redis/net texts for timeouts quote socket internals; a plain sentence reads better.
		detail = "no answer within the timeout (" + detail + ")"
	}
	return &nodeinfo.Failure{Kind: kind, Detail: detail}
}

func classifyKind(err error) nodeinfo.Kind {
	if outOfFiles(err) { // first: the proxy's dial and the name lookup fail this way too
		return nodeinfo.KindOutOfFiles
	}
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
		return nodeinfo.KindNotTLS
	case errors.As(err, &tlsOnly):
		return nodeinfo.KindTLSOnly
	case errors.As(err, &opErr) && opErr.Op == "remote error":
		// A TLS alert from the server; the alert type is not exported, its text is stable.
		if strings.Contains(opErr.Err.Error(), "certificate") {
			return nodeinfo.KindClientCert
		}
		return nodeinfo.KindTLS
	case errors.As(err, &dnsErr):
		return nodeinfo.KindDNS
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, os.ErrDeadlineExceeded):
		return nodeinfo.KindTimeout
	case errors.As(err, &netErr) && netErr.Timeout():
		return nodeinfo.KindTimeout
	case errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.ENOENT), errors.Is(err, syscall.EHOSTUNREACH), errors.Is(err, syscall.ENETUNREACH):
		return nodeinfo.KindRefused
	case errors.As(err, &verifyErr), errors.As(err, &unknownAuthority), errors.As(err, &hostnameErr),
		errors.As(err, &invalidCert), errors.As(err, &recordErr), errors.As(err, &alertErr):
		return nodeinfo.KindTLS
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE):
		return nodeinfo.KindClosed
	case errors.As(err, &redisErr):
		return classifyReply(redisErr.Error())
	case strings.HasPrefix(err.Error(), "tls: "):
		return nodeinfo.KindTLS
	}
	return nodeinfo.KindUnknown
}

// outOfFiles says whether the process (EMFILE) or the host (ENFILE) had no file descriptor left.
// A failed name lookup carries only the text of its cause.
func outOfFiles(err error) bool {
	var dnsErr *net.DNSError
	return errors.Is(err, syscall.EMFILE) || errors.Is(err, syscall.ENFILE) ||
		errors.As(err, &dnsErr) && strings.Contains(dnsErr.Err, "too many open files")
}

// classifyReply reads a Redis error reply. Replies are text by protocol; the prefixes are stable.
func classifyReply(reply string) nodeinfo.Kind {
	upper := strings.ToUpper(reply)
	switch {
	case strings.HasPrefix(upper, "WRONGPASS"), strings.HasPrefix(upper, "NOAUTH"),
		strings.Contains(upper, "INVALID PASSWORD"), strings.Contains(upper, "AUTH <PASSWORD> CALLED WITHOUT ANY PASSWORD"),
		strings.Contains(upper, "INVALID USERNAME-PASSWORD"):
		return nodeinfo.KindAuth
	case strings.HasPrefix(upper, "DENIED"):
		return nodeinfo.KindDenied
	case strings.Contains(upper, "MAX NUMBER OF CLIENTS"):
		return nodeinfo.KindMaxClients
	case strings.HasPrefix(upper, "LOADING"):
		return nodeinfo.KindLoading
	case strings.HasPrefix(upper, "NOPERM"), strings.HasPrefix(upper, "ERR UNKNOWN COMMAND"):
		return nodeinfo.KindInfoRefused
	}
	return nodeinfo.KindRedis
}

// classifyProxy classifies a failed connection through the secure SOCKS proxy; ok is false for
// errors that did not come from the proxy's dialer. The dialer reports every failure as a
// net.OpError whose Op starts with "socks" (golang.org/x/net/internal/socks).
func classifyProxy(err error) (kind nodeinfo.Kind, ok bool) {
	var socksErr *net.OpError
	if !errors.As(err, &socksErr) || !strings.HasPrefix(socksErr.Op, "socks") {
		return "", false
	}
	inner := socksErr.Err
	var dialErr *net.OpError
	switch {
	case errors.As(inner, &dialErr) && dialErr.Op == "dial":
		return nodeinfo.KindProxyUnreachable, true // the TCP connection to the proxy itself failed
	case errors.Is(inner, context.DeadlineExceeded), errors.Is(inner, os.ErrDeadlineExceeded):
		return nodeinfo.KindTimeout, true // the proxy took too long, often because the node does not answer it
	}
	switch kind := classifyKind(inner); kind {
	case nodeinfo.KindTLS, nodeinfo.KindClosed, nodeinfo.KindDNS, nodeinfo.KindRefused, nodeinfo.KindTimeout:
		return nodeinfo.KindProxyUnreachable, true // the TLS to the proxy failed or the proxy hung up
	}
	// The proxy's reply codes and auth failures are only text (x/net's Reply.String).
	text := inner.Error()
	for _, down := range []string{"host unreachable", "network unreachable", "connection refused", "TTL expired"} {
		if strings.Contains(text, down) {
			return nodeinfo.KindProxyNodeUnreachable, true
		}
	}
	for _, refused := range []string{"not allowed by ruleset", "general SOCKS server failure", "authentication", "command not supported", "address type not supported"} {
		if strings.Contains(text, refused) {
			return nodeinfo.KindProxyRefused, true
		}
	}
	return nodeinfo.KindProxyUnreachable, true // e.g. "unexpected protocol version": not a SOCKS5 proxy
}
