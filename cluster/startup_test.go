package cluster

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// startErr starts a node that must fail, and returns the error.
func startErr(t *testing.T, cfg Config) error {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	n, err := Start(ctx, cfg)
	if err == nil {
		_ = n.Shutdown()
		t.Fatalf("%s started", cfg.NodeName)
	}
	return err
}

// loseFiles removes files of a node's state folder, as a careless clean-up
// would.
func loseFiles(t *testing.T, dir string, names ...string) {
	t.Helper()
	for _, name := range names {
		if err := os.Remove(filepath.Join(dir, name)); err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
	}
}

// A node whose keyring and peers were lost, started without Join, refuses to
// found a cluster with its old store; it rejoins its cluster with Join and
// the token, keeping its store, and leaves the leader where it was.
func TestStoreWithoutKeyringRejoins(t *testing.T) {
	nodes := startCluster(t, 2, nil)
	mustPut(t, nodes[0], "deployments/default/web", "v1")
	waitValue(t, nodes, "deployments/default/web", []byte("v1"))
	dir := nodes[1].cfg.StateDir
	if err := nodes[1].Shutdown(); err != nil {
		t.Fatal(err)
	}
	loseFiles(t, dir, keyringFile, peersFile)
	store, _ := os.ReadFile(filepath.Join(dir, storeFile))

	err := startErr(t, fastConfig("n1", dir))
	var noKeyring *StoreWithoutKeyringError
	if !errors.As(err, &noKeyring) || noKeyring.Entries == 0 || noKeyring.Store != filepath.Join(dir, storeFile) {
		t.Fatalf("err = %v, want a StoreWithoutKeyringError for %s", err, filepath.Join(dir, storeFile))
	}
	for _, want := range []string{filepath.Join(dir, keyringFile), "Join", "JoinToken", "ForceNewCluster"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not name %q", err, want)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, keyringFile)); !os.IsNotExist(err) {
		t.Errorf("a refused start wrote a keyring: %v", err)
	}
	if after, _ := os.ReadFile(filepath.Join(dir, storeFile)); !bytes.Equal(after, store) {
		t.Error("a refused start changed the store")
	}

	cfg := fastConfig("n1", dir)
	cfg.Join = []string{nodes[0].Addr()}
	cfg.JoinToken = nodes[0].JoinToken()
	back := start(t, cfg)
	waitAlive(t, []*Node{nodes[0], back}, 2)
	if back.JoinToken() != nodes[0].JoinToken() {
		t.Error("the rejoined node holds another token")
	}
	if e, ok := back.Get("deployments/default/web"); !ok || string(e.Value) != "v1" {
		t.Errorf("the rejoined node reads %q %v", e.Value, ok)
	}
	for _, n := range []*Node{nodes[0], back} {
		if got := n.Leader(); got != "n0" {
			t.Errorf("%s names %q leader, want n0", n.Name(), got)
		}
	}
}

// ForceNewCluster founds a new cluster with the store, on purpose.
func TestForceNewClusterKeepsTheStore(t *testing.T) {
	cfg := fastConfig("n0", t.TempDir())
	n := start(t, cfg)
	mustPut(t, n, "deployments/default/web", "v1")
	oldToken := n.JoinToken()
	if err := n.Shutdown(); err != nil {
		t.Fatal(err)
	}
	loseFiles(t, cfg.StateDir, keyringFile, peersFile)
	if err := startErr(t, cfg); !errors.As(err, new(*StoreWithoutKeyringError)) {
		t.Fatalf("err = %v, want a StoreWithoutKeyringError", err)
	}

	cfg.ForceNewCluster = true
	again := start(t, cfg)
	if again.JoinToken() == oldToken {
		t.Error("the new cluster kept the old token")
	}
	if e, ok := again.Get("deployments/default/web"); !ok || string(e.Value) != "v1" {
		t.Errorf("the new cluster lost the store: %q %v", e.Value, ok)
	}
	if !again.IsLeader() {
		t.Error("the founder does not lead")
	}
	// Restarted with the option still set, it is a member: nothing changes.
	if err := again.Shutdown(); err != nil {
		t.Fatal(err)
	}
	token := again.JoinToken()
	if third := start(t, cfg); third.JoinToken() != token {
		t.Error("ForceNewCluster founded again on a node with a keyring")
	}
}

