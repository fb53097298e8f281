package node

import (
	"context"
	"crypto/tls"
	"net"
	"time"

	"github.com/persistwatch/redis-persistence-datasource/pkg/settings"
)

// dialFunc opens a connection; go-redis calls it for every connection of a client.
type dialFunc = func(ctx context.Context, network, addr string) (net.Conn, error)

// keepAlive is go-redis's own default: probe after 30 s idle, below typical LB and NAT idle
// timeouts, and give up after 3 unanswered probes.
var keepAlive = net.KeepAliveConfig{Enable: true, Idle: 30 * time.Second, Interval: 5 * time.Second, Count: 3}

// rawDialer is where every client (data node, cluster member, sentinel) gets its connection
// before TLS: through Grafana's secure SOCKS proxy when it is on, else directly. It is the one
// place that decides, so that no client can bypass the proxy.
func rawDialer(s settings.Settings) dialFunc {
	if s.Proxy != nil {
		return s.Proxy.Dial
	}
	direct := &net.Dialer{KeepAliveConfig: keepAlive}
	return direct.DialContext
}

// dialer opens a client's connection within the connect timeout, which covers the proxy's
// handshake and TLS too, and speaks TLS over it when tlsConfig is set.
func dialer(s settings.Settings, tlsConfig *tls.Config) dialFunc {
	raw := rawDialer(s)
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		ctx, cancel := context.WithTimeout(ctx, s.ConnectTimeout)
		defer cancel()
		conn, err := raw(ctx, network, addr)
		if err != nil || tlsConfig == nil {
			return conn, err
		}
		secured := tls.Client(conn, tlsConfig)
		if err := secured.HandshakeContext(ctx); err != nil {
			_ = conn.Close()
			return nil, err
		}
		return secured, nil
	}
}
