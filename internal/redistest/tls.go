package redistest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// CA is a throw-away certificate authority with one server and one client
// certificate. It is generated at run time so no key material lives in the
// repository and nothing expires between CI runs.
type CA struct {
	CAPEM         []byte
	ServerCertPEM []byte
	ServerKeyPEM  []byte
	ClientCertPEM []byte
	ClientKeyPEM  []byte

	// The same PEMs on disk, because redis-server only reads files.
	CAFile         string
	ServerCertFile string
	ServerKeyFile  string
	ClientCertFile string
	ClientKeyFile  string

	pool       *x509.CertPool
	clientPair tls.Certificate
}

// NewCA creates a CA, a server certificate valid for 127.0.0.1, ::1 and
// "localhost", and a client certificate, all ECDSA P-256.
func NewCA(tb testing.TB) *CA {
	tb.Helper()
	ca, err := newCA(tb.TempDir())
	if err != nil {
		tb.Fatalf("redistest: generating test CA: %v", err)
	}
	return ca
}

func newCA(dir string) (*CA, error) {
	// Backdate a little so a slightly skewed clock never makes the
	// certificates "not yet valid".
	notBefore := time.Now().Add(-time.Hour)
	notAfter := time.Now().Add(48 * time.Hour)

	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	caTmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "redistest CA"},
		NotBefore:             notBefore,
		NotAfter:              notAfter,
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		return nil, err
	}
	caCert, err := x509.ParseCertificate(caDER)
	if err != nil {
		return nil, err
	}

	issue := func(serial int64, cn string, usage x509.ExtKeyUsage, server bool) (certPEM, keyPEM []byte, err error) {
		key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			return nil, nil, err
		}
		tmpl := &x509.Certificate{
			SerialNumber: big.NewInt(serial),
			Subject:      pkix.Name{CommonName: cn},
			NotBefore:    notBefore,
			NotAfter:     notAfter,
			KeyUsage:     x509.KeyUsageDigitalSignature,
			ExtKeyUsage:  []x509.ExtKeyUsage{usage},
		}
		if server {
			tmpl.DNSNames = []string{"localhost"}
			tmpl.IPAddresses = []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback}
		}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, caCert, &key.PublicKey, caKey)
		if err != nil {
			return nil, nil, err
		}
		keyDER, err := x509.MarshalPKCS8PrivateKey(key)
		if err != nil {
			return nil, nil, err
		}
		return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
			pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), nil
	}

	ca := &CA{CAPEM: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER})}
	if ca.ServerCertPEM, ca.ServerKeyPEM, err = issue(2, "redistest server", x509.ExtKeyUsageServerAuth, true); err != nil {
		return nil, err
	}
	if ca.ClientCertPEM, ca.ClientKeyPEM, err = issue(3, "redistest client", x509.ExtKeyUsageClientAuth, false); err != nil {
		return nil, err
	}

	files := []struct {
		dst  *string
		name string
		data []byte
	}{
		{&ca.CAFile, "ca.crt", ca.CAPEM},
		{&ca.ServerCertFile, "server.crt", ca.ServerCertPEM},
		{&ca.ServerKeyFile, "server.key", ca.ServerKeyPEM},
		{&ca.ClientCertFile, "client.crt", ca.ClientCertPEM},
		{&ca.ClientKeyFile, "client.key", ca.ClientKeyPEM},
	}
	for _, f := range files {
		*f.dst = filepath.Join(dir, f.name)
		if err := os.WriteFile(*f.dst, f.data, 0o600); err != nil {
			return nil, err
		}
	}

	ca.pool = x509.NewCertPool()
	ca.pool.AddCert(caCert)
	if ca.clientPair, err = tls.X509KeyPair(ca.ClientCertPEM, ca.ClientKeyPEM); err != nil {
		return nil, err
	}
	return ca, nil
}

// CertPool returns a pool holding only this CA.
func (ca *CA) CertPool() *x509.CertPool { return ca.pool.Clone() }

// ClientTLSConfig returns a config trusting only this CA. With
// withClientCert it also presents the client certificate, which servers
// started with Options.TLSRequireClientCert demand.
func (ca *CA) ClientTLSConfig(withClientCert bool) *tls.Config {
	cfg := &tls.Config{RootCAs: ca.CertPool(), MinVersion: tls.VersionTLS12}
	if withClientCert {
		cfg.Certificates = []tls.Certificate{ca.clientPair}
	}
	return cfg
}
