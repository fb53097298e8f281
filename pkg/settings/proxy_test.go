package settings

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/backend/proxy"
	"github.com/grafana/grafana-plugin-sdk-go/config"
)

// loadWithGrafana loads settings as Grafana hands them over: its own configuration in ctx.
func loadWithGrafana(grafanaCfg map[string]string, jsonData string) (Settings, error) {
	ctx := config.WithGrafanaConfig(context.Background(), config.NewGrafanaCfg(grafanaCfg))
	return Load(ctx, backend.DataSourceInstanceSettings{UID: "ds-1", JSONData: []byte(jsonData)})
}

var insecureProxy = map[string]string{
	proxy.PluginSecureSocksProxyEnabled:       "true",
	proxy.PluginSecureSocksProxyProxyAddress:  "pdc.internal:1080",
	proxy.PluginSecureSocksProxyAllowInsecure: "true",
}

func TestProxyIsOnOnlyWhenGrafanaOffersItAndTheSwitchIsOn(t *testing.T) {
	on, err := loadWithGrafana(insecureProxy, `{"nodes":[{"address":"10.0.0.1:6379"}],"enableSecureSocksProxy":true}`)
	if err != nil {
		t.Fatal(err)
	}
	if on.Proxy == nil || on.Proxy.Address != "pdc.internal:1080" || on.Proxy.Dial == nil {
		t.Fatalf("proxy = %+v, want the dialer for pdc.internal:1080", on.Proxy)
	}
	for name, tt := range map[string]struct {
		grafanaCfg map[string]string
		jsonData   string
	}{
		"switch off":                   {insecureProxy, `{"nodes":[{"address":"10.0.0.1:6379"}]}`},
		"Grafana offers no proxy":      {nil, `{"nodes":[{"address":"10.0.0.1:6379"}],"enableSecureSocksProxy":true}`},
		"Grafana turned the proxy off": {map[string]string{proxy.PluginSecureSocksProxyEnabled: "false"}, `{"nodes":[{"address":"10.0.0.1:6379"}],"enableSecureSocksProxy":true}`},
	} {
		got, err := loadWithGrafana(tt.grafanaCfg, tt.jsonData)
		if err != nil || got.Proxy != nil {
			t.Errorf("%s: proxy %+v, error %v; want a direct connection", name, got.Proxy, err)
		}
	}
}

func TestProxySettingsThatCannotWorkNameTheField(t *testing.T) {
	withoutCA := map[string]string{ // TLS to the proxy, but Grafana hands no root CA
		proxy.PluginSecureSocksProxyEnabled:      "true",
		proxy.PluginSecureSocksProxyProxyAddress: "pdc.internal:1080",
	}
	for name, tt := range map[string]struct {
		grafanaCfg map[string]string
		jsonData   string
		field      string
		problem    string
	}{
		"unix socket":        {insecureProxy, `{"nodes":[{"address":"a:1"},{"address":"/run/redis.sock"}],"enableSecureSocksProxy":true}`, "nodes[1].address", "the secure SOCKS proxy cannot reach"},
		"no root CA":         {withoutCA, `{"nodes":[{"address":"a:1"}],"enableSecureSocksProxy":true}`, "enableSecureSocksProxy", "cannot be used with Grafana's proxy settings"},
		"bad allow_insecure": {map[string]string{proxy.PluginSecureSocksProxyEnabled: "true", proxy.PluginSecureSocksProxyAllowInsecure: "maybe"}, `{"nodes":[{"address":"a:1"}],"enableSecureSocksProxy":true}`, "enableSecureSocksProxy", "cannot be read"},
		"user name not text": {insecureProxy, `{"nodes":[{"address":"a:1"}],"enableSecureSocksProxy":true,"secureSocksProxyUsername":7}`, "jsonData", "secureSocksProxyUsername"},
	} {
		_, err := loadWithGrafana(tt.grafanaCfg, tt.jsonData)
		var fieldErr *FieldError
		if !errors.As(err, &fieldErr) || fieldErr.Field != tt.field || !strings.Contains(fieldErr.Problem, tt.problem) {
			t.Errorf("%s: error %v; want a FieldError on %s saying %q", name, err, tt.field, tt.problem)
		}
	}
}
