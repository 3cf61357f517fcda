package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/podman-swarm/podman-swarm/agent"
	"github.com/podman-swarm/podman-swarm/api"
)

// waitFor polls cond until it holds or within passes.
func waitFor(t *testing.T, within time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting until %s", within, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func aliveMembers(a *agent.Agent) int {
	n := 0
	for _, m := range a.Node().Members() {
		if m.State.String() == "alive" {
			n++
		}
	}
	return n
}

func readToken(t *testing.T, stateDir string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(stateDir, api.TokenFile))
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(data))
}

// swarm node remove removes a member, says what it revoked and that the join token
// changed, and refuses a read-only token, the node itself, an unknown node and the last
// other member; swarm node removed lists the removal and swarm node forget undoes it.
func TestNodeCommands(t *testing.T) {
	isolate(t)
	n0, dir0 := startLiveAgent(t, "n0", t.TempDir())
	join := func(c *agent.Config) { c.Join, c.JoinToken = []string{n0.Node().Addr()}, n0.Node().JoinToken() }
	n1, _ := startLiveAgent(t, "n1", t.TempDir(), join)
	n2, dir2 := startLiveAgent(t, "n2", t.TempDir(), join)
	waitFor(t, 15*time.Second, "every node sees every node", func() bool {
		return aliveMembers(n0) == 3 && aliveMembers(n1) == 3 && aliveMembers(n2) == 3
	})
	t.Setenv("SWARM_SERVER", n0.APIAddr())
	t.Setenv("SWARM_TOKEN", readToken(t, dir0))

	help, err := runCLI(t, "node", "remove", "--help")
	for _, want := range []string{"for good", "cannot remove itself", "new join token", "swarm join-token", "swarm node forget", "API tokens the node minted"} {
		if err != nil || !strings.Contains(help, want) {
			t.Errorf("swarm node remove --help lacks %q: %v\n%s", want, err, help)
		}
	}

	ro, err := runCLI(t, "token", "create", "--read-only", "-q")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ args, want string }{
		{"node remove n2 --token " + strings.TrimSpace(ro), "is read-only: removing a node needs a token with full rights"},
		{"join-token --token " + strings.TrimSpace(ro), "is read-only: reading the join token needs a token with full rights"},
		{"token list --token " + strings.TrimSpace(ro), "is read-only: listing the API tokens needs a token with full rights"},
		{"node remove n0", "a node cannot remove itself: run it on another node"},
		{"node remove nope", `node "nope" not found`},
		{"node forget n2", `node "n2" was not removed`},
	} {
		if out, err := runCLI(t, strings.Fields(c.args)...); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("swarm %s: %v, want %q\n%s", c.args, err, c.want, out)
		}
	}

	// A token made on n2 with its own token: listed by the removal, not revoked.
	made, err := runCLI(t, "token", "create", "-q", "--description", "made on n2", "--server", n2.APIAddr(), "--token", readToken(t, dir2))
	if err != nil {
		t.Fatal(err)
	}
	madeID, _, _ := strings.Cut(strings.TrimPrefix(made, "swarmapi-"), ".")
	id, _, _ := strings.Cut(strings.TrimPrefix(readToken(t, dir2), "swarmapi-"), ".")
	// Each as a row of its own: n2's id also shows in the CREATED BY of the token made with
	// it, which may arrive first (n2 wrote its own record before it joined).
	rows := regexp.MustCompile(`(?m)^(` + madeID + `|` + id + `)\s`)
	waitFor(t, 10*time.Second, "n0 knows n2's token and the token made with it", func() bool {
		out, _ := runCLI(t, "token", "list")
		return len(rows.FindAllString(out, -1)) == 2
	})
	out, err := runCLI(t, "node", "remove", "n2")
	want := "node/n2 removed\n" +
		"token " + id + " revoked (node n2)\n" +
		"The join token changed on every alive node. Nodes that were down during the removal must be\n" +
		"restarted with the new token, which `swarm join-token` prints.\n" +
		"These tokens were made with the removed node's tokens and stay active; revoke them\n" +
		"(swarm token revoke ID) unless you trust them:\n"
	table := regexp.MustCompile(`^  ID\s+ACCESS\s+CREATED BY\s+DESCRIPTION\n  ` + madeID + `\s+full\s+token ` + id + `\s+made on n2\n$`)
	if err != nil || !strings.HasPrefix(out, want) || !table.MatchString(strings.TrimPrefix(out, want)) {
		t.Fatalf("swarm node remove n2: %v\n%s\nwant:\n%s  ID ... %s", err, out, want, madeID)
	}
	select {
	case <-n2.Done():
	case <-time.After(20 * time.Second):
		t.Fatal("the removed agent still runs")
	}
	out, err = runCLI(t, "node", "removed")
	if err != nil || !regexp.MustCompile(`^NAME\s+REMOVED BY\s+AGE\s+LAST ADDRESS\nn2\s+n0\s+\d+s\s+127\.0\.0\.1:\d+\n$`).MatchString(out) {
		t.Errorf("swarm node removed: %v\n%s", err, out)
	}
	if _, err := runCLI(t, "delete", "node", "n1"); err == nil || !strings.Contains(err.Error(), "node n1 is the last other member of the cluster") {
		t.Errorf("swarm delete node, as swarm node remove, of the last other member: %v", err)
	}
	if _, err := runCLI(t, "node", "remove", "n1"); err == nil || !strings.Contains(err.Error(), "node n1 is the last other member of the cluster") {
		t.Errorf("removing the last other member: %v", err)
	}
	if out, err := runCLI(t, "node", "forget", "n2"); err != nil || !strings.HasPrefix(out, "node/n2 forgotten: a machine of that name may join again") {
		t.Errorf("swarm node forget n2: %v %q", err, out)
	}
	if out, err := runCLI(t, "node", "removed"); err != nil || out != "No node was removed.\n" {
		t.Errorf("swarm node removed after forgetting: %v %q", err, out)
	}
}
