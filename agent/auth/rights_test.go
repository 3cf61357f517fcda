package auth

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/podman-swarm/podman-swarm/agent/store"
	"github.com/podman-swarm/podman-swarm/cluster"
)

// memStore is a store in memory, for the checks that need no cluster.
type memStore map[string][]byte

func (m memStore) Get(key string) (cluster.Entry, bool) {
	v, ok := m[key]
	return cluster.Entry{Key: key, Value: v}, ok
}

func (m memStore) Put(key string, value []byte) (cluster.Version, error) {
	m[key] = value
	return cluster.Version{}, nil
}

func (m memStore) Write(_ context.Context, changes []cluster.Change, _ cluster.Ack) (cluster.Version, error) {
	for _, c := range changes {
		if c.Delete {
			delete(m, c.Key)
		} else {
			m[c.Key] = c.Value
		}
	}
	return cluster.Version{}, nil
}

func (m memStore) List(prefix string) []cluster.Entry {
	var out []cluster.Entry
	for k, v := range m {
		if strings.HasPrefix(k, prefix) {
			out = append(out, cluster.Entry{Key: k, Value: v})
		}
	}
	return out
}

// addToken mints a token into s and returns it.
func addToken(t *testing.T, s memStore, createdBy string, readOnly bool, now time.Time) (string, TokenRecord) {
	t.Helper()
	token, rec, err := mintToken("test", createdBy, readOnly, 0, now)
	if err != nil {
		t.Fatal(err)
	}
	s.Put(store.TokenKey(rec.ID), store.MustJSON(rec))
	return token, rec
}

// serve answers one request on a server with one route per rule, and returns the status
// and the error message.
func serve(a *Authority, rules map[string]Rule, missing, method, path, token string) (int, string) {
	e := echo.New()
	ok := func(c echo.Context) error { return c.String(http.StatusOK, "served") }
	for p, rule := range rules {
		e.Add(http.MethodGet, p, ok, a.Authorize(rule, true))
	}
	e.Add(http.MethodGet, missing, ok, a.Authorize(Rule{}, false))
	e.Add(http.MethodGet, "/zero", ok, a.Authorize(Rule{}, true))
	req := httptest.NewRequest(method, path, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	rec := httptest.NewRecorder()
	e.ServeHTTP(rec, req)
	var he struct{ Message string }
	_ = json.Unmarshal(rec.Body.Bytes(), &he)
	return rec.Code, he.Message
}

// A read-only token gets what needs Read and is refused what needs Admin, with the action
// named; a token with full rights gets both; Open needs no token; a route without a rule,
// or with an empty one, refuses every token, also with authentication off.
func TestAuthorize(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	s := memStore{}
	a := New(s, "n1", false, func() time.Time { return now }, slog.New(slog.DiscardHandler))
	admin, _ := addToken(t, s, "n1", false, now)
	ro, roRec := addToken(t, s, "token x", true, now)
	rules := map[string]Rule{
		"/open":  {Verb: "get", Resource: "health", Right: Open, Action: "reading the health check"},
		"/read":  {Verb: "list", Resource: "pods", Right: Read, Action: "listing pods"},
		"/admin": {Verb: "get", Resource: "join-token", Right: Admin, Action: "reading the join token"},
	}
	for _, c := range []struct {
		path, token string
		code        int
		message     string
	}{
		{"/open", "", http.StatusOK, ""},
		{"/read", "", http.StatusUnauthorized, "this API needs a token"},
		{"/read", ro, http.StatusOK, ""},
		{"/read", admin, http.StatusOK, ""},
		{"/admin", "", http.StatusUnauthorized, "this API needs a token"},
		{"/admin", ro, http.StatusForbidden, "the API token " + roRec.ID + " is read-only: reading the join token needs a token with full rights"},
		{"/admin", admin, http.StatusOK, ""},
		{"/missing", admin, http.StatusForbidden, "GET /missing has no access rule, so it is refused to every token"},
		{"/missing", "", http.StatusForbidden, "has no access rule"},
		{"/zero", admin, http.StatusForbidden, "has no access rule"},
	} {
		code, msg := serve(a, rules, "/missing", http.MethodGet, c.path, c.token)
		if code != c.code || !strings.Contains(msg, c.message) {
			t.Errorf("GET %s with token %.12q: HTTP %d %q, want %d %q", c.path, c.token, code, msg, c.code, c.message)
		}
	}

	off := New(s, "n1", true, nil, slog.New(slog.DiscardHandler))
	if code, _ := serve(off, rules, "/missing", http.MethodGet, "/admin", ""); code != http.StatusOK {
		t.Errorf("with authentication off: HTTP %d, want 200", code)
	}
	if code, _ := serve(off, rules, "/missing", http.MethodGet, "/missing", ""); code != http.StatusForbidden {
		t.Errorf("a route without a rule, authentication off: HTTP %d, want 403", code)
	}
}

func TestRightString(t *testing.T) {
	for r, want := range map[Right]string{Open: "open", Read: "read", Admin: "admin", 0: "Right(0)"} {
		if r.String() != want {
			t.Errorf("%d: %q, want %q", int(r), r.String(), want)
		}
	}
}
