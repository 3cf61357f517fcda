package agent

import (
	"context"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/podman-swarm/podman-swarm/agent/store"
	"github.com/podman-swarm/podman-swarm/api"
	"github.com/podman-swarm/podman-swarm/cluster"
)

// waitDone waits until the agent has stopped by itself and returns its error.
func waitDone(t *testing.T, a *Agent, within time.Duration) error {
	t.Helper()
	select {
	case <-a.Done():
	case <-time.After(within):
		t.Fatalf("%s still runs after %s", a.cfg.NodeName, within)
	}
	return a.Shutdown(false)
}

// A token with full rights removes a member: the cluster places its pods elsewhere, the
// API tokens it minted for itself are refused everywhere, the join token changes (in the
// remover's file at once), and the removed agent, told of its removal, logs who removed it
// and what to do, and stops; it then neither reads nor writes the cluster, and cannot
// start again with its state.
func TestRemoveNode(t *testing.T) {
	var removedLog logBuffer
	agents := startAgents(t, 3, func(i int, c *Config) {
		if i == 2 {
			c.Logger = removedLog.logger()
		}
	})
	n0, n1, n2 := agents[0], agents[1], agents[2]
	apply(t, n0, deploymentYAML("web", 6, ""))
	eventually(t, 10*time.Second, "some pods run on n2", func() bool {
		p := placement(t, n0)
		return len(p) == 6 && countOn(p, "n2") > 0
	})
	n2Token := nodeToken(t, n2)
	// A token made with n2's token: it stays, and the answer names it.
	var made api.NewToken
	if code := callAs(t, n2, n2Token, "POST", "/api/v1/tokens", "application/json", []byte(`{"description":"made on n2"}`), &made); code != http.StatusCreated {
		t.Fatalf("create a token on n2: HTTP %d", code)
	}
	eventually(t, 5*time.Second, "n0 and n1 admit n2's token and the token made with it", func() bool {
		return callAs(t, n0, n2Token, "GET", "/api/v1/nodes", "", nil, nil) == http.StatusOK &&
			callAs(t, n0, made.Token, "GET", "/api/v1/nodes", "", nil, nil) == http.StatusOK &&
			callAs(t, n1, made.Token, "GET", "/api/v1/nodes", "", nil, nil) == http.StatusOK
	})
	oldJoin := n0.Node().JoinToken()

	var res api.NodeRemoval
	if code := call(t, n0, "DELETE", "/api/v1/nodes/n2", "", nil, &res); code != http.StatusOK {
		t.Fatalf("remove n2: HTTP %d", code)
	}
	n2ID := tokenID(t, n2Token)
	if res.Name != "n2" || res.RemovedBy != "n0" || !res.JoinTokenRotated || len(res.RevokedTokens) != 1 || res.RevokedTokens[0].ID != n2ID ||
		len(res.TokensMadeWithRevoked) != 1 || res.TokensMadeWithRevoked[0].ID != made.ID {
		t.Errorf("answer %+v", res)
	}
	newJoin := n0.Node().JoinToken()
	if newJoin == oldJoin {
		t.Error("the join token did not change")
	}
	if data, err := os.ReadFile(filepath.Join(n0.cfg.StateDir, JoinTokenFile)); err != nil || strings.TrimSpace(string(data)) != newJoin {
		t.Errorf("n0's join token file: %q, %v", data, err)
	}

	err := waitDone(t, n2, 20*time.Second)
	if !errors.Is(err, cluster.ErrRemoved) || !strings.Contains(err.Error(), "removed by n0") {
		t.Errorf("the removed agent stopped with %v", err)
	}
	out := removedLog.String()
	for _, want := range []string{"level=ERROR", "this node was removed from the cluster", "removed_by=n0", "swarm node forget n2", "fresh --state-dir"} {
		if !strings.Contains(out, want) {
			t.Errorf("the removed node's log lacks %q:\n%s", want, out)
		}
	}

	for _, a := range []*Agent{n0, n1} {
		eventually(t, 10*time.Second, a.cfg.NodeName+" refuses n2's token", func() bool {
			var e api.APIError
			code := callAs(t, a, n2Token, "GET", "/api/v1/pods", "", nil, &e)
			return code == http.StatusUnauthorized && strings.Contains(e.Message, "revoked")
		})
		if code := callAs(t, a, made.Token, "GET", "/api/v1/nodes", "", nil, nil); code != http.StatusOK {
			t.Errorf("%s: the token made with n2's: HTTP %d, want it to stay", a.cfg.NodeName, code)
		}
	}
	eventually(t, 15*time.Second, "n2's pods run on n0 and n1", func() bool {
		p := placement(t, n1)
		return len(p) == 6 && countOn(p, "n2") == 0
	})

	// The removed node neither writes nor reads the cluster any more.
	if _, err := n2.Node().Put("probe/from-n2", []byte("x")); err == nil {
		t.Error("the removed node still writes")
	}
	apply(t, n0, deploymentYAML("after", 1, ""))
	key := store.ObjectKey(store.PrefixDeployment, "default", "after")
	eventually(t, 5*time.Second, "n1 has the new deployment", func() bool { _, ok := n1.Node().Get(key); return ok })
	if _, ok := n2.Node().Get(key); ok {
		t.Error("the removed node received a write made after its removal")
	}
	if _, err := n2.Node().Put("probe/x", nil); err == nil {
		t.Error("the removed node's store still takes writes")
	}

	// Restarted with its state, it is refused at once.
	cfg := n2.cfg
	cfg.Logger = testLogger()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if again, err := Start(ctx, cfg); !errors.Is(err, cluster.ErrRemoved) {
		if err == nil {
			again.Shutdown(false)
		}
		t.Errorf("restart of the removed node: %v, want ErrRemoved", err)
	}
	// Read-only tokens list the removal.
	var ro api.NewToken
	call(t, n0, "POST", "/api/v1/tokens", "application/json", []byte(`{"readOnly":true}`), &ro)
	var removals struct{ Items []api.Removal }
	eventually(t, 5*time.Second, "n1 admits the read-only token", func() bool {
		return callAs(t, n1, ro.Token, "GET", "/api/v1/nodes", "", nil, nil) == http.StatusOK
	})
	if code := callAs(t, n1, ro.Token, "GET", "/api/v1/removals", "", nil, &removals); code != http.StatusOK ||
		len(removals.Items) != 1 || removals.Items[0].Name != "n2" || removals.Items[0].RemovedBy != "n0" {
		t.Errorf("removals: HTTP %d %+v", code, removals)
	}
}

