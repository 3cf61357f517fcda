package agent

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/podman-swarm/podman-swarm/agent/store"
	"github.com/podman-swarm/podman-swarm/api"
)

// Every endpoint but the health check answers 401 without a valid token.
func TestEveryEndpointNeedsAToken(t *testing.T) {
	a := startAgents(t, 1, nil)[0]
	good := nodeToken(t, a)
	id := tokenID(t, good)
	forged := "swarmapi-" + id + ".AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" // right id, wrong secret
	routes := a.api.Handler().(*echo.Echo).Routes()
	if len(routes) < 25 {
		t.Fatalf("only %d routes found", len(routes))
	}
	for _, r := range routes {
		path := strings.NewReplacer(":namespace", "default", ":name", "x", ":host", "example.com", ":token", id).Replace(r.Path)
		for _, token := range []string{"", "nonsense", forged, "swarm1-" + good} {
			var e api.APIError
			code := callAs(t, a, token, r.Method, path, "application/json", []byte("{}"), &e)
			switch {
			case r.Path == "/healthz":
				if code != http.StatusOK {
					t.Errorf("%s %s without token: HTTP %d, want 200", r.Method, path, code)
				}
			case code != http.StatusUnauthorized || e.Message == "":
				t.Errorf("%s %s with token %q: HTTP %d %q, want 401 with a message", r.Method, path, token, code, e.Message)
			}
		}
	}
	// Another scheme than Bearer is refused too.
	req, _ := http.NewRequest("GET", "http://"+a.APIAddr()+"/api/v1/pods", nil)
	req.Header.Set("Authorization", "Basic "+good)
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("Basic auth: %v %v", resp.StatusCode, err)
	}
	if code := callAs(t, a, good, "GET", "/api/v1/pods", "", nil, nil); code != http.StatusOK {
		t.Errorf("the node's token: HTTP %d", code)
	}
}

// The node's token is in a file only its owner reads, and the store holds its hash only.
func TestTokenFileAndStoreHoldNoSecret(t *testing.T) {
	a := startAgents(t, 1, nil)[0]
	fi, err := os.Stat(filepath.Join(a.cfg.StateDir, APITokenFile))
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("api-token mode %v, want 0600", fi.Mode().Perm())
	}
	token := nodeToken(t, a)
	var created api.NewToken
	if code := call(t, a, "POST", "/api/v1/tokens", "application/json", []byte(`{"description":"ci"}`), &created); code != http.StatusCreated {
		t.Fatalf("create: HTTP %d", code)
	}
	for _, secret := range []string{token, created.Token} {
		_, s, _ := strings.Cut(secret, ".")
		for _, e := range a.Node().List("") {
			if strings.Contains(string(e.Value), s) {
				t.Errorf("the store key %s holds a token's secret", e.Key)
			}
		}
	}
	var list struct{ Items []map[string]any }
	call(t, a, "GET", "/api/v1/tokens", "", nil, &list)
	if len(list.Items) != 2 {
		t.Fatalf("%d tokens listed, want 2: %v", len(list.Items), list.Items)
	}
	for _, it := range list.Items {
		if _, ok := it["sha256"]; ok {
			t.Errorf("the list shows a hash: %v", it)
		}
		if it["status"] != "active" {
			t.Errorf("status %v, want active", it["status"])
		}
	}
}