func TestForceNewClusterContradictions(t *testing.T) {
	for name, cfg := range map[string]Config{
		"with Join":   {NodeName: "n", StateDir: "x", ForceNewCluster: true, Join: []string{"127.0.0.1:1"}},
		"with Resync": {NodeName: "n", StateDir: "x", ForceNewCluster: true, Resync: true},
	} {
		t.Run(name, func(t *testing.T) {
			err := cfg.validate()
			if err == nil || !strings.Contains(err.Error(), "ForceNewCluster") || !strings.Contains(err.Error(), "set only one") {
				t.Fatalf("err = %v", err)
			}
		})
	}
}

// damage flips a byte in the middle of a node's store file.
func damage(t *testing.T, dir string) []byte {
	t.Helper()
	path := filepath.Join(dir, storeFile)
	buf, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	buf[len(buf)/2] ^= 0xff
	if err := os.WriteFile(path, buf, 0o600); err != nil {
		t.Fatal(err)
	}
	return buf
}

// A damaged store stops the node with the file and the remedy named.
func TestDamagedStoreNamesTheRemedy(t *testing.T) {
	cfg := fastConfig("n0", t.TempDir())
	n := start(t, cfg)
	mustPut(t, n, "k", "v")
	if err := n.Shutdown(); err != nil {
		t.Fatal(err)
	}
	damage(t, cfg.StateDir)
	err := startErr(t, cfg)
	var damaged *DamagedStoreError
	if !errors.As(err, &damaged) || damaged.Path != filepath.Join(cfg.StateDir, storeFile) {
		t.Fatalf("err = %v, want a DamagedStoreError for the store file", err)
	}
	for _, want := range []string{damaged.Path, "checksum", "Resync", "backup"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
}

// Resync replaces a damaged store with the state of the other members,
// keeps the keyring, and sets the old file aside.
func TestResyncFetchesTheState(t *testing.T) {
	nodes := startCluster(t, 2, nil)
	for _, k := range []string{"a", "b", "c"} {
		mustPut(t, nodes[0], k, "v-"+k)
		waitValue(t, nodes, k, []byte("v-"+k))
	}
	cfg := fastConfig("n1", nodes[1].cfg.StateDir)
	cfg.BindPort = portOf(t, nodes[1])
	token := nodes[1].JoinToken()
	if err := nodes[1].Shutdown(); err != nil {
		t.Fatal(err)
	}
	damaged := damage(t, cfg.StateDir)

	cfg.Resync = true // no Join: the remembered peers serve
	n1 := start(t, cfg)
	for _, k := range []string{"a", "b", "c"} {
		if e, ok := n1.Get(k); !ok || string(e.Value) != "v-"+k {
			t.Errorf("after the resync %s = %q %v", k, e.Value, ok)
		}
	}
	if n1.JoinToken() != token {
		t.Error("the resync changed the keyring")
	}
	aside, _ := filepath.Glob(filepath.Join(cfg.StateDir, storeFile+".2*"))
	if len(aside) != 1 {
		t.Fatalf("set aside: %v, want one file", aside)
	}
	if buf, _ := os.ReadFile(aside[0]); !bytes.Equal(buf, damaged) {
		t.Error("the file set aside is not the damaged store")
	}
	waitFor(t, 10*time.Second, "the fetched state is on disk", func() bool {
		_, entries, err := loadStore(cfg.StateDir)
		return err == nil && len(entries) == 3
	})
	if err := n1.Shutdown(); err != nil {
		t.Fatal(err)
	}
	cfg.Resync = false
	if again := start(t, cfg); len(again.List("")) != 3 {
		t.Errorf("after a plain restart the node holds %d entries", len(again.List("")))
	}
}

// Resync needs a member to fetch from and a way in.
func TestResyncNeedsPeers(t *testing.T) {
	cfg := fastConfig("n0", t.TempDir())
	cfg.Resync = true
	err := startErr(t, cfg)
	var noPeers *ResyncWithoutPeersError
	if !errors.As(err, &noPeers) || !noPeers.NoPeers || !noPeers.NoToken ||
		!strings.Contains(err.Error(), "Join") || !strings.Contains(err.Error(), "JoinToken") {
		t.Fatalf("fresh folder: err = %v", err)
	}

	// A member alone: it has a keyring but knows no peer.
	cfg.Resync = false
	n := start(t, cfg)
	if err := n.Shutdown(); err != nil {
		t.Fatal(err)
	}
	cfg.Resync = true
	if err := startErr(t, cfg); !errors.As(err, &noPeers) || !noPeers.NoPeers || noPeers.NoToken {
		t.Fatalf("member without peers: err = %v", err)
	}
}

// A resync that reaches no member fails and leaves the store as it was, so
// that the next start still says what is wrong.
func TestResyncWithoutAnswerKeepsTheStore(t *testing.T) {
	nodes := startCluster(t, 2, nil)
	mustPut(t, nodes[0], "k", "v")
	waitValue(t, nodes, "k", []byte("v"))
	cfg := fastConfig("n1", nodes[1].cfg.StateDir)
	for _, n := range nodes {
		if err := n.Shutdown(); err != nil {
			t.Fatal(err)
		}
	}
	damaged := damage(t, cfg.StateDir)
	cfg.Resync = true
	err := startErr(t, cfg)
	if !strings.Contains(err.Error(), "resync: the state could not be fetched") || !strings.Contains(err.Error(), "left as it was") {
		t.Fatalf("err = %v", err)
	}
	if buf, _ := os.ReadFile(filepath.Join(cfg.StateDir, storeFile)); !bytes.Equal(buf, damaged) {
		t.Error("a failed resync touched the store")
	}
	if aside, _ := filepath.Glob(filepath.Join(cfg.StateDir, storeFile+".2*")); len(aside) != 0 {
		t.Errorf("a failed resync set files aside: %v", aside)
	}
}

// The peers file is a cache: a damaged one is ignored with a warning.
func TestCorruptPeersCacheIsIgnored(t *testing.T) {
	nodes := startCluster(t, 2, nil)
	mustPut(t, nodes[0], "k", "v")
	waitValue(t, nodes, "k", []byte("v"))
	var logs logCapture
	cfg := fastConfig("n1", nodes[1].cfg.StateDir)
	cfg.Logger = logs.logger()
	if err := nodes[1].Shutdown(); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(cfg.StateDir, peersFile)
	if err := os.WriteFile(path, []byte(`["127.0.0.1:1", tru`), 0o600); err != nil {
		t.Fatal(err)
	}
	n1 := start(t, cfg)
	if e, ok := n1.Get("k"); !ok || string(e.Value) != "v" {
		t.Errorf("the store was not loaded: %q %v", e.Value, ok)
	}
	recs := logs.records(t, "ignoring the remembered peers")
	if len(recs) != 1 || recs[0]["level"] != "WARN" || recs[0]["file"] != path {
		t.Fatalf("warnings %v, want one naming %s", recs, path)
	}
	// With Join it finds the cluster, and the cache is written again.
	if err := n1.Shutdown(); err != nil {
		t.Fatal(err)
	}
	cfg.Join = []string{nodes[0].Addr()}
	n1 = start(t, cfg)
	waitAlive(t, []*Node{nodes[0], n1}, 2)
	waitFor(t, 10*time.Second, "the peers file is rewritten", func() bool {
		peers, err := loadPeers(cfg.StateDir)
		return err == nil && len(peers) == 1 && peers[0] == nodes[0].Addr()
	})
}
