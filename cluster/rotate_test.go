package cluster

import (
	"context"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestRotateJoinToken(t *testing.T) {
	nodes := startCluster(t, 4, nil)
	old := nodes[0].JoinToken()

	// n3 is down during the rotation.
	down := nodes[3]
	downCfg := fastConfig(down.Name(), down.cfg.StateDir)
	_, port, _ := net.SplitHostPort(down.Addr())
	downCfg.BindPort, _ = strconv.Atoi(port)
	if err := down.Leave(time.Second); err != nil {
		t.Fatal(err)
	}
	if err := down.Shutdown(); err != nil {
		t.Fatal(err)
	}
	live := nodes[:3]
	waitAlive(t, live, 3)

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	fresh, err := nodes[1].RotateJoinToken(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if fresh == old {
		t.Fatal("the rotation returned the old token")
	}
	for _, n := range live {
		if got := n.keys.snapshot(); len(got) != 1 || got[0] != fresh {
			t.Errorf("%s holds tokens %v, want only the new one", n.Name(), got)
		}
		tokens, _, err := loadKeyring(n.cfg.StateDir)
		if err != nil || len(tokens) != 1 || tokens[0] != fresh {
			t.Errorf("%s saved tokens %v (%v), want only the new one", n.Name(), tokens, err)
		}
	}

	// The members stayed connected and still replicate.
	mustPut(t, nodes[2], "after/rotation", "still here")
	waitValue(t, live, "after/rotation", []byte("still here"))
	time.Sleep(500 * time.Millisecond) // several probe rounds with only the new key
	waitAlive(t, live, 3)

	// The old token admits no one.
	stale := fastConfig("stale", t.TempDir())
	stale.Join = []string{nodes[0].Addr()}
	stale.JoinToken = old
	if _, err := Start(context.Background(), stale); err == nil || !strings.Contains(err.Error(), "refused") {
		t.Fatalf("join with the old token: err = %v, want refused", err)
	}

	// The new one does.
	newcomer := fastConfig("newcomer", t.TempDir())
	newcomer.Join = []string{nodes[0].Addr()}
	newcomer.JoinToken = fresh
	joined := start(t, newcomer)
	waitValue(t, []*Node{joined}, "after/rotation", []byte("still here"))

	// The member that was down holds only the old key; given the new token,
	// it gets back in.
	downCfg.JoinToken = fresh
	back := start(t, downCfg)
	waitAlive(t, append(live, joined, back), 5)
	if got := back.JoinToken(); got != fresh {
		t.Errorf("the returning member uses %q, want the new token", got)
	}
	waitValue(t, []*Node{back}, "after/rotation", []byte("still here"))
}
