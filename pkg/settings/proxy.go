package settings

import (
	"context"
	"fmt"
	"net"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/backend/proxy"
	"github.com/persistwatch/redis-persistence-datasource/pkg/nodeinfo"
)

// Proxy is Grafana's secure SOCKS proxy (Private data source connect). It is set only when
// Grafana offers the proxy and the data source's enableSecureSocksProxy switch is on; then every
// connection to a node, cluster member or sentinel goes through it.
type Proxy struct {
	// Address is the proxy's host:port, as Grafana configures it.
	Address string
	// Dial opens a connection to addr through the proxy.
	Dial func(ctx context.Context, network, addr string) (net.Conn, error)
}

const proxyField = "enableSecureSocksProxy"

// secureSocksProxy builds the proxy dialer the way Grafana's own data sources do: the SDK reads
// the data source's switch and proxy credentials, and Grafana's proxy settings from ctx. With the
// switch off, or a Grafana that offers no proxy, nodes are dialled directly.
func secureSocksProxy(ctx context.Context, instance backend.DataSourceInstanceSettings, nodes []nodeinfo.Node) (*Proxy, error) {
	options, err := instance.ProxyOptionsFromContext(ctx)
	if err != nil {
		return nil, &FieldError{Field: proxyField, Problem: "Grafana's secure SOCKS proxy settings cannot be read: " + err.Error()}
	}
	client := proxy.New(options)
	if !client.SecureSocksProxyEnabled() {
		return nil, nil
	}
	for i, n := range nodes {
		if n.Network != "tcp" {
			return nil, &FieldError{Field: fmt.Sprintf("nodes[%d].address", i), Problem: fmt.Sprintf("%q is a unix socket, which the secure SOCKS proxy cannot reach; use host:port or turn the proxy off", n.Address)}
		}
	}
	dialer, err := client.NewSecureSocksProxyContextDialer()
	if err != nil {
		// The SDK's errors describe the TLS material (missing root CA, invalid pair), never the keys.
		return nil, &FieldError{Field: proxyField, Problem: "the secure SOCKS proxy cannot be used with Grafana's proxy settings: " + err.Error()}
	}
	contextDialer, ok := dialer.(interface {
		DialContext(ctx context.Context, network, addr string) (net.Conn, error)
	})
	if !ok {
		return nil, &FieldError{Field: proxyField, Problem: "the SDK's proxy dialer takes no context"}
	}
	return &Proxy{Address: options.ClientCfg.ProxyAddress, Dial: contextDialer.DialContext}, nil
}