// A token made on one node works on every node; revoked on another, it works nowhere.
func TestTokenLifecycleAcrossNodes(t *testing.T) {
	agents := startAgents(t, 2, nil)
	var created api.NewToken
	if code := call(t, agents[0], "POST", "/api/v1/tokens", "application/json", []byte(`{"description":"deploy bot"}`), &created); code != http.StatusCreated {
		t.Fatalf("create: HTTP %d", code)
	}
	if !strings.HasPrefix(created.Token, "swarmapi-") || created.Description != "deploy bot" || created.ReadOnly {
		t.Errorf("created = %+v", created)
	}
	eventually(t, 5*time.Second, "the new token works on n1", func() bool {
		return callAs(t, agents[1], created.Token, "GET", "/api/v1/nodes", "", nil, nil) == http.StatusOK
	})
	var revoked api.TokenInfo
	if code := call(t, agents[1], "DELETE", "/api/v1/tokens/"+created.ID, "", nil, &revoked); code != http.StatusOK || revoked.Status != "revoked" {
		t.Fatalf("revoke: HTTP %d %+v", code, revoked)
	}
	eventually(t, 5*time.Second, "n0 refuses the revoked token", func() bool {
		var e api.APIError
		code := callAs(t, agents[0], created.Token, "GET", "/api/v1/nodes", "", nil, &e)
		return code == http.StatusUnauthorized && strings.Contains(e.Message, "revoked")
	})
	// Revoking by the whole token works as by its id; an unknown id is 404, nonsense 400.
	var second api.NewToken
	call(t, agents[0], "POST", "/api/v1/tokens", "application/json", []byte(`{}`), &second)
	if code := call(t, agents[0], "DELETE", "/api/v1/tokens/"+second.Token, "", nil, nil); code != http.StatusOK {
		t.Errorf("revoke by token: HTTP %d", code)
	}
	if code := call(t, agents[0], "DELETE", "/api/v1/tokens/0123456789abcdef", "", nil, nil); code != http.StatusNotFound {
		t.Errorf("unknown id: HTTP %d, want 404", code)
	}
	if code := call(t, agents[0], "DELETE", "/api/v1/tokens/nope", "", nil, nil); code != http.StatusBadRequest {
		t.Errorf("bad id: HTTP %d, want 400", code)
	}
}

// The last token with full rights cannot be revoked: that would lock everyone out.
func TestLastAdminTokenStays(t *testing.T) {
	a := startAgents(t, 1, nil)[0]
	id := tokenID(t, nodeToken(t, a))
	var e api.APIError
	if code := call(t, a, "DELETE", "/api/v1/tokens/"+id, "", nil, &e); code != http.StatusConflict || !strings.Contains(e.Message, "last active token") {
		t.Errorf("revoking the last admin token: HTTP %d %q, want 409", code, e.Message)
	}
}

func TestReadOnlyAndExpiringTokens(t *testing.T) {
	a := startAgents(t, 1, nil)[0]
	var ro api.NewToken
	if code := call(t, a, "POST", "/api/v1/tokens", "application/json", []byte(`{"readOnly":true}`), &ro); code != http.StatusCreated {
		t.Fatalf("create: HTTP %d", code)
	}
	if code := callAs(t, a, ro.Token, "GET", "/api/v1/pods", "", nil, nil); code != http.StatusOK {
		t.Errorf("read-only GET: HTTP %d", code)
	}
	var e api.APIError
	if code := callAs(t, a, ro.Token, "POST", "/api/v1/manifests", "application/yaml", []byte(deploymentYAML("web", 1, "")), &e); code != http.StatusForbidden || !strings.Contains(e.Message, "read-only") {
		t.Errorf("read-only apply: HTTP %d %q, want 403", code, e.Message)
	}
	if _, ok := a.Node().Get(store.ObjectKey(store.PrefixDeployment, "default", "web")); ok {
		t.Error("a read-only token applied a manifest")
	}

	var short api.NewToken
	call(t, a, "POST", "/api/v1/tokens", "application/json", []byte(`{"ttl":"300ms"}`), &short)
	if short.Expires == nil {
		t.Fatal("no expiry on a token with a ttl")
	}
	if code := callAs(t, a, short.Token, "GET", "/api/v1/pods", "", nil, nil); code != http.StatusOK {
		t.Errorf("fresh token: HTTP %d", code)
	}
	time.Sleep(time.Until(*short.Expires) + 50*time.Millisecond)
	if code := callAs(t, a, short.Token, "GET", "/api/v1/pods", "", nil, &e); code != http.StatusUnauthorized || !strings.Contains(e.Message, "expired") {
		t.Errorf("expired token: HTTP %d %q", code, e.Message)
	}
}

// Malformed token requests: wrong content type, unknown fields, bad values.
func TestTokenRequestsRefused(t *testing.T) {
	a := startAgents(t, 1, nil)[0]
	before := len(a.Node().List(store.PrefixToken))
	for _, tc := range []struct {
		contentType, body string
		code              int
		msg               string
	}{
		{"text/plain", `{}`, http.StatusUnsupportedMediaType, "send application/json"},
		{"application/json", `{"descripton":"typo"}`, http.StatusBadRequest, "unknown field"},
		{"application/json", `not json`, http.StatusBadRequest, "not the JSON expected"},
		{"application/json", `{} {}`, http.StatusBadRequest, "more than one"},
		{"application/json", `{"ttl":"forever"}`, http.StatusUnprocessableEntity, "positive duration"},
		{"application/json", `{"ttl":"-1h"}`, http.StatusUnprocessableEntity, "positive duration"},
		{"application/json", `{"description":"` + strings.Repeat("x", 201) + `"}`, http.StatusUnprocessableEntity, "200 characters"},
	} {
		var e api.APIError
		if code := call(t, a, "POST", "/api/v1/tokens", tc.contentType, []byte(tc.body), &e); code != tc.code || !strings.Contains(e.Message, tc.msg) {
			t.Errorf("%s %q: HTTP %d %q, want %d with %q", tc.contentType, tc.body, code, e.Message, tc.code, tc.msg)
		}
	}
	if after := len(a.Node().List(store.PrefixToken)); after != before {
		t.Errorf("%d token records after refused requests, was %d", after, before)
	}
}

