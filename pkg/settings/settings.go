// Package settings turns what Grafana stores for a data source (jsonData and the decrypted
// secureJsonData) into validated runtime settings, once per data source instance.
package settings

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/persistwatch/redis-persistence-datasource/pkg/nodeinfo"
)

// Defaults for the optional settings.
const (
	DefaultConnectTimeout = 2 * time.Second
	DefaultReadTimeout    = 2 * time.Second
	DefaultMaxConcurrency = 16
	// DefaultCoalesceWindow lets the panels of one dashboard refresh, and the alert rules that
	// evaluate beside them, share one INFO per node.
	DefaultCoalesceWindow    = time.Second
	DefaultDiscoveryInterval = 10 * time.Second

	maxTimeout           = 60 * time.Second
	maxMaxConcurrency    = 1024
	maxCoalesceWindow    = 60 * time.Second
	maxDiscoveryInterval = 5 * time.Minute
)

// Discovery says where the nodes to watch come from.
type Discovery string

const (
	// DiscoveryStatic watches the configured nodes.
	DiscoveryStatic Discovery = "static"
	// DiscoveryCluster treats the configured nodes as seeds of a Redis Cluster and watches every
	// primary and replica it reports.
	DiscoveryCluster Discovery = "cluster"
	// DiscoverySentinel treats the configured nodes as sentinels and watches the masters they
	// monitor and those masters' replicas.
	DiscoverySentinel Discovery = "sentinel"
)

// Settings is the validated form the rest of the backend uses. It holds the password: never log
// or print it.
type Settings struct {
	// Nodes are the nodes to watch (static), the cluster's seeds or the sentinels.
	Nodes          []nodeinfo.Node
	Discovery      Discovery
	Username       string
	Password       string
	TLS            TLS
	ConnectTimeout time.Duration
	ReadTimeout    time.Duration
	MaxConcurrency int
	// CoalesceWindow is how long a node's reading is shared by later queries; 0 shares only
	// reads in flight.
	CoalesceWindow time.Duration

	// Discovery only.
	DiscoveryInterval time.Duration
	// AddressMap maps an announced host:port to the host:port to dial (NAT, announce-ip).
	AddressMap       map[string]string
	SentinelMasters  []string // empty: every master the sentinels monitor
	SentinelUsername string
	SentinelPassword string

	// Proxy is nil unless every connection goes through Grafana's secure SOCKS proxy.
	Proxy *Proxy
}

// TLS holds the TLS material, parsed once.
type TLS struct {
	Enabled      bool // for every node; a rediss:// address turns it on for that node only
	ServerName   string
	SkipVerify   bool
	RootCAs      *x509.CertPool // nil: the system pool
	Certificates []tls.Certificate
}

// ConfigFor returns the client TLS config for a node at host.
func (t TLS) ConfigFor(host string) *tls.Config {
	serverName := t.ServerName
	if serverName == "" {
		serverName = host
	}
	return &tls.Config{
		MinVersion:         tls.VersionTLS12,
		ServerName:         serverName,
		InsecureSkipVerify: t.SkipVerify, //nolint:gosec // an explicit, off-by-default setting the UI warns about
		RootCAs:            t.RootCAs,
		Certificates:       t.Certificates,
	}
}

// jsonData is the stored shape: the public contract documented in docs/contract.md.
type jsonData struct {
	Nodes            []jsonNode `json:"nodes"`
	Username         string     `json:"username"`
	TLSEnabled       bool       `json:"tlsEnabled"`
	TLSServerName    string     `json:"tlsServerName"`
	TLSSkipVerify    bool       `json:"tlsSkipVerify"`
	ConnectTimeoutMs *int64     `json:"connectTimeoutMs"`
	ReadTimeoutMs    *int64     `json:"readTimeoutMs"`
	MaxConcurrency   *int64     `json:"maxConcurrency"`

	Discovery           Discovery       `json:"discovery"`
	CoalesceWindowMs    *int64          `json:"coalesceWindowMs"`
	DiscoveryIntervalMs *int64          `json:"discoveryIntervalMs"`
	AddressMap          []jsonAddressTo `json:"addressMap"`
	SentinelMasters     []string        `json:"sentinelMasters"`
	SentinelUsername    string          `json:"sentinelUsername"`

	// Read by the SDK (see secureSocksProxy); typed here so that a wrong type is a FieldError.
	EnableSecureSocksProxy   bool   `json:"enableSecureSocksProxy"`
	SecureSocksProxyUsername string `json:"secureSocksProxyUsername"`
}

type jsonAddressTo struct {
	From string `json:"from"`
	To   string `json:"to"`
}

type jsonNode struct {
	Address string `json:"address"`
	Name    string `json:"name"`
}

// Secure JSON keys.
const (
	securePassword      = "password"
	secureTLSCACert     = "tlsCACert"
	secureTLSClientCert = "tlsClientCert"
	secureTLSClientKey  = "tlsClientKey"
	secureSentinelPass  = "sentinelPassword"
)

// FieldError names the setting at fault and what is wrong with its value. It never quotes a
// secret.
type FieldError struct {
	Field   string
	Problem string
}

