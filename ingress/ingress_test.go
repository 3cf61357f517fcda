package ingress

import (
	"crypto/tls"
	"crypto/x509"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	networkingv1 "k8s.io/api/networking/v1"

	"github.com/podman-swarm/podman-swarm/discovery"
	"github.com/podman-swarm/podman-swarm/internal/testcert"
)

// writeCert writes a self-signed certificate for hosts as the Secret-like folder
// <dir>/<ns>/<secret>, and returns it for the client's trust pool.
func writeCert(t testing.TB, dir, ns, secret string, hosts ...string) *x509.Certificate {
	t.Helper()
	folder := filepath.Join(dir, ns, secret)
	return testcert.Write(t, filepath.Join(folder, "tls.crt"), filepath.Join(folder, "tls.key"), hosts...)
}

func TestTLSBySNI(t *testing.T) {
	dir := t.TempDir()
	wild := writeCert(t, dir, "default", "wild-tls", "*.example.test")
	www := writeCert(t, dir, "default", "www-tls", "www.other.test")
	pool := x509.NewCertPool()
	pool.AddCert(wild)
	pool.AddCert(www)
	b := backendServer(t, "127.0.0.2", "", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, r.Host+" "+r.Header.Get("X-Forwarded-Proto"))
	})
	in := ing("default", "web", rule("*.example.test", path("/", prefix, "web", 80)), rule("www.other.test", path("/", prefix, "web", 80)))
	in.Spec.TLS = []networkingv1.IngressTLS{
		{Hosts: []string{"*.example.test"}, SecretName: "wild-tls"},
		{Hosts: []string{"www.other.test"}, SecretName: "www-tls"},
		{Hosts: []string{"missing.test"}, SecretName: "missing-tls"},
	}
	agent := newFakeAgent(t, State{
		Ingresses: []networkingv1.Ingress{in},
		Services:  []discovery.Service{service("web", endpoint("web-a", "n1", b.Listener.Addr().String(), true))},
	})
	s := startIngress(t, Config{Agent: agent.URL, TLSDir: dir, ListenTLS: "127.0.0.1:0"})
	eventually(t, "the HTTPS listener", func() bool { return s.TLSAddr() != nil })

	for _, c := range []struct {
		sni  string
		want *x509.Certificate
	}{{"a.example.test", wild}, {"www.other.test", www}} {
		tr := &http.Transport{TLSClientConfig: &tls.Config{ServerName: c.sni, RootCAs: pool}}
		cl := &http.Client{Transport: tr, Timeout: 5 * time.Second}
		req, _ := http.NewRequest("GET", "https://"+s.TLSAddr().String()+"/", nil)
		req.Host = c.sni
		resp, err := cl.Do(req)
		if err != nil {
			t.Fatalf("HTTPS to %s: %v", c.sni, err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		tr.CloseIdleConnections()
		if got := resp.TLS.PeerCertificates[0]; !got.Equal(c.want) {
			t.Errorf("SNI %s got the certificate of %v", c.sni, got.DNSNames)
		}
		if string(body) != c.sni+" https" {
			t.Errorf("SNI %s: backend saw %q", c.sni, body)
		}
	}
}

func TestNoTLSWithoutCertificate(t *testing.T) {
	b := backendServer(t, "127.0.0.2", "plain", nil)
	in := hostIngress("web", "web.test", "web")
	in.Spec.TLS = []networkingv1.IngressTLS{{Hosts: []string{"web.test"}, SecretName: "absent"}}
	agent := newFakeAgent(t, State{
		Ingresses: []networkingv1.Ingress{in},
		Services:  []discovery.Service{service("web", endpoint("web-a", "n1", b.Listener.Addr().String(), true))},
	})
	s := startIngress(t, Config{Agent: agent.URL, TLSDir: t.TempDir(), ListenTLS: "127.0.0.1:0"})
	waitRouted(t, s, "web.test")
	if _, body := get(t, s, "GET", "web.test", "/", nil); body != "plain" {
		t.Errorf("plain HTTP: %q", body)
	}
	if s.TLSAddr() != nil {
		t.Errorf("HTTPS listener opened without any certificate")
	}
}

func TestLastKnownState(t *testing.T) {
	b := backendServer(t, "127.0.0.2", "kept", nil)
	stateFile := filepath.Join(t.TempDir(), "ingress-state.json")
	agent := newFakeAgent(t, State{
		Ingresses: []networkingv1.Ingress{hostIngress("web", "web.test", "web")},
		Services:  []discovery.Service{service("web", endpoint("web-a", "n1", b.Listener.Addr().String(), true))},
	})
	s := startIngress(t, Config{Agent: agent.URL, StateFile: stateFile})
	waitRouted(t, s, "web.test")
	eventually(t, "the state file", func() bool { _, err := os.Stat(stateFile); return err == nil })

	// The agent goes away: the ingress keeps serving what it knew.
	agent.Close()
	time.Sleep(100 * time.Millisecond) // a few failed polls
	if code, body := get(t, s, "GET", "web.test", "/", nil); code != http.StatusOK || body != "kept" {
		t.Errorf("agent down: %d %q, want the last known route", code, body)
	}

	// A new ingress with no agent at all starts from the state file.
	restarted := startIngress(t, Config{Agent: agent.URL, StateFile: stateFile})
	if code, body := get(t, restarted, "GET", "web.test", "/", nil); code != http.StatusOK || body != "kept" {
		t.Errorf("started from the state file without an agent: %d %q", code, body)
	}
}

func TestBadStateFile(t *testing.T) {
	stateFile := filepath.Join(t.TempDir(), "ingress-state.json")
	if err := os.WriteFile(stateFile, []byte("{not json"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := New(Config{Listen: "127.0.0.1:0", Agent: "http://127.0.0.1:1", StateFile: stateFile})
	if err == nil || !strings.Contains(err.Error(), "read state file "+stateFile) {
		t.Errorf("New accepted a corrupt state file: %v", err)
	}
}