// The refusals of a removal: a read-only token, a node removing itself, an unknown node,
// and the last other member; none changes anything.
func TestRemoveNodeRefusals(t *testing.T) {
	agents := startAgents(t, 2, nil)
	n0 := agents[0]
	var ro api.NewToken
	call(t, n0, "POST", "/api/v1/tokens", "application/json", []byte(`{"readOnly":true}`), &ro)
	join := n0.Node().JoinToken()
	for _, c := range []struct {
		token, node string
		code        int
		message     string
	}{
		{ro.Token, "n1", http.StatusForbidden, "is read-only: removing a node needs a token with full rights"},
		{"", "n0", http.StatusConflict, "a node cannot remove itself: run it on another node"},
		{"", "nope", http.StatusNotFound, `node "nope" not found`},
		{"", "n1", http.StatusConflict, "node n1 is the last other member of the cluster: removing it would leave n0 alone"},
	} {
		token := c.token
		if token == "" {
			token = nodeToken(t, n0)
		}
		var e api.APIError
		if code := callAs(t, n0, token, "DELETE", "/api/v1/nodes/"+c.node, "", nil, &e); code != c.code || !strings.Contains(e.Message, c.message) {
			t.Errorf("remove %s: HTTP %d %q, want %d %q", c.node, code, e.Message, c.code, c.message)
		}
	}
	if n0.Node().JoinToken() != join || len(n0.Node().Removals()) != 0 || alive(n0) != 2 {
		t.Error("a refused removal changed the cluster")
	}
	for _, a := range agents {
		eventually(t, 5*time.Second, a.cfg.NodeName+"'s token works on n0", func() bool {
			return callAs(t, n0, nodeToken(t, a), "GET", "/api/v1/pods", "", nil, nil) == http.StatusOK
		})
	}
	if len(n0.Node().Removals()) != 0 {
		t.Error("a refused removal was recorded")
	}
}

// Forgetting a removal lets a machine of that name join again, with a fresh state folder
// and the current join token; forgetting a name that was not removed is 404.
func TestForgetRemoval(t *testing.T) {
	agents := startAgents(t, 3, nil)
	n0, n2 := agents[0], agents[2]
	if code := call(t, n0, "DELETE", "/api/v1/nodes/n2", "", nil, nil); code != http.StatusOK {
		t.Fatalf("remove n2: HTTP %d", code)
	}
	waitDone(t, n2, 20*time.Second)
	var ro api.NewToken
	call(t, n0, "POST", "/api/v1/tokens", "application/json", []byte(`{"readOnly":true}`), &ro)
	if code := callAs(t, n0, ro.Token, "DELETE", "/api/v1/removals/n2", "", nil, nil); code != http.StatusForbidden {
		t.Errorf("forget with a read-only token: HTTP %d, want 403", code)
	}
	var forgotten api.Removal
	if code := call(t, n0, "DELETE", "/api/v1/removals/n2", "", nil, &forgotten); code != http.StatusOK || forgotten.Name != "n2" || forgotten.RemovedBy != "n0" {
		t.Fatalf("forget n2: HTTP %d %+v", code, forgotten)
	}
	var e api.APIError
	if code := call(t, n0, "DELETE", "/api/v1/removals/n2", "", nil, &e); code != http.StatusNotFound || !strings.Contains(e.Message, `node "n2" was not removed`) {
		t.Errorf("forget again: HTTP %d %q", code, e.Message)
	}
	eventually(t, 10*time.Second, "n1 forgets the removal", func() bool { return len(agents[1].Node().Removals()) == 0 })
	// The same machine, at the same address, with a fresh state folder.
	cfg := testConfig(t, "n2")
	cfg.Bind = n2.cfg.Bind
	cfg.Join, cfg.JoinToken = []string{n0.Node().Addr()}, n0.Node().JoinToken()
	back := startAgent(t, cfg)
	// Admitted: a member still refusing the name would have made Start fail with
	// ErrRemoved. The others list it alive again, also one that still counted the old n2
	// when its removal was forgotten.
	eventually(t, 10*time.Second, "n2 sees n0 and n1", func() bool { return alive(back) == 3 })
	eventually(t, 10*time.Second, "n0 and n1 see n2 alive", func() bool { return alive(n0) == 3 && alive(agents[1]) == 3 })
	eventually(t, 5*time.Second, "n2's new token works on n0", func() bool {
		return callAs(t, n0, nodeToken(t, back), "GET", "/api/v1/nodes", "", nil, nil) == http.StatusOK
	})
	// What it writes reaches the others.
	apply(t, back, deploymentYAML("from-n2", 1, ""))
	key := store.ObjectKey(store.PrefixDeployment, "default", "from-n2")
	eventually(t, 5*time.Second, "n0 has n2's write", func() bool { _, ok := n0.Node().Get(key); return ok })
}
