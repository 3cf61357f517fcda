package agent

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/podman-swarm/podman-swarm/internal/fielderr"
	"github.com/podman-swarm/podman-swarm/internal/testcert"
)

// selfSigned writes a certificate for 127.0.0.1 and its key into dir.
func selfSigned(t *testing.T, dir string) (certFile, keyFile string, pool *x509.CertPool) {
	t.Helper()
	certFile, keyFile = filepath.Join(dir, "api.crt"), filepath.Join(dir, "api.key")
	pool = x509.NewCertPool()
	pool.AddCert(testcert.Write(t, certFile, keyFile, "127.0.0.1"))
	return certFile, keyFile, pool
}

// With a certificate the API speaks HTTPS only, and requests passed on between agents
// (logs, describe) go over HTTPS with the caller's token.
func TestAPIOverTLS(t *testing.T) {
	certFile, keyFile, pool := selfSigned(t, t.TempDir())
	agents := startAgents(t, 2, func(_ int, c *Config) { c.TLSCert, c.TLSKey = certFile, keyFile })
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	get := func(a *Agent, path string) int {
		req, _ := http.NewRequest("GET", "https://"+a.APIAddr()+path, nil)
		req.Header.Set("Authorization", "Bearer "+nodeToken(t, a))
		resp, err := client.Do(req)
		if err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if code := get(agents[0], "/api/v1/nodes"); code != http.StatusOK {
		t.Fatalf("HTTPS: HTTP %d", code)
	}
	resp, err := http.Get("http://" + agents[0].APIAddr() + "/healthz")
	if err == nil {
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK {
			t.Error("plain HTTP answered on a TLS API")
		}
	}

	// Applied through HTTPS, one pod per node; each describe through n0 reaches its node.
	req, _ := http.NewRequest("POST", "https://"+agents[0].APIAddr()+"/api/v1/manifests", strings.NewReader(deploymentYAML("web", 2, "")))
	req.Header.Set("Authorization", "Bearer "+nodeToken(t, agents[0]))
	req.Header.Set("Content-Type", "application/yaml")
	if resp, err := client.Do(req); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("apply over HTTPS: %v %v", resp, err)
	}
	eventually(t, 5*time.Second, "both nodes see both pods placed", func() bool {
		return len(placementTLS(t, agents[0], client)) == 2 && len(placementTLS(t, agents[1], client)) == 2
	})
	for pod, node := range placementTLS(t, agents[0], client) {
		if code := get(agents[0], "/api/v1/pods/default/"+pod); code != http.StatusOK {
			t.Errorf("describe %s (on %s) through n0: HTTP %d", pod, node, code)
		}
	}
}

func placementTLS(t *testing.T, a *Agent, client *http.Client) map[string]string {
	req, _ := http.NewRequest("GET", "https://"+a.APIAddr()+"/api/v1/pods", nil)
	req.Header.Set("Authorization", "Bearer "+nodeToken(t, a))
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var l podList
	if err := decodeJSON(resp, &l); err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, p := range l.Items {
		if p.Spec.NodeName != "" {
			out[p.Metadata.Name] = p.Spec.NodeName
		}
	}
	return out
}

func TestTLSConfigRefused(t *testing.T) {
	dir := t.TempDir()
	certFile, _, _ := selfSigned(t, dir)
	for _, tc := range []struct {
		cert, key, ca, msg string
	}{
		{certFile, "", "", "TLSCert and TLSKey go together"},
		{certFile, filepath.Join(dir, "missing.key"), "", "TLSCert/TLSKey: "},
		{"", "", filepath.Join(dir, "missing.pem"), "TLSCA: "},
		{"", "", keyFileOf(dir), "holds no PEM certificate"},
	} {
		cfg := testConfig(t, "n0")
		cfg.TLSCert, cfg.TLSKey, cfg.TLSCA = tc.cert, tc.key, tc.ca
		_, err := Start(t.Context(), cfg)
		var fe *fielderr.Error
		if err == nil || !strings.Contains(err.Error(), tc.msg) || !errors.As(err, &fe) || !strings.HasPrefix(fe.Fields[0], "TLS") {
			t.Errorf("%+v: %v, want a FieldError of a TLS field with %q", tc, err, tc.msg)
		}
	}
}

func keyFileOf(dir string) string { return filepath.Join(dir, "api.key") }

func decodeJSON(resp *http.Response, out any) error {
	return json.NewDecoder(resp.Body).Decode(out)
}
