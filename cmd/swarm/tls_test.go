package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/podman-swarm/podman-swarm/agent"
	"github.com/podman-swarm/podman-swarm/api"
	"github.com/podman-swarm/podman-swarm/internal/testcert"
)

// The CLI talks HTTPS to an agent with a certificate, trusting it through
// --certificate-authority; without it, the certificate is refused.
func TestCLIOverTLS(t *testing.T) {
	isolate(t)
	dir := t.TempDir()
	certFile, keyFile := filepath.Join(dir, "api.crt"), filepath.Join(dir, "api.key")
	testcert.Write(t, certFile, keyFile, "127.0.0.1")
	a, _ := startLiveAgent(t, "n1", filepath.Join(dir, "state"), func(c *agent.Config) { c.TLSCert, c.TLSKey = certFile, keyFile })
	token, err := os.ReadFile(filepath.Join(dir, "state", api.TokenFile))
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("SWARM_TOKEN", strings.TrimSpace(string(token)))
	server := "https://" + a.APIAddr()
	if out, err := runCLI(t, "get", "nodes", "--server", server, "--certificate-authority", certFile); err != nil || !strings.Contains(out, "n1") {
		t.Errorf("over HTTPS with the CA: %v\n%s", err, out)
	}
	if _, err := runCLI(t, "get", "nodes", "--server", server); err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Errorf("over HTTPS without the CA: %v", err)
	}
	if _, err := runCLI(t, "get", "nodes", "--server", "http://"+a.APIAddr()); err == nil {
		t.Error("plain HTTP was answered by a TLS agent")
	}
	if _, err := runCLI(t, "get", "nodes", "--server", server, "--certificate-authority", keyFile); err == nil || !strings.Contains(err.Error(), "holds no PEM certificate") {
		t.Errorf("a key given as CA: %v", err)
	}
}
