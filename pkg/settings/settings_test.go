package settings

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/persistwatch/redis-persistence-datasource/pkg/nodeinfo"
)

func load(jsonData string, secure map[string]string) (Settings, error) {
	return Load(context.Background(), backend.DataSourceInstanceSettings{JSONData: []byte(jsonData), DecryptedSecureJSONData: secure})
}

func TestLoadAppliesDefaultsAndParsesEveryAddressForm(t *testing.T) {
	got, err := load(`{"nodes":[
		{"address":"cache-1:6379","name":"cache one"},
		{"address":"[::1]:6380"},
		{"address":"redis://10.0.0.3"},
		{"address":"rediss://secure.example:6390"},
		{"address":"/run/redis/redis.sock"},
		{"address":"unix:///run/redis/other.sock"}],
		"username":"monitor"}`, map[string]string{"password": "s3cret"})
	if err != nil {
		t.Fatal(err)
	}
	want := []nodeinfo.Node{
		{Name: "cache one", Address: "cache-1:6379", Network: "tcp", Dial: "cache-1:6379"},
		{Name: "[::1]:6380", Address: "[::1]:6380", Network: "tcp", Dial: "[::1]:6380"},
		{Name: "redis://10.0.0.3", Address: "redis://10.0.0.3", Network: "tcp", Dial: "10.0.0.3:6379"},
		{Name: "rediss://secure.example:6390", Address: "rediss://secure.example:6390", Network: "tcp", Dial: "secure.example:6390", TLS: true},
		{Name: "/run/redis/redis.sock", Address: "/run/redis/redis.sock", Network: "unix", Dial: "/run/redis/redis.sock"},
		{Name: "unix:///run/redis/other.sock", Address: "unix:///run/redis/other.sock", Network: "unix", Dial: "/run/redis/other.sock"},
	}
	if len(got.Nodes) != len(want) {
		t.Fatalf("got %d nodes, want %d", len(got.Nodes), len(want))
	}
	for i := range want {
		if got.Nodes[i] != want[i] {
			t.Errorf("node %d = %+v, want %+v", i, got.Nodes[i], want[i])
		}
	}
	if got.ConnectTimeout != DefaultConnectTimeout || got.ReadTimeout != DefaultReadTimeout || got.MaxConcurrency != DefaultMaxConcurrency {
		t.Errorf("defaults not applied: %v %v %d", got.ConnectTimeout, got.ReadTimeout, got.MaxConcurrency)
	}
	if got.Username != "monitor" || got.Password != "s3cret" {
		t.Errorf("credentials not loaded")
	}
	if got.Nodes[1].Host() != "::1" {
		t.Errorf("Host() = %q", got.Nodes[1].Host())
	}
}

func TestLoadReadsTimeoutsAndTLS(t *testing.T) {
	caPEM, certPEM, keyPEM := selfSigned(t)
	got, err := load(`{"nodes":[{"address":"a:1"}],"connectTimeoutMs":250,"readTimeoutMs":1500,"maxConcurrency":4,
		"tlsEnabled":true,"tlsServerName":"redis.internal"}`,
		map[string]string{"tlsCACert": caPEM, "tlsClientCert": certPEM, "tlsClientKey": keyPEM})
	if err != nil {
		t.Fatal(err)
	}
	if got.ConnectTimeout != 250*time.Millisecond || got.ReadTimeout != 1500*time.Millisecond || got.MaxConcurrency != 4 {
		t.Errorf("got %v %v %d", got.ConnectTimeout, got.ReadTimeout, got.MaxConcurrency)
	}
	config := got.TLS.ConfigFor("a")
	if !got.TLS.Enabled || config.ServerName != "redis.internal" || config.RootCAs == nil || len(config.Certificates) != 1 || config.InsecureSkipVerify {
		t.Errorf("TLS config not built as set: %+v", got.TLS)
	}
	if name := (TLS{}).ConfigFor("cache-1").ServerName; name != "cache-1" {
		t.Errorf("server name defaults to the host, got %q", name)
	}
}

