package agent

import (
	"crypto/tls"
	"crypto/x509"

	"github.com/podman-swarm/podman-swarm/api"
	"github.com/podman-swarm/podman-swarm/internal/fielderr"
)

// apiTLS loads the API's certificate: the server's TLS configuration (nil without
// TLSCert) and the client configuration that passes requests on to other agents.
func apiTLS(cfg Config) (server, forward *tls.Config, err error) {
	forward = &tls.Config{MinVersion: tls.VersionTLS12}
	if cfg.TLSCA != "" {
		if forward.RootCAs, err = api.LoadCertPool(cfg.TLSCA); err != nil {
			return nil, nil, fielderr.New("TLSCA", "%s: %w", err)
		}
	}
	if cfg.TLSCert == "" {
		return nil, forward, nil
	}
	cert, err := tls.LoadX509KeyPair(cfg.TLSCert, cfg.TLSKey)
	if err != nil {
		return nil, nil, fielderr.NewFields([]string{"TLSCert", "TLSKey"}, "%s/%s: %w", err)
	}
	// A cluster that shares one self-signed certificate trusts it without a CA file.
	if forward.RootCAs == nil {
		if forward.RootCAs, err = x509.SystemCertPool(); err != nil {
			forward.RootCAs = x509.NewCertPool()
		}
	}
	if leaf, err := x509.ParseCertificate(cert.Certificate[0]); err == nil {
		forward.RootCAs.AddCert(leaf)
	}
	return &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}, forward, nil
}
