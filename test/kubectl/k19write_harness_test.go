package kubectl_test

// The writes' own harness: the smallest one the write tests need (agents serving HTTPS,
// a kubeconfig per token, kubectl and raw requests), until the package's shared harness
// is in; its names start with "w" so that the two sit side by side.

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/podman-swarm/podman-swarm/agent"
	"github.com/podman-swarm/podman-swarm/agent/store"
	"github.com/podman-swarm/podman-swarm/api"
	gossip "github.com/podman-swarm/podman-swarm/cluster"
	"github.com/podman-swarm/podman-swarm/internal/testcert"
)

// wKubectlPath is the kubectl the tests drive.
const wKubectlPath = "/usr/bin/kubectl"

// wKubectlTimeout bounds one kubectl command.
const wKubectlTimeout = 60 * time.Second

// wNode is one live agent, serving its API over HTTPS (kubectl sends a token over HTTPS
// only), with kubeconfigs for its full token and for a read-only one.
type wNode struct {
	t        *testing.T
	agent    *agent.Agent
	server   string // https://127.0.0.1:port
	token    string
	readOnly string
	home     string
	client   *http.Client
	// kubeconfig and roKubeconfig are the files for the full and the read-only token.
	kubeconfig, roKubeconfig string
}

// wStart starts n agents named n0..n(n-1) on loopback, the others joining n0, and waits
// until each sees all; it skips the test when kubectl is missing.
func wStart(t *testing.T, n int) []*wNode {
	t.Helper()
	if _, err := exec.LookPath(wKubectlPath); err != nil {
		t.Skip("kubectl not found: ", err)
	}
	dir := t.TempDir()
	certFile, keyFile := filepath.Join(dir, "api.crt"), filepath.Join(dir, "api.key")
	cert := testcert.Write(t, certFile, keyFile, "127.0.0.1")
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	var nodes []*wNode
	for i := range n {
		name := fmt.Sprintf("n%d", i)
		state := filepath.Join(dir, name)
		cfg := agent.Config{NodeName: name, Bind: wGossipAddr(t), APIListen: "127.0.0.1:0", StateDir: state,
			Runtime: agent.RuntimeNone, TLSCert: certFile, TLSKey: keyFile, TLSCA: certFile,
			DeadGrace: time.Second, ProbeInterval: 100 * time.Millisecond, PushPullInterval: 500 * time.Millisecond,
			Logger: slog.New(slog.DiscardHandler)}
		if i > 0 {
			cfg.Join = []string{nodes[0].agent.Node().Addr()}
			cfg.JoinToken = nodes[0].agent.Node().JoinToken()
		}
		ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		a, err := agent.Start(ctx, cfg)
		cancel()
		if err != nil {
			t.Fatalf("start %s: %v", name, err)
		}
		t.Cleanup(func() { _ = a.Shutdown(false) })
		token, err := os.ReadFile(filepath.Join(state, api.TokenFile))
		if err != nil {
			t.Fatal(err)
		}
		w := &wNode{t: t, agent: a, server: "https://" + a.APIAddr(), token: strings.TrimSpace(string(token)), home: filepath.Join(dir, name+"-home"),
			client: &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}}
		w.kubeconfig = w.writeKubeconfig(filepath.Join(dir, name+".kubeconfig"), certFile, w.token)
		nodes = append(nodes, w)
	}
	wEventually(t, 15*time.Second, "every node sees every node", func() bool {
		for _, w := range nodes {
			alive := 0
			for _, m := range w.agent.Node().Members() {
				if m.State == gossip.StateAlive {
					alive++
				}
			}
			if alive != n {
				return false
			}
		}
		return true
	})
	// A read-only token, made on n0, reaches every node with the store.
	var tok api.NewToken
	if code, body := nodes[0].do("POST", "/api/v1/tokens", "application/json", `{"description":"kubectl tests","readOnly":true}`); code != 201 ||
		json.Unmarshal(body, &tok) != nil {
		t.Fatalf("make a read-only token: HTTP %d %s", code, body)
	}
	for _, w := range nodes {
		w.readOnly = tok.Token
		w.roKubeconfig = w.writeKubeconfig(filepath.Join(dir, w.agent.Node().Name()+"-ro.kubeconfig"), certFile, tok.Token)
	}
	return nodes
}

// wGossipAddr is a loopback port free for both TCP and UDP, as gossip needs both.
func wGossipAddr(t *testing.T) string {
	t.Helper()
	for range 50 {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := l.Addr().String()
		u, err := net.ListenPacket("udp", addr)
		l.Close()
		if err != nil {
			continue
		}
		u.Close()
		return addr
	}
	t.Fatal("no free loopback port for gossip")
	return ""
}

