package auth

import (
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/podman-swarm/podman-swarm/agent/store"
	"github.com/podman-swarm/podman-swarm/cluster"
)

func ids(recs []TokenRecord) []string {
	var out []string
	for _, r := range recs {
		out = append(out, r.ID)
	}
	slices.Sort(out)
	return out
}

// The tokens a node minted for itself are its own; those made with them, directly or
// through one another, are listed apart while active; other nodes' tokens are neither.
func TestNodeTokens(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	s := memStore{}
	_, own := addToken(t, s, "n2", false, now)
	_, again := addToken(t, s, "n2", false, now) // registered again after a lost store
	_, child := addToken(t, s, "token "+own.ID, false, now)
	_, grandchild := addToken(t, s, "token "+child.ID, true, now)
	_, revokedChild := addToken(t, s, "token "+own.ID, false, now)
	_, other := addToken(t, s, "n1", false, now)
	addToken(t, s, "token "+other.ID, false, now)
	t0 := now.Add(-time.Minute)
	revokedChild.Revoked = &t0
	_, oldOwn := addToken(t, s, "n2", false, now)
	oldOwn.Revoked = &t0

	records := []TokenRecord{own, again, child, grandchild, revokedChild, other, oldOwn}
	gotOwn, madeWith := nodeTokens(records, "n2", now)
	if got, want := ids(gotOwn), ids([]TokenRecord{own, again}); !slices.Equal(got, want) {
		t.Errorf("own = %v, want %v", got, want)
	}
	if got, want := ids(madeWith), ids([]TokenRecord{child, grandchild}); !slices.Equal(got, want) {
		t.Errorf("made with = %v, want %v", got, want)
	}
	if n := adminsLeft(records, gotOwn, now); n != 2 { // child and other
		t.Errorf("admins left = %d, want 2", n)
	}
}

// Revoking a node's tokens refuses to leave no token with full rights, and otherwise
// revokes exactly the node's own.
func TestRevokeNode(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	s := memStore{}
	a := New(s, "n1", false, func() time.Time { return now }, slog.New(slog.DiscardHandler))
	token, own := addToken(t, s, "n2", false, now)
	if err := a.CheckRevokeNode("n2"); err == nil {
		t.Fatal("revoking the only token with full rights was allowed")
	}
	_, mine := addToken(t, s, "n1", false, now)
	if err := a.CheckRevokeNode("n2"); err != nil {
		t.Fatalf("check: %v", err)
	}
	revoked, madeWith, err := a.RevokeNode("n2")
	if err != nil || len(revoked) != 1 || revoked[0].ID != own.ID || revoked[0].Status != "revoked" || len(madeWith) != 0 {
		t.Fatalf("RevokeNode = %+v, %+v, %v", revoked, madeWith, err)
	}
	if _, err := checkToken(token, a.lookupToken, now); err == nil {
		t.Error("the removed node's token is still admitted")
	}
	if rec, _ := a.lookupToken(mine.ID); rec.Revoked != nil {
		t.Error("another node's token was revoked")
	}
	// Again: nothing left to revoke.
	if revoked, _, err := a.RevokeNode("n2"); err != nil || len(revoked) != 0 {
		t.Errorf("second RevokeNode = %+v, %v", revoked, err)
	}
}

// A token a removed node minted for itself is refused, and listed as revoked, even when it
// reached this node only after the removal: nothing revoked it, but its node is gone. A
// token made with it, by someone, stays valid, as RevokeNode leaves those too.
func TestTokenOfRemovedNodeArrivingLate(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	s := memStore{}
	a := New(s, "n1", false, func() time.Time { return now }, slog.New(slog.DiscardHandler))
	token, own := addToken(t, s, "n2", false, now)
	derived, _ := addToken(t, s, "token "+own.ID, false, now)
	if _, err := checkToken(token, a.lookupToken, now); err != nil {
		t.Fatalf("before the removal: %v", err)
	}
	removedAt := now.Add(-time.Minute).UTC()
	s.Put(cluster.RemovalKey("n2"), store.MustJSON(cluster.Removal{Name: "n2", By: "n0", At: removedAt}))
	_, err := checkToken(token, a.lookupToken, now)
	if err == nil || !strings.Contains(err.Error(), "was revoked on "+removedAt.Format(time.RFC3339)) {
		t.Errorf("the removed node's own token: %v", err)
	}
	if _, err := checkToken(derived, a.lookupToken, now); err != nil {
		t.Errorf("a token made with it: %v", err)
	}
	if rec, _ := a.lookupToken(own.ID); rec.status(now) != "revoked" {
		t.Errorf("status %q", rec.status(now))
	}
}
