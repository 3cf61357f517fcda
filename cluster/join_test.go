package cluster

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hashicorp/memberlist"
)

func TestJoinWithToken(t *testing.T) {
	nodes := startCluster(t, 3, nil)
	for _, n := range nodes {
		if got := n.JoinToken(); got != nodes[0].JoinToken() {
			t.Errorf("%s has token %q, want the founder's", n.Name(), got)
		}
		members := n.Members()
		if len(members) != 3 {
			t.Fatalf("%s lists %d members, want 3", n.Name(), len(members))
		}
		for _, m := range members {
			if m.State != StateAlive {
				t.Errorf("%s sees %s as %s", n.Name(), m.Name, m.State)
			}
		}
		info, err := os.Stat(filepath.Join(n.cfg.StateDir, keyringFile))
		if err != nil {
			t.Fatal(err)
		}
		if perm := info.Mode().Perm(); perm != 0o600 {
			t.Errorf("%s keyring mode %v, want 0600", n.Name(), perm)
		}
	}
}

func TestJoinWithoutTokenIsRefused(t *testing.T) {
	nodes := startCluster(t, 3, nil)

	// Our own node will not even try.
	cfg := fastConfig("intruder", t.TempDir())
	cfg.Join = []string{nodes[0].Addr()}
	_, err := Start(context.Background(), cfg)
	if err == nil || !strings.Contains(err.Error(), "no join token") {
		t.Fatalf("Start without token: err = %v, want a missing-token error", err)
	}

	// A plaintext memberlist is refused and learns nothing.
	spy := joinAsOutsider(t, nil, nodes[0].Addr())
	spy.assertLearnedNothing(t)
	assertNotAdmitted(t, nodes, "outsider")
}

func TestJoinWithWrongTokenIsRefused(t *testing.T) {
	nodes := startCluster(t, 3, nil)
	wrong, _ := newToken()

	dir := t.TempDir()
	cfg := fastConfig("intruder", dir)
	cfg.Join = []string{nodes[1].Addr()}
	cfg.JoinToken = wrong
	_, err := Start(context.Background(), cfg)
	if err == nil || !strings.Contains(err.Error(), "refused this node's join token") {
		t.Fatalf("Start with a wrong token: err = %v, want a refused-token error", err)
	}
	if _, err := os.Stat(filepath.Join(dir, keyringFile)); !os.IsNotExist(err) {
		t.Errorf("a refused node kept a keyring: %v", err)
	}

	key, _ := gossipKey(wrong)
	spy := joinAsOutsider(t, key, nodes[1].Addr())
	spy.assertLearnedNothing(t)
	assertNotAdmitted(t, nodes, "intruder", "outsider")
}

// outsider is a bare memberlist, with a wrong key or none, that records
// whatever the cluster would hand it.
type outsider struct {
	ml      *memberlist.Memberlist
	states  atomic.Int32
	msgs    atomic.Int32
	joinErr error
}

func (o *outsider) NodeMeta(int) []byte                 { return nil }
func (o *outsider) NotifyMsg([]byte)                    { o.msgs.Add(1) }
func (o *outsider) GetBroadcasts(int, int) [][]byte     { return nil }
func (o *outsider) LocalState(bool) []byte              { return nil }
func (o *outsider) MergeRemoteState(buf []byte, _ bool) { o.states.Add(1) }

func joinAsOutsider(t *testing.T, key []byte, addr string) *outsider {
	t.Helper()
	o := &outsider{}
	mc := memberlist.DefaultLocalConfig()
	mc.Name = "outsider"
	mc.BindAddr = "127.0.0.1"
	mc.BindPort = 0
	mc.SecretKey = key
	mc.Delegate = o
	mc.LogOutput = newMemberlistLogger(testLogger()).Writer()
	ml, err := memberlist.Create(mc)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ml.Shutdown() })
	o.ml = ml
	_, o.joinErr = ml.Join([]string{addr})
	return o
}

func (o *outsider) assertLearnedNothing(t *testing.T) {
	t.Helper()
	if o.joinErr == nil {
		t.Fatal("the outsider's join succeeded")
	}
	t.Logf("outsider's join failed as expected: %v", o.joinErr)
	time.Sleep(time.Second) // let any stray gossip arrive
	if n := o.ml.NumMembers(); n != 1 {
		t.Errorf("the outsider sees %d members, want only itself", n)
	}
	if s, m := o.states.Load(), o.msgs.Load(); s != 0 || m != 0 {
		t.Errorf("the outsider received %d states and %d messages", s, m)
	}
}

func assertNotAdmitted(t *testing.T, nodes []*Node, names ...string) {
	t.Helper()
	for _, n := range nodes {
		for _, m := range n.Members() {
			for _, name := range names {
				if m.Name == name {
					t.Errorf("%s admitted %s", n.Name(), name)
				}
			}
		}
	}
}
