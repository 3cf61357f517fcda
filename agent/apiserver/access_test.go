package apiserver

import (
	"context"
	"log/slog"
	"slices"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"

	"github.com/podman-swarm/podman-swarm/agent/auth"
	"github.com/podman-swarm/podman-swarm/cluster"
)

// noStore is a token store that holds nothing: the routes are only listed here.
type noStore struct{}

func (noStore) Get(string) (cluster.Entry, bool)            { return cluster.Entry{}, false }
func (noStore) Put(string, []byte) (cluster.Version, error) { return cluster.Version{}, nil }
func (noStore) List(string) []cluster.Entry                 { return nil }
func (noStore) Write(context.Context, []cluster.Change, cluster.Ack) (cluster.Version, error) {
	return cluster.Version{}, nil
}

// registered lists the routes the server serves, as "METHOD PATH", without echo's own
// not-found routes.
func registered(t *testing.T) []string {
	t.Helper()
	log := slog.New(slog.DiscardHandler)
	s := New(nil, Config{NodeName: "n1", Tokens: auth.New(noStore{}, "n1", false, nil, log), Logger: log})
	var out []string
	for _, r := range s.Handler().(*echo.Echo).Routes() {
		if r.Method != echo.RouteNotFound {
			out = append(out, r.Method+" "+r.Path)
		}
	}
	slices.Sort(out)
	return out
}

// Every route the server registers has an entry in the access table, and every entry is
// a route: a route added without a rule would be refused to everyone, one removed would
// leave a stale rule.
func TestEveryRouteHasAnAccessRule(t *testing.T) {
	routes := registered(t)
	if len(routes) < 30 {
		t.Fatalf("only %d routes found: %v", len(routes), routes)
	}
	for _, r := range routes {
		if _, ok := access[r]; !ok {
			t.Errorf("route %s has no entry in access", r)
		}
	}
	for r := range access {
		if !slices.Contains(routes, r) {
			t.Errorf("access has an entry for %s, which is no route", r)
		}
	}
}

// The table follows its rules: every change needs full rights, and so does every request
// about the join token or the API tokens, which lead to full rights, and every read of the
// Secrets, which shows their values; only the health check is open; plain reads of the
// workloads and the nodes take a read-only token.
func TestAccessRules(t *testing.T) {
	secret := []string{"join-token", "tokens", "secrets"}
	reads := []string{"get", "list"}
	for route, rule := range access {
		method, _, _ := strings.Cut(route, " ")
		if rule.Verb == "" || rule.Resource == "" || rule.Action == "" {
			t.Errorf("%s: incomplete rule %+v", route, rule)
		}
		switch {
		case route == "GET /healthz":
			if rule.Right != auth.Open {
				t.Errorf("%s: %s, want open", route, rule.Right)
			}
		case rule.Right == auth.Open:
			t.Errorf("%s is open: only the health check answers without a token", route)
		case !slices.Contains(reads, rule.Verb) || slices.Contains(secret, rule.Resource):
			if rule.Right != auth.Admin {
				t.Errorf("%s (%s %s): %s, want admin", route, rule.Verb, rule.Resource, rule.Right)
			}
		case rule.Right != auth.Read:
			t.Errorf("%s (%s %s): %s, want read", route, rule.Verb, rule.Resource, rule.Right)
		}
		if method != "GET" && slices.Contains(reads, rule.Verb) {
			t.Errorf("%s: a %s that reads; its verb says it changes nothing", route, method)
		}
	}
	// The routes the read-only token must not reach, and some it must, by name.
	for route, want := range map[string]auth.Right{
		"GET /api/v1/join-token":                 auth.Admin,
		"POST /api/v1/join-token/rotate":         auth.Admin,
		"GET /api/v1/tokens":                     auth.Admin,
		"POST /api/v1/tokens":                    auth.Admin,
		"DELETE /api/v1/tokens/:token":           auth.Admin,
		"DELETE /api/v1/nodes/:name":             auth.Admin,
		"DELETE /api/v1/removals/:name":          auth.Admin,
		"POST /api/v1/manifests":                 auth.Admin,
		"PUT /api/v1/dns/whitelist":              auth.Admin,
		"GET /api/v1/secrets":                    auth.Admin,
		"GET /api/v1/secrets/:namespace/:name":   auth.Admin,
		"GET /api/v1/configmaps":                 auth.Read,
		"GET /api/v1/pods":                       auth.Read,
		"GET /api/v1/pods/:namespace/:name/logs": auth.Read,
		"GET /api/v1/nodes":                      auth.Read,
		"GET /api/v1/endpoints":                  auth.Read,
		"GET /api/v1/dns/whitelist":              auth.Read,
		"GET /stats":                             auth.Read,
	} {
		if got := access[route].Right; got != want {
			t.Errorf("%s: %s, want %s", route, got, want)
		}
	}
}
