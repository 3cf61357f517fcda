// Package kubectl_test drives the real kubectl against live agents on loopback: the
// Kubernetes-compatible API as kubectl, and the tools built on its API, use it.
package kubectl_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/podman-swarm/podman-swarm/agent"
	"github.com/podman-swarm/podman-swarm/agent/events"
	"github.com/podman-swarm/podman-swarm/agent/store"
	"github.com/podman-swarm/podman-swarm/api"
	gossip "github.com/podman-swarm/podman-swarm/cluster"
	"github.com/podman-swarm/podman-swarm/internal/testcert"
	"github.com/podman-swarm/podman-swarm/internal/testnet"
)

// kubectlPath is the kubectl the tests drive.
const kubectlPath = "/usr/bin/kubectl"

// cluster is agents on loopback whose API speaks HTTPS (kubectl sends a token over HTTPS
// only), the CA that verifies them, the admin's and a read-only token, and a home of the
// test's own for kubectl, where it keeps its cache of discovery.
type cluster struct {
	t     *testing.T
	dir   string
	ca    string // the CA file (the agents' certificate)
	nodes []*node
	// admin is the founding node's own token, with full rights; readOnly a read-only one.
	admin, readOnly string
	// config is the kubeconfig of the admin token on the first node.
	config string
	// http trusts the agents' certificate.
	http *http.Client
}

// node is one live agent of a cluster, with the kubeconfigs of the admin's and of the
// read-only token on its API.
type node struct {
	c      *cluster
	name   string
	agent  *agent.Agent
	server string // https://127.0.0.1:PORT
	// runtime runs the node's pods when the cluster was started withRuntimes; nil otherwise
	// (the pods are placed, none runs).
	runtime *testRuntime
	// kubeconfig and roKubeconfig are the files for the admin's and the read-only token.
	kubeconfig, roKubeconfig string
}

// option changes how startCluster starts the agents.
type option func(*agent.Config, *node)

// withRuntimes gives each agent a testRuntime of its own, which runs its pods' commands,
// ports and logs as local processes, files and sockets.
func withRuntimes() option {
	return func(cfg *agent.Config, n *node) {
		n.runtime = newTestRuntime()
		cfg.PodAttach, cfg.PodRuntime = n.runtime, n.runtime
	}
}