// A restarted agent keeps its token; a joining node gets one of its own.
func TestNodeTokensSurviveRestart(t *testing.T) {
	agents := startAgents(t, 2, nil)
	t0, t1 := nodeToken(t, agents[0]), nodeToken(t, agents[1])
	if t0 == t1 {
		t.Fatal("two nodes share a token")
	}
	var list struct{ Items []api.TokenInfo }
	eventually(t, 5*time.Second, "both node tokens are known on n0", func() bool {
		call(t, agents[0], "GET", "/api/v1/tokens", "", nil, &list)
		return len(list.Items) == 2
	})
	descs := list.Items[0].Description + " | " + list.Items[1].Description
	if !strings.Contains(descs, "admin, created by the founding node n0") || !strings.Contains(descs, "node n1") {
		t.Errorf("descriptions: %s", descs)
	}
	cfg := agents[1].cfg
	if err := agents[1].Shutdown(false); err != nil {
		t.Fatal(err)
	}
	cfg.Bind = freeGossipAddr(t)
	again := startAgent(t, cfg)
	if got := nodeToken(t, again); got != t1 {
		t.Error("the token changed across a restart")
	}
	if code := callAs(t, again, t1, "GET", "/api/v1/pods", "", nil, nil); code != http.StatusOK {
		t.Errorf("the old token after a restart: HTTP %d", code)
	}
}

// With --no-auth every endpoint answers without a token, and the health check says so.
func TestNoAuth(t *testing.T) {
	a := startAgents(t, 1, func(_ int, c *Config) { c.NoAuth = true })[0]
	if _, err := os.Stat(filepath.Join(a.cfg.StateDir, APITokenFile)); !os.IsNotExist(err) {
		t.Errorf("an agent without auth wrote a token file: %v", err)
	}
	if code := callAs(t, a, "", "GET", "/api/v1/pods", "", nil, nil); code != http.StatusOK {
		t.Errorf("GET without token: HTTP %d", code)
	}
	var h map[string]any
	callAs(t, a, "", "GET", "/healthz", "", nil, &h)
	if h["auth"] != "off" {
		t.Errorf("healthz = %v", h)
	}
}

// A manifest in another media type than YAML or JSON is refused with 415, nothing applied.
func TestManifestContentType(t *testing.T) {
	a := startAgents(t, 1, nil)[0]
	doc := []byte(deploymentYAML("web", 1, ""))
	for ct, want := range map[string]int{
		"application/x-www-form-urlencoded": http.StatusUnsupportedMediaType,
		"multipart/form-data; boundary=x":   http.StatusUnsupportedMediaType,
		"image/png":                         http.StatusUnsupportedMediaType,
		"application/yaml; charset=utf-8":   http.StatusOK,
		"":                                  http.StatusOK,
	} {
		var e api.APIError
		code := call(t, a, "POST", "/api/v1/manifests?dryRun=true", ct, doc, &e)
		if code != want {
			t.Errorf("Content-Type %q: HTTP %d %q, want %d", ct, code, e.Message, want)
		}
		if code == http.StatusUnsupportedMediaType && !strings.Contains(e.Message, "application/yaml") {
			t.Errorf("415 does not say what to send: %q", e.Message)
		}
	}
	if _, ok := a.Node().Get(store.ObjectKey(store.PrefixDeployment, "default", "web")); ok {
		t.Error("something was applied")
	}
}

// tokenID is the id part of an API token, swarmapi-<id>.<secret>.
func tokenID(t *testing.T, token string) string {
	t.Helper()
	id, _, ok := strings.Cut(strings.TrimPrefix(token, "swarmapi-"), ".")
	if !ok || len(id) != 16 {
		t.Fatalf("%q is not an API token", token)
	}
	return id
}