func (e *FieldError) Error() string { return fmt.Sprintf("setting %s: %s", e.Field, e.Problem) }

// Load parses and validates a data source's settings. ctx carries Grafana's configuration, which
// says whether and how Grafana offers the secure SOCKS proxy.
func Load(ctx context.Context, instance backend.DataSourceInstanceSettings) (Settings, error) {
	var stored jsonData
	if len(instance.JSONData) > 0 {
		if err := json.Unmarshal(instance.JSONData, &stored); err != nil {
			return Settings{}, &FieldError{Field: "jsonData", Problem: "is not valid JSON for this data source: " + err.Error()}
		}
	}
	result, err := stored.validate(instance.DecryptedSecureJSONData)
	if err != nil {
		return Settings{}, err
	}
	if result.Proxy, err = secureSocksProxy(ctx, instance, result.Nodes); err != nil {
		return Settings{}, err
	}
	return result, nil
}

func (stored jsonData) validate(secure map[string]string) (Settings, error) {
	result := Settings{Username: stored.Username, Password: secure[securePassword]}
	var err error
	if result.Discovery, err = discovery(stored.Discovery); err != nil {
		return Settings{}, err
	}
	if result.Nodes, err = parseNodes(stored.Nodes, result.Discovery); err != nil {
		return Settings{}, err
	}
	if result.CoalesceWindow, err = duration("coalesceWindowMs", stored.CoalesceWindowMs, DefaultCoalesceWindow, 0, maxCoalesceWindow); err != nil {
		return Settings{}, err
	}
	if result.Discovery != DiscoveryStatic {
		if err = stored.validateDiscovery(secure, &result); err != nil {
			return Settings{}, err
		}
	}
	if result.ConnectTimeout, err = timeout("connectTimeoutMs", stored.ConnectTimeoutMs, DefaultConnectTimeout); err != nil {
		return Settings{}, err
	}
	if result.ReadTimeout, err = timeout("readTimeoutMs", stored.ReadTimeoutMs, DefaultReadTimeout); err != nil {
		return Settings{}, err
	}
	if result.MaxConcurrency, err = concurrency(stored.MaxConcurrency); err != nil {
		return Settings{}, err
	}
	if result.TLS, err = parseTLS(stored, secure); err != nil {
		return Settings{}, err
	}
	return result, nil
}

func timeout(field string, ms *int64, fallback time.Duration) (time.Duration, error) {
	return duration(field, ms, fallback, time.Millisecond, maxTimeout)
}

// duration reads an optional number of milliseconds within [least, most].
func duration(field string, ms *int64, fallback, least, most time.Duration) (time.Duration, error) {
	if ms == nil {
		return fallback, nil
	}
	if *ms > int64(most/time.Millisecond) { // before multiplying, which could overflow
		return 0, &FieldError{Field: field, Problem: fmt.Sprintf("%d ms is longer than the %d ms allowed", *ms, most.Milliseconds())}
	}
	value := time.Duration(*ms) * time.Millisecond
	if value < least {
		adjective := "positive"
		if least == 0 {
			adjective = "non-negative"
		}
		return 0, &FieldError{Field: field, Problem: fmt.Sprintf("%d is not a %s number of milliseconds; leave it empty for the default %d", *ms, adjective, fallback.Milliseconds())}
	}
	return value, nil
}

func concurrency(value *int64) (int, error) {
	if value == nil {
		return DefaultMaxConcurrency, nil
	}
	if *value < 1 || *value > maxMaxConcurrency {
		return 0, &FieldError{Field: "maxConcurrency", Problem: fmt.Sprintf("%d is outside 1..%d", *value, maxMaxConcurrency)}
	}
	return int(*value), nil
}

func parseTLS(stored jsonData, secure map[string]string) (TLS, error) {
	result := TLS{Enabled: stored.TLSEnabled, ServerName: stored.TLSServerName, SkipVerify: stored.TLSSkipVerify}
	if caPEM := secure[secureTLSCACert]; caPEM != "" {
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM([]byte(caPEM)) {
			return TLS{}, &FieldError{Field: "secureJsonData." + secureTLSCACert, Problem: "holds no PEM certificate (expected -----BEGIN CERTIFICATE-----)"}
		}
		result.RootCAs = pool
	}
	certPEM, keyPEM := secure[secureTLSClientCert], secure[secureTLSClientKey]
	switch {
	case certPEM == "" && keyPEM == "":
	case certPEM == "":
		return TLS{}, &FieldError{Field: "secureJsonData." + secureTLSClientCert, Problem: "is empty but a client key is set; mutual TLS needs both"}
	case keyPEM == "":
		return TLS{}, &FieldError{Field: "secureJsonData." + secureTLSClientKey, Problem: "is empty but a client certificate is set; mutual TLS needs both"}
	default:
		pair, err := tls.X509KeyPair([]byte(certPEM), []byte(keyPEM))
		if err != nil {
			// The x509 error text describes the PEM structure, never the key material.
			return TLS{}, &FieldError{Field: "secureJsonData." + secureTLSClientCert, Problem: "and the client key are not a valid PEM pair: " + err.Error()}
		}
		result.Certificates = []tls.Certificate{pair}
	}
	return result, nil
}
