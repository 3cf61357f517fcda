package agent

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/podman-swarm/podman-swarm/api"
)

// logBuffer collects log output from several goroutines.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// logger writes every record, debug ones too, into b.
func (b *logBuffer) logger() *slog.Logger {
	return slog.New(slog.NewTextHandler(b, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// adminRoutes are the routes a read-only token must not reach, written out here apart from
// the server's own table, so that a change there that opens one fails this test.
var adminRoutes = map[string]bool{
	"POST /api/v1/manifests":                    true,
	"DELETE /api/v1/manifests/:namespace/:name": true,
	"DELETE /api/v1/nodes/:name":                true,
	"PATCH /api/v1/nodes/:name":                 true,
	"DELETE /api/v1/namespaces/:name":           true,
	"DELETE /api/v1/removals/:name":             true,
	"GET /api/v1/join-token":                    true,
	"POST /api/v1/join-token/rotate":            true,
	"PUT /api/v1/dns/whitelist":                 true,
	"POST /api/v1/dns/whitelist/hosts":          true,
	"DELETE /api/v1/dns/whitelist/hosts/:host":  true,
	"POST /api/v1/tokens":                       true,
	"GET /api/v1/tokens":                        true,
	"DELETE /api/v1/tokens/:token":              true,
	"GET /api/v1/secrets":                       true,
	"GET /api/v1/secrets/:namespace/:name":      true,
	// The Secrets on the paths of the Kubernetes-compatible API.
	"GET /api/v1/namespaces/:namespace/secrets":       true,
	"GET /api/v1/namespaces/:namespace/secrets/:name": true,
	// A command run in a pod is root in it; a forwarded port reaches what it keeps inside.
	"POST /api/v1/pods/:namespace/:name/exec":        true,
	"POST /api/v1/pods/:namespace/:name/portforward": true,

	"PATCH /api/v1/deployments/:namespace/:name":         true,
	"PATCH /api/v1/statefulsets/:namespace/:name":        true,
	"PATCH /api/v1/daemonsets/:namespace/:name":          true,
	"POST /api/v1/deployments/:namespace/:name/rollback": true,

	// The same on the Kubernetes-compatible API; attach, not served, takes the same right.
	"GET /api/v1/namespaces/:namespace/pods/:name/exec":         true,
	"POST /api/v1/namespaces/:namespace/pods/:name/exec":        true,
	"GET /api/v1/namespaces/:namespace/pods/:name/portforward":  true,
	"POST /api/v1/namespaces/:namespace/pods/:name/portforward": true,
	"GET /api/v1/namespaces/:namespace/pods/:name/attach":       true,
	"POST /api/v1/namespaces/:namespace/pods/:name/attach":      true,
}

// kubeAdminRoute tells a route of the Kubernetes-compatible API that a read-only token
// must not reach: each write there (every method but GET: create, update, patch, delete,
// the writes of a /scale or a /status), and each read of Secrets. Written as a rule of the
// paths, apart from the server's own table, as adminRoutes is.
func kubeAdminRoute(method, path string) bool {
	kube := strings.HasPrefix(path, "/apis/") || strings.HasPrefix(path, "/api/v1/namespaces") || strings.HasPrefix(path, "/api/v1/nodes/")
	return kube && (method != http.MethodGet || strings.Contains(path, "/secrets"))
}

// The take-over of the cluster with a read-only token fails at its first step: the token
// reads no join token (with which a new agent would join and mint itself a token with full
// rights), rotates none, manages no tokens, reads no Secret and removes no node. It still
// reads the workloads and the nodes. Every route is tried.
func TestReadOnlyTokenCannotTakeOver(t *testing.T) {
	agents := startAgents(t, 2, nil)
	a := agents[0]
	var ro api.NewToken
	if code := call(t, a, "POST", "/api/v1/tokens", "application/json", []byte(`{"readOnly":true,"description":"dashboards"}`), &ro); code != http.StatusCreated {
		t.Fatalf("create a read-only token: HTTP %d", code)
	}
	joinToken := a.Node().JoinToken()
	var jt api.JoinToken
	var e api.APIError
	if code := callAs(t, a, ro.Token, "GET", "/api/v1/join-token", "", nil, &jt); code != http.StatusForbidden || jt.Token != "" {
		t.Fatalf("read the join token with a read-only token: HTTP %d, token %q", code, jt.Token)
	}
	callAs(t, a, ro.Token, "GET", "/api/v1/join-token", "", nil, &e)
	if want := "the API token " + ro.ID + " is read-only: reading the join token needs a token with full rights"; e.Message != want {
		t.Errorf("message %q, want %q", e.Message, want)
	}
	// Without the token, the would-be member gets nowhere.
	cfg := testConfig(t, "intruder")
	cfg.Join, cfg.JoinToken = []string{a.Node().Addr()}, jt.Token
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if intruder, err := Start(ctx, cfg); err == nil {
		intruder.Shutdown(false)
		t.Fatal("an agent joined with what the read-only token got")
	}

	// Every agent's own token record (n0's admin token, n1's), and the read-only one, must
	// have reached n0 before the count: the routes tried include slow ones (a node's usage
	// is measured over a second), long enough for n1's record to arrive in between.
	eventually(t, 10*time.Second, "every token record reached n0", func() bool { return len(a.Node().List("token/")) == len(agents)+1 })
	tokensBefore := len(a.Node().List("token/"))
	routes := a.api.Handler().(*echo.Echo).Routes()
	tried := 0
	for _, r := range routes {
		if r.Method == echo.RouteNotFound || r.Path == "/healthz" {
			continue
		}
		tried++
		path := strings.NewReplacer(":namespace", "default", ":name", "n1", ":host", "example.com", ":token", ro.ID).Replace(r.Path)
		e = api.APIError{}
		code := callAs(t, a, ro.Token, r.Method, path, "application/json", []byte(`{"host":"example.org"}`), nil)
		switch admin := adminRoutes[r.Method+" "+r.Path] || kubeAdminRoute(r.Method, r.Path); {
		case admin && code != http.StatusForbidden:
			t.Errorf("%s %s with a read-only token: HTTP %d, want 403", r.Method, path, code)
		case admin:
			callAs(t, a, ro.Token, r.Method, path, "application/json", []byte(`{}`), &e)
			if !strings.Contains(e.Message, "is read-only: ") || !strings.Contains(e.Message, "needs a token with full rights") {
				t.Errorf("%s %s: message %q", r.Method, path, e.Message)
			}
		case code == http.StatusUnauthorized || code == http.StatusForbidden:
			t.Errorf("%s %s with a read-only token: HTTP %d, want it read", r.Method, path, code)
		}
	}
	if tried < 29 {
		t.Fatalf("only %d routes tried", tried)
	}
	// Nothing changed: the join token, the tokens, the members.
	if a.Node().JoinToken() != joinToken {
		t.Error("the join token changed")
	}
	if n := len(a.Node().List("token/")); n != tokensBefore {
		t.Errorf("%d token records, %d before", n, tokensBefore)
	}
	if alive(a) != 2 || len(a.Node().Removals()) != 0 {
		t.Errorf("members: %d alive, removals %v", alive(a), a.Node().Removals())
	}
	if code := callAs(t, a, ro.Token, "GET", "/api/v1/pods", "", nil, nil); code != http.StatusOK {
		t.Errorf("read-only list of pods: HTTP %d", code)
	}
	// A token with full rights reads the join token.
	if code := call(t, a, "GET", "/api/v1/join-token", "", nil, &jt); code != http.StatusOK || jt.Token != joinToken {
		t.Errorf("the node's token: HTTP %d, token %q", code, jt.Token)
	}
}

// The founding node's log says where the join token is and how to print the join command,
// and no log line of either node holds the join token or an API token, also after a
// rotation and a token creation.
func TestLogsHoldNoToken(t *testing.T) {
	var logs logBuffer
	agents := startAgents(t, 2, func(i int, c *Config) { c.Logger = logs.logger().With("test-node", c.NodeName) })
	a := agents[0]
	first := a.Node().JoinToken()
	var created api.NewToken
	if code := call(t, a, "POST", "/api/v1/tokens", "application/json", []byte(`{"description":"ci"}`), &created); code != http.StatusCreated {
		t.Fatalf("create: HTTP %d", code)
	}
	var rotated api.JoinToken
	if code := call(t, a, "POST", "/api/v1/join-token/rotate", "", nil, &rotated); code != http.StatusOK || rotated.Token == first {
		t.Fatalf("rotate: HTTP %d", code)
	}
	eventually(t, 10*time.Second, "n1 holds the new join token", func() bool { return agents[1].Node().JoinToken() == rotated.Token })

	out := logs.String()
	file := filepath.Join(a.cfg.StateDir, JoinTokenFile)
	if !strings.Contains(out, "run `swarm join-token` on this node") || !strings.Contains(out, "join_token_file="+file) {
		t.Errorf("the founding log does not say where the join token is and how to print the command:\n%s", out)
	}
	secrets := map[string]string{"the first join token": first, "the rotated join token": rotated.Token}
	for i, ag := range agents {
		_, s, _ := strings.Cut(nodeToken(t, ag), ".")
		secrets["the API token of n"+string(rune('0'+i))] = s
	}
	_, s, _ := strings.Cut(created.Token, ".")
	secrets["a created API token"] = s
	for what, secret := range secrets {
		if secret == "" {
			t.Fatalf("%s is empty", what)
		}
		if strings.Contains(out, secret) {
			t.Errorf("the log holds %s", what)
		}
	}
}
