package nodeinfo

import (
	"fmt"
	"runtime/debug"
	"unicode/utf8"

	"github.com/grafana/grafana-plugin-sdk-go/backend/log"
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
	KindOutOfFiles  Kind = "out_of_files" // the plugin process has no file descriptor left for a connection
	KindUnknown     Kind = "error"

	// Through Grafana's secure SOCKS proxy.
	KindProxyUnreachable     Kind = "proxy_unreachable"      // no connection to the proxy (down, wrong address, TLS)
	KindProxyRefused         Kind = "proxy_refused"          // the proxy refuses the data source (credentials, rules)
	KindProxyNodeUnreachable Kind = "proxy_node_unreachable" // the proxy cannot reach the node
)

// Failure is a classified failure to read a node. Its text is safe to show: go-redis errors never
// carry the password, and the node's settings are not part of it.
type Failure struct {
	Kind   Kind
	Detail string
}

func (e *Failure) Error() string { return string(e.Kind) + ": " + e.Detail }

// Hint is the first thing to check, for health messages and card reasons.
func (e *Failure) Hint() string {
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
	case KindOutOfFiles:
		return "the plugin process is out of file descriptors (one connection per node of all this plugin's data sources): raise grafana-server's open-files limit to that many nodes plus 100 (systemd LimitNOFILE, Docker --ulimit nofile) and restart Grafana; \"too many open files in system\" means the host's fs.file-max"
	}
	return "see the Redis server log"
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
func Recovered(cause any) *Failure {
	log.DefaultLogger.Error("recovered from a panic", "panic", Clip(fmt.Sprint(cause)), "stack", string(debug.Stack()))
	return &Failure{Kind: KindPanic, Detail: Clip(fmt.Sprint(cause))}
}

// Problem is a discovery source (seed or sentinel) that could not be used, and why.
type Problem struct {
	Source string
	Err    *Failure
}

func (p Problem) String() string { return p.Source + ": " + p.Err.Error() + "; " + p.Err.Hint() }