func TestLoadRejectsBadSettingsNamingTheField(t *testing.T) {
	caPEM, certPEM, _ := selfSigned(t)
	tests := []struct {
		name, jsonData string
		secure         map[string]string
		field, problem string
	}{
		{"no nodes", `{}`, nil, "nodes", "is empty"},
		{"empty list", `{"nodes":[]}`, nil, "nodes", "is empty"},
		{"broken json", `{"nodes":`, nil, "jsonData", "not valid JSON"},
		{"empty address", `{"nodes":[{"address":" "}]}`, nil, "nodes[0].address", "is empty"},
		{"missing port", `{"nodes":[{"address":"cache-1"}]}`, nil, "nodes[0].address", `"cache-1" is not host:port`},
		{"bad port", `{"nodes":[{"address":"a:1"},{"address":"cache-1:99999"}]}`, nil, "nodes[1].address", "not a number from 1 to 65535"},
		{"no host", `{"nodes":[{"address":":6379"}]}`, nil, "nodes[0].address", "has no host"},
		{"relative socket", `{"nodes":[{"address":"unix://redis.sock"}]}`, nil, "nodes[0].address", "absolute path"},
		{"other scheme", `{"nodes":[{"address":"http://a:1"}]}`, nil, "nodes[0].address", `unsupported scheme "http"`},
		{"credentials in url", `{"nodes":[{"address":"redis://admin:hunter2@a:1"}]}`, nil, "nodes[0].address", "Password field"},
		{"credentials without scheme", `{"nodes":[{"address":"admin:hunter2@a:1"}]}`, nil, "nodes[0].address", "Password field"},
		{"duplicate address", `{"nodes":[{"address":"a:1"},{"address":"a:1"}]}`, nil, "nodes[1].address", "used twice"},
		{"name clashes with address", `{"nodes":[{"address":"a:1"},{"address":"b:1","name":"a:1"}]}`, nil, "nodes[1].address", "used twice"},
		{"negative timeout", `{"nodes":[{"address":"a:1"}],"connectTimeoutMs":-5}`, nil, "connectTimeoutMs", "-5 is not a positive number"},
		{"zero read timeout", `{"nodes":[{"address":"a:1"}],"readTimeoutMs":0}`, nil, "readTimeoutMs", "0 is not a positive number"},
		{"huge timeout", `{"nodes":[{"address":"a:1"}],"readTimeoutMs":600000}`, nil, "readTimeoutMs", "longer than"},
		{"zero concurrency", `{"nodes":[{"address":"a:1"}],"maxConcurrency":0}`, nil, "maxConcurrency", "outside 1..1024"},
		{"ca not pem", `{"nodes":[{"address":"a:1"}]}`, map[string]string{"tlsCACert": "not a cert"}, "secureJsonData.tlsCACert", "no PEM certificate"},
		{"cert without key", `{"nodes":[{"address":"a:1"}]}`, map[string]string{"tlsClientCert": certPEM}, "secureJsonData.tlsClientKey", "needs both"},
		{"key without cert", `{"nodes":[{"address":"a:1"}]}`, map[string]string{"tlsClientKey": "x"}, "secureJsonData.tlsClientCert", "needs both"},
		{"unknown discovery", `{"nodes":[{"address":"a:1"}],"discovery":"consul"}`, nil, "discovery", "not one of static, cluster, sentinel"},
		{"cluster without seeds", `{"discovery":"cluster"}`, nil, "nodes", "at least one seed"},
		{"sentinel without sentinels", `{"discovery":"sentinel","nodes":[]}`, nil, "nodes", "at least one sentinel"},
		{"cluster seed is a socket", `{"discovery":"cluster","nodes":[{"address":"/run/redis.sock"}]}`, nil, "nodes[0].address", "needs host:port"},
		{"window that would overflow a duration", `{"nodes":[{"address":"a:1"}],"coalesceWindowMs":18446744073711000}`, nil, "coalesceWindowMs", "longer than the 60000 ms allowed"},
		{"negative coalescing window", `{"nodes":[{"address":"a:1"}],"coalesceWindowMs":-1}`, nil, "coalesceWindowMs", "-1 is not a non-negative number"},
		{"discovery interval too short", `{"discovery":"cluster","nodes":[{"address":"a:1"}],"discoveryIntervalMs":10}`, nil, "discoveryIntervalMs", "not a positive number"},
		{"address map to a url", `{"discovery":"cluster","nodes":[{"address":"a:1"}],"addressMap":[{"from":"10.0.0.1:6379","to":"redis://b:1"}]}`, nil, "addressMap[0].to", "not host:port"},
		{"address mapped twice", `{"discovery":"cluster","nodes":[{"address":"a:1"}],"addressMap":[{"from":"10.0.0.1:6379","to":"b:1"},{"from":"10.0.0.1:6379","to":"c:1"}]}`, nil, "addressMap[1].from", "mapped twice"},
		{"empty master name", `{"discovery":"sentinel","nodes":[{"address":"s:26379"}],"sentinelMasters":["main"," "]}`, nil, "sentinelMasters[1]", "is empty"},
		{"key not matching", `{"nodes":[{"address":"a:1"}]}`, map[string]string{"tlsClientCert": certPEM, "tlsClientKey": caPEM}, "secureJsonData.tlsClientCert", "not a valid PEM pair"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := load(tt.jsonData, tt.secure)
			var fieldErr *FieldError
			if !errors.As(err, &fieldErr) {
				t.Fatalf("err = %v, want a FieldError", err)
			}
			if fieldErr.Field != tt.field || !strings.Contains(fieldErr.Problem, tt.problem) {
				t.Fatalf("got %q; want field %q and a problem containing %q", err, tt.field, tt.problem)
			}
			if strings.Contains(err.Error(), "hunter2") {
				t.Fatalf("error quotes the password: %q", err)
			}
		})
	}
}

