package apiserver_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/podman-swarm/podman-swarm/agent"
	"github.com/podman-swarm/podman-swarm/api"
	"github.com/podman-swarm/podman-swarm/internal/testnet"
)

// kubeAgent is a real agent on loopback (gossip and API, no pod runtime) and the tokens
// its tests read it with.
type kubeAgent struct {
	t     *testing.T
	a     *agent.Agent
	base  string // http://127.0.0.1:PORT
	admin string // the node's own token, with full rights
}

// startKubeAgent starts an agent for the tests of the compatible API.
func startKubeAgent(t *testing.T) *kubeAgent {
	t.Helper()
	stateDir := t.TempDir()
	cfg := agent.Config{NodeName: "n1", Bind: testnet.GossipAddr(t), APIListen: "127.0.0.1:0", StateDir: stateDir, Runtime: agent.RuntimeNone}
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	a, err := agent.Start(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = a.Shutdown(false) })
	token, err := os.ReadFile(filepath.Join(stateDir, api.TokenFile))
	if err != nil {
		t.Fatal(err)
	}
	return &kubeAgent{t: t, a: a, base: "http://" + a.APIAddr(), admin: strings.TrimSpace(string(token))}
}

// request makes a request with token ("" for none) and accept ("" for none), and returns
// the answer's status and body.
func (k *kubeAgent) request(method, path, token, accept string, body []byte) (int, []byte) {
	k.t.Helper()
	req, err := http.NewRequest(method, k.base+path, bytes.NewReader(body))
	if err != nil {
		k.t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/yaml")
		if bytes.HasPrefix(body, []byte("{")) {
			req.Header.Set("Content-Type", "application/json")
		}
	}
	client := http.Client{Timeout: 10 * time.Second}
	resp, err := client.Do(req)
	if err != nil {
		k.t.Fatal(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		k.t.Fatal(err)
	}
	return resp.StatusCode, data
}

// get GETs path with the admin token and decodes the JSON answer into out, failing the
// test unless it is a 200.
func (k *kubeAgent) get(path, accept string, out any) {
	k.t.Helper()
	code, data := k.request(http.MethodGet, path, k.admin, accept, nil)
	if code != http.StatusOK {
		k.t.Fatalf("GET %s: %d %s", path, code, data)
	}
	if err := json.Unmarshal(data, out); err != nil {
		k.t.Fatalf("GET %s: %v\n%s", path, err, data)
	}
}

// apply applies a manifest through the project's own route.
func (k *kubeAgent) apply(manifest string) {
	k.t.Helper()
	if code, data := k.request(http.MethodPost, "/api/v1/manifests", k.admin, "", []byte(manifest)); code != http.StatusOK {
		k.t.Fatalf("apply: %d %s", code, data)
	}
}

// readOnlyToken makes a read-only token.
func (k *kubeAgent) readOnlyToken() string {
	k.t.Helper()
	req, _ := json.Marshal(api.TokenRequest{ReadOnly: true, Description: "reader"})
	code, data := k.request(http.MethodPost, "/api/v1/tokens", k.admin, "", req)
	var tok api.NewToken
	if code != http.StatusCreated || json.Unmarshal(data, &tok) != nil {
		k.t.Fatalf("create a read-only token: %d %s", code, data)
	}
	return tok.Token
}

// status decodes a Status answer.
type status struct {
	Kind    string `json:"kind"`
	Status  string `json:"status"`
	Message string `json:"message"`
	Reason  string `json:"reason"`
	Code    int    `json:"code"`
}

// wantStatus requests path and checks that the answer is a Status of code and reason
// whose message contains msg.
func (k *kubeAgent) wantStatus(method, path, token string, code int, reason, msg string) {
	k.t.Helper()
	got, data := k.request(method, path, token, "", nil)
	var st status
	if err := json.Unmarshal(data, &st); err != nil || got != code || st.Kind != "Status" || st.Status != "Failure" ||
		st.Code != code || st.Reason != reason || !strings.Contains(st.Message, msg) {
		k.t.Errorf("%s %s: %d %s\nwant a Status %d %s saying %q", method, path, got, data, code, reason, msg)
	}
}

const webManifest = `apiVersion: apps/v1
kind: Deployment
metadata: {name: web, labels: {app: web}}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - {name: web, image: localhost/web:1}
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{port: 80}]
---
apiVersion: v1
kind: Namespace
metadata: {name: shop}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: settings, namespace: shop, labels: {tier: db}}
data: {a: b}
---
apiVersion: v1
kind: Secret
metadata: {name: creds, namespace: shop}
stringData: {password: hunter2}
`

// eventually polls cond for up to 10 seconds.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting until %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