// writeKubeconfig writes a kubeconfig for this node's API with token, trusting caFile.
func (w *wNode) writeKubeconfig(path, caFile, token string) string {
	w.t.Helper()
	cfg := fmt.Sprintf(`apiVersion: v1
kind: Config
clusters:
- name: swarm
  cluster:
    server: %s
    certificate-authority: %s
users:
- name: user
  user:
    token: %s
contexts:
- name: swarm
  context: {cluster: swarm, user: user, namespace: default}
current-context: swarm
`, w.server, caFile, token)
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		w.t.Fatal(err)
	}
	return path
}

// kubectl runs kubectl with the full token; stdin, when not "", is its input.
func (w *wNode) kubectl(stdin string, args ...string) (stdout, stderr string, err error) {
	return w.run(w.kubeconfig, stdin, args...)
}

// kubectlRO runs kubectl with the read-only token.
func (w *wNode) kubectlRO(args ...string) (stdout, stderr string, err error) {
	return w.run(w.roKubeconfig, "", args...)
}

func (w *wNode) run(kubeconfig, stdin string, args ...string) (string, string, error) {
	w.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), wKubectlTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, wKubectlPath, append([]string{"--request-timeout=30s"}, args...)...)
	cmd.Env = append(os.Environ(), "KUBECONFIG="+kubeconfig, "HOME="+w.home)
	if stdin != "" {
		cmd.Stdin = strings.NewReader(stdin)
	}
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	return out.String(), errOut.String(), err
}

// must runs kubectl and fails the test unless it succeeds; it returns its output.
func (w *wNode) must(stdin string, args ...string) string {
	w.t.Helper()
	out, errOut, err := w.kubectl(stdin, args...)
	if err != nil {
		w.t.Fatalf("kubectl %s: %v\n%s%s", strings.Join(args, " "), err, out, errOut)
	}
	return out
}

// do sends a request with the full token and returns the status and body.
func (w *wNode) do(method, path, contentType, body string) (int, []byte) {
	return w.doAs(w.token, method, path, contentType, body)
}

func (w *wNode) doAs(token, method, path, contentType, body string) (int, []byte) {
	w.t.Helper()
	req, err := http.NewRequest(method, w.server+path, strings.NewReader(body))
	if err != nil {
		w.t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := w.client.Do(req)
	if err != nil {
		w.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		w.t.Fatalf("%s %s: read the answer: %v", method, path, err)
	}
	return resp.StatusCode, data
}

// stored is the value the store holds under key, without what the node's writes stamp
// on it (the lineage in its resourceVersion); nil when there is none.
func (w *wNode) stored(key string) map[string]any {
	w.t.Helper()
	e, ok := w.agent.Node().Get(key)
	if !ok || e.Deleted {
		return nil
	}
	var obj map[string]any
	if err := json.Unmarshal(e.Value, &obj); err != nil {
		w.t.Fatalf("decode %s: %v", key, err)
	}
	if m, ok := obj["metadata"].(map[string]any); ok {
		delete(m, "resourceVersion")
	}
	return obj
}

// reportReady writes, as the node that runs it, a ready status for each pod the store
// assigns whose name starts with prefix, and counts them: what a node's status writer does
// once a pod's containers are ready (these agents run nothing).
func wReportReady(t *testing.T, nodes []*wNode, prefix string) int {
	t.Helper()
	byName := map[string]*wNode{}
	for _, w := range nodes {
		byName[w.agent.Node().Name()] = w
	}
	st := store.Read(nodes[0].agent.Node(), slog.New(slog.DiscardHandler))
	n := 0
	for key, as := range st.Assignments {
		if !strings.HasPrefix(as.Pod.Name, prefix) {
			continue
		}
		n++
		if s, ok := st.Status[key]; ok && s.Ready && s.Describes(as) {
			continue
		}
		now := time.Now().UTC()
		ps := store.PodStatus{Node: as.Node, Phase: "Running", Ready: true, ReadySince: now, Updated: now, TemplateHash: as.Pod.TemplateHash}
		if _, err := byName[as.Node].agent.Node().Put(store.StatusKey(key), store.MustJSON(ps)); err != nil {
			t.Fatalf("report %s ready: %v", key, err)
		}
	}
	return n
}

// wEventually polls cond until it holds or within passes.
func wEventually(t *testing.T, within time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting until %s", within, what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