func TestLoadReadsDiscoveryAndCoalescing(t *testing.T) {
	got, err := load(`{"discovery":"sentinel","nodes":[{"address":"s1:26379"},{"address":"s2:26379"}],
		"sentinelMasters":[" main "],"sentinelUsername":"watcher","discoveryIntervalMs":2000,"coalesceWindowMs":0,
		"addressMap":[{"from":"10.0.0.5:6379","to":"redis-a.example:16379"}]}`,
		map[string]string{"password": "data-secret", "sentinelPassword": "sentinel-secret"})
	if err != nil {
		t.Fatal(err)
	}
	if got.Discovery != DiscoverySentinel || len(got.Nodes) != 2 || got.DiscoveryInterval != 2*time.Second || got.CoalesceWindow != 0 {
		t.Errorf("discovery settings not read: %+v", got)
	}
	if len(got.SentinelMasters) != 1 || got.SentinelMasters[0] != "main" || got.SentinelUsername != "watcher" || got.SentinelPassword != "sentinel-secret" || got.Password != "data-secret" {
		t.Errorf("sentinel credentials not kept apart from the data nodes': %+v", got)
	}
	mapped, unmapped := got.Discovered("10.0.0.5:6379"), got.Discovered("10.0.0.6:6379")
	if mapped.Address != "10.0.0.5:6379" || mapped.Dial != "redis-a.example:16379" || unmapped.Dial != "10.0.0.6:6379" {
		t.Errorf("address map not applied: %+v %+v", mapped, unmapped)
	}

	static, err := load(`{"nodes":[{"address":"a:1"}],"sentinelPassword":"x"}`, map[string]string{"sentinelPassword": "unused"})
	if err != nil {
		t.Fatal(err)
	}
	if static.Discovery != DiscoveryStatic || static.CoalesceWindow != DefaultCoalesceWindow || static.SentinelPassword != "" {
		t.Errorf("static defaults wrong: %+v", static)
	}
}

// selfSigned returns a CA certificate, a client certificate and the client key, all PEM.
func selfSigned(t *testing.T) (caPEM, certPEM, keyPEM string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	template := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), IsCA: true, BasicConstraintsValid: true}
	der, err := x509.CreateCertificate(rand.Reader, template, template, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	cert := string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
	return cert, cert, string(pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}))
}
