package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	clientcmdv1 "k8s.io/client-go/tools/clientcmd/api/v1"
	"sigs.k8s.io/yaml"

	"github.com/podman-swarm/podman-swarm/agent"
	"github.com/podman-swarm/podman-swarm/api"
	"github.com/podman-swarm/podman-swarm/internal/testcert"
)

// The kubeconfig names the server as the CLI reaches it, embeds the CA of an HTTPS one, and
// carries the token the CLI would use; over plain HTTP it warns that kubectl would send
// no token.
func TestKubeconfig(t *testing.T) {
	dir := t.TempDir()
	certFile, keyFile := filepath.Join(dir, "api.crt"), filepath.Join(dir, "api.key")
	testcert.Write(t, certFile, keyFile, "127.0.0.1")
	var out, warn bytes.Buffer
	cfg := api.ClientConfig{Server: "https://127.0.0.1:7443", Token: "swarmapi-x.y", CAFile: certFile}
	if err := printKubeconfig(&out, &warn, cfg, "prod", "shop"); err != nil {
		t.Fatal(err)
	}
	var kc clientcmdv1.Config
	if err := yaml.UnmarshalStrict(out.Bytes(), &kc); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	ca, _ := os.ReadFile(certFile)
	if kc.Kind != "Config" || kc.APIVersion != "v1" || kc.CurrentContext != "prod" || len(kc.Clusters) != 1 || len(kc.AuthInfos) != 1 || len(kc.Contexts) != 1 ||
		kc.Clusters[0].Cluster.Server != "https://127.0.0.1:7443" || !bytes.Equal(kc.Clusters[0].Cluster.CertificateAuthorityData, ca) ||
		kc.AuthInfos[0].AuthInfo.Token != "swarmapi-x.y" || kc.Contexts[0].Name != "prod" || kc.Contexts[0].Context.Cluster != "prod" ||
		kc.Contexts[0].Context.AuthInfo != "prod" || kc.Contexts[0].Context.Namespace != "shop" {
		t.Errorf("kubeconfig:\n%s", out.String())
	}
	if warn.Len() != 0 {
		t.Errorf("a warning over HTTPS: %s", warn.String())
	}

	out.Reset()
	if err := printKubeconfig(&out, &warn, api.ClientConfig{Server: "127.0.0.1:7070", Token: "swarmapi-x.y", CAFile: certFile}, "swarm", ""); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "server: http://127.0.0.1:7070") || strings.Contains(out.String(), "certificate-authority-data") ||
		!strings.Contains(warn.String(), "kubectl sends no token") {
		t.Errorf("over HTTP:\n%s\nwarning %q", out.String(), warn.String())
	}
	if err := printKubeconfig(&out, &warn, api.ClientConfig{Server: "https://127.0.0.1:7443", CAFile: keyFile}, "swarm", ""); err == nil ||
		!strings.Contains(err.Error(), "holds no PEM certificate") {
		t.Errorf("a key given as CA: %v", err)
	}
}

// kubectl reads the cluster with the kubeconfig swarm kubeconfig prints for an agent on
// HTTPS.
func TestKubeconfigWithKubectl(t *testing.T) {
	kubectl, err := exec.LookPath("kubectl")
	if err != nil {
		t.Skip("kubectl not found: ", err)
	}
	dir := isolate(t)
	certFile, keyFile := filepath.Join(dir, "api.crt"), filepath.Join(dir, "api.key")
	testcert.Write(t, certFile, keyFile, "127.0.0.1")
	stateDir := filepath.Join(dir, "state", "swarm")
	a, _ := startLiveAgent(t, "n1", stateDir, func(c *agent.Config) { c.TLSCert, c.TLSKey = certFile, keyFile })
	out, err := runCLI(t, "kubeconfig", "--server", "https://"+a.APIAddr(), "--certificate-authority", certFile)
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	kubeconfig := filepath.Join(dir, "kubeconfig")
	if err := os.WriteFile(kubeconfig, []byte(out), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, kubectl, "get", "nodes", "-o", "name")
	cmd.Env = append(os.Environ(), "KUBECONFIG="+kubeconfig, "HOME="+dir)
	got, err := cmd.CombinedOutput()
	if err != nil || string(got) != "node/n1\n" {
		t.Errorf("kubectl get nodes: %v\n%s", err, got)
	}
}
