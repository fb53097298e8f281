//go:build realredis

package plugin

import (
	"context"
	"encoding/json"
	"net"
	"strings"
	"testing"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/backend/proxy"
	"github.com/grafana/grafana-plugin-sdk-go/config"

	"github.com/persistwatch/redis-persistence-datasource/internal/redistest"
	"github.com/persistwatch/redis-persistence-datasource/internal/sockstest"
)

// proxiedDatasource creates the data source the way Grafana does when it offers the secure SOCKS
// proxy: Grafana's proxy settings arrive in the context, the switch in jsonData.
func proxiedDatasource(t *testing.T, grafanaCfg map[string]string, settings map[string]any, secure map[string]string) *Datasource {
	t.Helper()
	settings["coalesceWindowMs"] = 0
	raw, err := json.Marshal(settings)
	if err != nil {
		t.Fatal(err)
	}
	ctx := config.WithGrafanaConfig(context.Background(), config.NewGrafanaCfg(grafanaCfg))
	return started(t, ctx, backend.DataSourceInstanceSettings{UID: "proxied", JSONData: raw, DecryptedSecureJSONData: secure})
}

// clients lists the clients connected to s by id, with the host each came from, leaving out
// the connection that asks and replication links.
func clients(t *testing.T, s *redistest.Server) map[string]string {
	t.Helper()
	list, err := s.Client(t).ClientList(context.Background()).Result()
	if err != nil {
		t.Fatalf("CLIENT LIST on %s: %v", s.Addr, err)
	}
	hosts := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(list), "\n") {
		fields := map[string]string{}
		for _, field := range strings.Fields(line) {
			key, value, _ := strings.Cut(field, "=")
			fields[key] = value
		}
		if fields["cmd"] == "client|list" || strings.ContainsAny(fields["flags"], "SM") {
			continue
		}
		host, _, err := net.SplitHostPort(fields["addr"])
		if err != nil {
			t.Fatalf("CLIENT LIST line without addr: %q", line)
		}
		hosts[fields["id"]] = host
	}
	return hosts
}

// newClientHosts returns the hosts of the clients that connected to s since before was taken.
func newClientHosts(t *testing.T, s *redistest.Server, before map[string]string) []string {
	t.Helper()
	var hosts []string
	for id, host := range clients(t, s) {
		if _, old := before[id]; !old {
			hosts = append(hosts, host)
		}
	}
	return hosts
}

// expectNoDirectConnection fails if a client connected to s since before, other than through the
// proxy, and returns the new clients' hosts.
func expectNoDirectConnection(t *testing.T, s *redistest.Server, before map[string]string) []string {
	t.Helper()
	hosts := newClientHosts(t, s, before)
	for _, host := range hosts {
		if host != sockstest.Outbound {
			t.Fatalf("%s: a client connected from %s, not through the proxy (%s); all new clients: %v", s.Addr, host, sockstest.Outbound, hosts)
		}
	}
	return hosts
}

// expectOnlyThroughProxy fails unless the plugin reached s, and only through the proxy.
func expectOnlyThroughProxy(t *testing.T, s *redistest.Server, before map[string]string) {
	t.Helper()
	if len(expectNoDirectConnection(t, s, before)) == 0 {
		t.Fatalf("%s: the plugin opened no connection to the node", s.Addr)
	}
}

func TestRealStaticNodeIsReadOnlyThroughTheProxy(t *testing.T) {
	for _, tt := range []struct {
		name              string
		proxyTLS, nodeTLS bool
	}{
		{"plain proxy (allow_insecure)", false, false},
		{"proxy with TLS and a client certificate", true, false},
		{"TLS node inside the proxy's TLS", true, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ca := redistest.NewCA(t)
			var proxyCA, nodeCA *redistest.CA
			if tt.proxyTLS {
				proxyCA = ca
			}
			jsonData := map[string]any{"enableSecureSocksProxy": true}
			secure := map[string]string{"password": "through-the-proxy"}
			if tt.nodeTLS {
				nodeCA = ca
				jsonData["tlsEnabled"] = true
				secure["tlsCACert"] = string(ca.CAPEM)
			}
			socks := sockstest.Start(t, sockstest.Options{TLS: proxyCA})
			// A password keeps protected mode from refusing the proxy's non-127.0.0.1 address,
			// and shows that AUTH passes through.
			node := redistest.Start(t, redistest.Options{Password: "through-the-proxy", TLS: nodeCA})
			node.RewriteOK(t)
			before := clients(t, node)

			jsonData["nodes"] = []nodeSpec{{Address: node.Addr, Name: "private"}}
			ds := proxiedDatasource(t, socks.GrafanaConfig(), jsonData, secure)
			expectCard(t, ds, "private", "ok", "")

			expectOnlyThroughProxy(t, node, before)
			if tt.proxyTLS && socks.TLSHandshakes() == 0 {
				t.Fatal("the node was read, but not over the proxy's TLS")
			}
		})
	}
}

// The check above can fail: with the switch off, the same Grafana's plugin dials the node itself.
func TestRealProxySwitchOffDialsDirectly(t *testing.T) {
	socks := sockstest.Start(t, sockstest.Options{})
	node := redistest.Start(t, redistest.Options{})
	before := clients(t, node)

	ds := proxiedDatasource(t, socks.GrafanaConfig(), map[string]any{"nodes": []nodeSpec{{Address: node.Addr, Name: "direct"}}}, nil)
	expectCard(t, ds, "direct", "ok", "")

	hosts := newClientHosts(t, node, before)
	if len(hosts) == 0 || hosts[0] != "127.0.0.1" {
		t.Fatalf("new clients came from %v, want the plugin's direct connection from 127.0.0.1", hosts)
	}
}