// startCluster starts n agents named n0..n(n-1), the others joining n0, waits until each
// sees them all, and makes a read-only token. It skips the test without kubectl.
func startCluster(t *testing.T, n int, opts ...option) *cluster {
	t.Helper()
	if _, err := exec.LookPath(kubectlPath); err != nil {
		t.Skip("kubectl not found: ", err)
	}
	dir := t.TempDir()
	c := &cluster{t: t, dir: dir, ca: filepath.Join(dir, "api.crt")}
	key := filepath.Join(dir, "api.key")
	pool := x509.NewCertPool()
	pool.AddCert(testcert.Write(t, c.ca, key, "127.0.0.1"))
	// No timeout of its own: a followed log goes on as long as its test reads it.
	c.http = &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	t.Cleanup(c.http.CloseIdleConnections)
	for i := range n {
		nd := &node{c: c, name: fmt.Sprintf("n%d", i)}
		cfg := agent.Config{NodeName: nd.name, Bind: testnet.GossipAddr(t), APIListen: "127.0.0.1:0", StateDir: filepath.Join(dir, nd.name),
			Runtime: agent.RuntimeNone, TLSCert: c.ca, TLSKey: key, TLSCA: c.ca,
			ProbeInterval: 100 * time.Millisecond, PushPullInterval: 500 * time.Millisecond, Logger: testLogger()}
		if i > 0 {
			cfg.Join, cfg.JoinToken = []string{c.nodes[0].agent.Node().Addr()}, c.nodes[0].agent.Node().JoinToken()
		}
		for _, o := range opts {
			o(&cfg, nd)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		a, err := agent.Start(ctx, cfg)
		cancel()
		if err != nil {
			t.Fatalf("start %s: %v", nd.name, err)
		}
		t.Cleanup(func() { _ = a.Shutdown(false) })
		nd.agent, nd.server = a, "https://"+a.APIAddr()
		c.nodes = append(c.nodes, nd)
	}
	token, err := os.ReadFile(filepath.Join(dir, "n0", api.TokenFile))
	if err != nil {
		t.Fatal(err)
	}
	c.admin = strings.TrimSpace(string(token))
	eventually(t, 15*time.Second, "every agent sees every agent", func() bool {
		for _, nd := range c.nodes {
			alive := 0
			for _, m := range nd.agent.Node().Members() {
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
	if code, body := c.nodes[0].do("POST", "/api/v1/tokens", "application/json", `{"readOnly":true,"description":"kubectl tests"}`); code != http.StatusCreated ||
		json.Unmarshal(body, &tok) != nil {
		t.Fatalf("make a read-only token: HTTP %d %s", code, body)
	}
	c.readOnly = tok.Token
	for _, nd := range c.nodes {
		nd.kubeconfig, nd.roKubeconfig = c.kubeconfig(nd, c.admin), c.kubeconfig(nd, c.readOnly)
	}
	c.config = c.nodes[0].kubeconfig
	return c
}

// testLogger discards the agents' logs unless KUBECTL_TEST_LOG is set.
func testLogger() *slog.Logger {
	if os.Getenv("KUBECTL_TEST_LOG") == "" {
		return slog.New(slog.DiscardHandler)
	}
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// do sends a request to the node's API with the admin's token and returns the status and
// body.
func (n *node) do(method, path, contentType, body string) (int, []byte) {
	return n.doAs(n.c.admin, method, path, contentType, body)
}

// doAs sends a request with token ("" for none), and reads its answer within 30 seconds.
func (n *node) doAs(token, method, path, contentType, body string) (int, []byte) {
	t := n.c.t
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, n.server+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := n.c.http.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: read the answer: %v", method, path, err)
	}
	return resp.StatusCode, data
}

// apply applies a manifest through the project's own route of the first node, as swarm
// apply does.
func (c *cluster) apply(manifest string) {
	c.t.Helper()
	if code, body := c.nodes[0].do("POST", "/api/v1/manifests", "application/yaml", manifest); code != http.StatusOK {
		c.t.Fatalf("apply: HTTP %d %s", code, body)
	}
}

// stored is the value the node's store holds under key, without what the node's writes
// stamp on it (the lineage in its resourceVersion); nil when there is none.
func (n *node) stored(key string) map[string]any {
	t := n.c.t
	t.Helper()
	e, ok := n.agent.Node().Get(key)
	if !ok || e.Deleted {
		return nil
	}
	var obj map[string]any
	if err := json.Unmarshal(e.Value, &obj); err != nil {
		t.Fatalf("decode %s: %v", key, err)
	}
	if m, ok := obj["metadata"].(map[string]any); ok {
		delete(m, "resourceVersion")
	}
	return obj
}

// event records an event about an object, as the agents record theirs.
func (c *cluster) event(kind, namespace, name, eventType, reason, message string) {
	events.NewRecorder(c.nodes[0].agent.Node(), "n0", nil, nil).Event(events.Object(kind, namespace, name), eventType, reason, message)
}

// reportReady writes, as the node that runs it, a ready status for each pod the store
// assigns whose name starts with prefix, and counts them: what a node's status writer does
// once a pod's containers are ready (these agents run nothing).
func (c *cluster) reportReady(prefix string) int {
	c.t.Helper()
	byName := map[string]*node{}
	for _, nd := range c.nodes {
		byName[nd.name] = nd
	}
	st := store.Read(c.nodes[0].agent.Node(), slog.New(slog.DiscardHandler))
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
			c.t.Fatalf("report %s ready: %v", key, err)
		}
	}
	return n
}

// eventually polls cond until it holds, or fails the test after within.
func eventually(t *testing.T, within time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting until %s", within, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// The event types, for the tests' events.
const (
	normal  = corev1.EventTypeNormal
	warning = corev1.EventTypeWarning
)
