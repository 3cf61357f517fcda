package agent

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/podman-swarm/podman-swarm/api"
	"github.com/podman-swarm/podman-swarm/internal/testnet"
)

// testLogger discards logs unless AGENT_TEST_LOG is set.
func testLogger() *slog.Logger {
	if os.Getenv("AGENT_TEST_LOG") == "" {
		return slog.New(slog.DiscardHandler)
	}
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// unbound are the addresses freeGossipAddr gave that no agent has bound yet: another
// process (the tests of other packages run at the same time) may take such a port between
// the look and the bind, and an agent's first start on one then tries another.
var unbound sync.Map // address -> true

// freeGossipAddr is a free gossip address (testnet.GossipAddr), noted as not bound yet.
func freeGossipAddr(t *testing.T) string {
	addr := testnet.GossipAddr(t)
	unbound.Store(addr, true)
	return addr
}

// testConfig is a node on loopback with timings short enough for tests.
func testConfig(t *testing.T, name string) Config {
	return Config{
		NodeName:         name,
		Bind:             freeGossipAddr(t),
		APIListen:        "127.0.0.1:0",
		StateDir:         t.TempDir(),
		Runtime:          RuntimeNone,
		DeadGrace:        time.Second,
		ProbeInterval:    100 * time.Millisecond,
		PushPullInterval: 500 * time.Millisecond,
		Logger:           agentLogger(t).With("test-node", name),
	}
}

func startAgent(t *testing.T, cfg Config) *Agent {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	a, err := Start(ctx, cfg)
	for tries := 0; err != nil && tries < 3 && strings.Contains(err.Error(), "address already in use"); tries++ {
		if _, fresh := unbound.LoadAndDelete(cfg.Bind); !fresh {
			break // an address the test chose to bind again: another cannot stand for it
		}
		t.Logf("start %s: %v; on another port", cfg.NodeName, err)
		cfg.Bind = freeGossipAddr(t)
		a, err = Start(ctx, cfg)
	}
	unbound.Delete(cfg.Bind)
	if err != nil {
		t.Fatalf("start %s: %v", cfg.NodeName, err)
	}
	t.Cleanup(func() { _ = a.Shutdown(false) })
	return a
}

// startAgents starts n agents named n0..n(n-1) that join n0, and waits until all see all.
func startAgents(t *testing.T, n int, configure func(i int, c *Config)) []*Agent {
	t.Helper()
	var agents []*Agent
	for i := range n {
		cfg := testConfig(t, fmt.Sprintf("n%d", i))
		if i > 0 {
			cfg.Join = []string{agents[0].Node().Addr()}
			cfg.JoinToken = agents[0].Node().JoinToken()
		}
		if configure != nil {
			configure(i, &cfg)
		}
		agents = append(agents, startAgent(t, cfg))
	}
	eventually(t, 10*time.Second, "every node sees every node", func() bool {
		for _, a := range agents {
			if alive(a) != n {
				return false
			}
		}
		return true
	})
	return agents
}

func alive(a *Agent) int {
	n := 0
	for _, m := range a.Node().Members() {
		if m.State.String() == "alive" {
			n++
		}
	}
	return n
}

// eventually polls cond until it holds or the deadline passes.
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

// call makes an HTTP request to an agent's API with the node's own token and decodes the
// JSON answer into out.
func call(t *testing.T, a *Agent, method, path, contentType string, body []byte, out any) int {
	t.Helper()
	return callAs(t, a, nodeToken(t, a), method, path, contentType, body, out)
}

// nodeToken is the token the agent wrote into its state folder ("" with NoAuth).
func nodeToken(t *testing.T, a *Agent) string {
	t.Helper()
	if a.cfg.NoAuth {
		return ""
	}
	data, err := os.ReadFile(filepath.Join(a.cfg.StateDir, APITokenFile))
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(data))
}

// callAs is call with a given token; "" sends no Authorization header.
func callAs(t *testing.T, a *Agent, token, method, path, contentType string, body []byte, out any) int {
	t.Helper()
	req, err := http.NewRequest(method, "http://"+a.APIAddr()+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			t.Fatalf("%s %s: decode %q: %v", method, path, data, err)
		}
	}
	return resp.StatusCode
}

func apply(t *testing.T, a *Agent, yaml string) api.ApplyResult {
	t.Helper()
	var res api.ApplyResult
	if code := call(t, a, "POST", "/api/v1/manifests", "application/yaml", []byte(yaml), &res); code != http.StatusOK {
		t.Fatalf("apply: HTTP %d", code)
	}
	return res
}

// podList is the part of a pod list the tests read.
type podList struct {
	Items []struct {
		Metadata struct{ Name, Namespace string }
		Spec     struct{ NodeName string }
		Status   struct {
			Phase      string
			Conditions []struct{ Type, Status, Reason, Message string }
		}
	}
}

func pods(t *testing.T, a *Agent) podList {
	t.Helper()
	var l podList
	if code := call(t, a, "GET", "/api/v1/pods", "", nil, &l); code != http.StatusOK {
		t.Fatalf("get pods: HTTP %d", code)
	}
	return l
}

// placement maps pod name -> node name for the assigned pods an agent lists.
func placement(t *testing.T, a *Agent) map[string]string {
	out := map[string]string{}
	for _, p := range pods(t, a).Items {
		if p.Spec.NodeName != "" {
			out[p.Metadata.Name] = p.Spec.NodeName
		}
	}
	return out
}

func deploymentYAML(name string, replicas int, extra string) string {
	return fmt.Sprintf(`apiVersion: apps/v1
kind: Deployment
metadata: {name: %s}
spec:
  replicas: %d
  selector: {matchLabels: {app: %s}}
  template:
    metadata: {labels: {app: %s}}
    spec:
%s      containers:
        - name: main
          image: localhost/test:1
`, name, replicas, name, name, extra)
}

func countOn(p map[string]string, node string) int {
	n := 0
	for _, v := range p {
		if v == node {
			n++
		}
	}
	return n
}