func TestRealClusterIsDiscoveredAndReadOnlyThroughTheProxy(t *testing.T) {
	ca := redistest.NewCA(t)
	socks := sockstest.Start(t, sockstest.Options{TLS: ca})
	cluster := redistest.StartCluster(t, redistest.ClusterOptions{Primaries: 3, ReplicasPerPrimary: 1, Password: "cluster-secret"})
	before := map[*redistest.Server]map[string]string{}
	for _, n := range cluster.Nodes {
		before[n] = clients(t, n)
	}

	ds := proxiedDatasource(t, socks.GrafanaConfig(), map[string]any{
		"discovery": "cluster", "nodes": []nodeSpec{{Address: cluster.Nodes[0].Addr}}, "enableSecureSocksProxy": true,
	}, map[string]string{"password": "cluster-secret"})
	rows := rowsByInstance(t, ds)
	if len(rows) != len(cluster.Nodes) {
		t.Fatalf("discovered %d nodes through the proxy, want %d: %v", len(rows), len(cluster.Nodes), rows)
	}
	for instance, r := range rows {
		if r.status != "ok" {
			t.Fatalf("%s: status %q through the proxy", instance, r.status)
		}
	}
	for _, n := range cluster.Nodes {
		expectOnlyThroughProxy(t, n, before[n])
	}
}

func TestRealSentinelsAndTheirNodesAreReachedOnlyThroughTheProxy(t *testing.T) {
	socks := sockstest.Start(t, sockstest.Options{})
	group := redistest.StartSentinelGroup(t, redistest.SentinelOptions{MasterName: "private", Replicas: 1, Sentinels: 2,
		Password: "data-secret", SentinelPassword: "sentinel-secret"})
	everyone := append(append([]*redistest.Server{group.Master}, group.Replicas...), group.Sentinels...)
	before := map[*redistest.Server]map[string]string{}
	for _, s := range everyone {
		before[s] = clients(t, s)
	}
	var sentinels []nodeSpec
	for _, address := range group.SentinelAddrs() {
		sentinels = append(sentinels, nodeSpec{Address: address})
	}

	ds := proxiedDatasource(t, socks.GrafanaConfig(), map[string]any{"discovery": "sentinel", "nodes": sentinels, "enableSecureSocksProxy": true},
		map[string]string{"password": "data-secret", "sentinelPassword": "sentinel-secret"})
	rows := rowsByInstance(t, ds)
	if len(rows) != 2 || rows[group.Master.Addr].role != "primary" {
		t.Fatalf("rows = %+v, want the master and its replica, found through the proxy", rows)
	}
	// The first sentinel answers, so the second may never be dialled; if it is, then through the proxy.
	for _, s := range everyone[:3] {
		expectOnlyThroughProxy(t, s, before[s])
	}
	expectNoDirectConnection(t, everyone[3], before[everyone[3]])
}

func TestRealProxyFailuresNameTheProxy(t *testing.T) {
	refused := redistest.ClosedAddr(t)
	socks := sockstest.Start(t, sockstest.Options{Refuse: []string{refused}})
	unreachableProxy := map[string]string{}
	for key, value := range socks.GrafanaConfig() {
		unreachableProxy[key] = value
	}
	closed := redistest.ClosedAddr(t)
	// A TLS proxy whose CA did not sign the client certificate Grafana hands the plugin.
	untrusted := sockstest.Start(t, sockstest.Options{TLS: redistest.NewCA(t)}).GrafanaConfig()
	stranger := redistest.NewCA(t)
	untrusted[proxy.PluginSecureSocksProxyClientCertContents] = string(stranger.ClientCertPEM)
	untrusted[proxy.PluginSecureSocksProxyClientKeyContents] = string(stranger.ClientKeyPEM)
	unreachableProxy[proxy.PluginSecureSocksProxyProxyAddress] = redistest.ClosedAddr(t)

	for _, tt := range []struct {
		name       string
		grafanaCfg map[string]string
		address    string
		want       []string
	}{
		{"node down behind the proxy", socks.GrafanaConfig(), closed, []string{"proxy_node_unreachable", "the secure SOCKS proxy cannot reach the node"}},
		{"proxy rules refuse the node", socks.GrafanaConfig(), refused, []string{"proxy_refused", "the secure SOCKS proxy refused the connection"}},
		{"proxy down", unreachableProxy, refused, []string{"proxy_unreachable", "the secure SOCKS proxy cannot be reached"}},
		{"proxy's TLS rejects the client certificate", untrusted, refused, []string{"proxy_unreachable", "the secure SOCKS proxy cannot be reached"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ds := proxiedDatasource(t, tt.grafanaCfg, map[string]any{"nodes": []nodeSpec{{Address: tt.address}}, "enableSecureSocksProxy": true}, nil)
			message := checkHealth(t, ds)
			for _, want := range tt.want {
				if !strings.Contains(message, want) {
					t.Fatalf("health says %q; want it to contain %q", message, want)
				}
			}
		})
	}
}
