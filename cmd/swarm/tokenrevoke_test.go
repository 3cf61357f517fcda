package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/podman-swarm/podman-swarm/api"
)

// Against a live agent: revoking a node's own token (here the founding node's, with
// another admin token made first) asks for --force and names the node; with --force it
// is revoked. A token made through the API is revoked without it.
func TestRevokeNodeOwnTokenNeedsForce(t *testing.T) {
	isolate(t)
	c := startAgent(t)
	own := c.cfg.Token
	var made api.NewToken
	if err := c.do("POST", "/api/v1/tokens", nil, "application/json", []byte(`{"description":"ci"}`), &made); err != nil {
		t.Fatal(err)
	}
	var other api.NewToken
	if err := c.do("POST", "/api/v1/tokens", nil, "application/json", []byte(`{"description":"bot"}`), &other); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := runTokenRevoke(c, []string{other.ID}, false, &out); err != nil || out.String() != "token "+other.ID+" revoked\n" {
		t.Errorf("revoke an API token: %v %q", err, out.String())
	}

	_, err := runCLI(t, "token", "revoke", own, "--server", c.cfg.Server, "--token", made.Token)
	if err == nil || !strings.Contains(err.Error(), "is node n1's own") || !strings.Contains(err.Error(), "--force") || exitStatus(err) != 1 {
		t.Fatalf("revoke the node's own token without --force: %v", err)
	}
	if err := c.do("GET", "/api/v1/nodes", nil, "", nil, nil); err != nil {
		t.Fatalf("the node's token stopped working after a refused revoke: %v", err)
	}
	printed, err := runCLI(t, "token", "revoke", "--force", own, "--server", c.cfg.Server, "--token", made.Token)
	if err != nil || !strings.HasPrefix(printed, "token ") || !strings.HasSuffix(printed, " revoked\n") {
		t.Fatalf("revoke --force: %v %q", err, printed)
	}
	if err := c.do("GET", "/api/v1/nodes", nil, "", nil, nil); err == nil {
		t.Errorf("the node's token still works after revoke --force")
	}
}
