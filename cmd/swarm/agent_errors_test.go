package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/podman-swarm/podman-swarm/agent"
	"github.com/podman-swarm/podman-swarm/cluster"
)

// The cluster's errors name its Config fields; the agent's command names its flags.
func TestExplainStartErrorNamesFlags(t *testing.T) {
	fields := []string{"Config.", "ForceNewCluster", "JoinToken", "Resync ", "Join "}
	for _, tc := range []struct {
		err  error
		want []string
	}{
		{&cluster.StoreWithoutKeyringError{Store: "/s/store", Entries: 3},
			[]string{"/s/store", "3 entries", "--join HOST:PORT", "--join-token TOKEN", "--force-new-cluster"}},
		{&cluster.DamagedStoreError{Path: "/s/store", Err: errors.New("checksum mismatch")},
			[]string{"/s/store", "checksum mismatch", "--resync", "backup"}},
		{&cluster.ResyncWithoutPeersError{NoPeers: true, NoToken: true}, []string{"--resync", "--join HOST:PORT", "--join-token TOKEN"}},
		{&cluster.ResyncWithoutPeersError{NoPeers: true}, []string{"--resync", "--join HOST:PORT"}},
		{&cluster.ResyncWithoutPeersError{NoToken: true}, []string{"--resync", "--join-token TOKEN"}},
		{fmt.Errorf("join cluster as n2: %w and every member refuses its name", cluster.ErrRemoved),
			[]string{"removed from the cluster", "fresh --state-dir", "another --node-name", "swarm node forget", "--join-token"}},
	} {
		msg := explainStartError(fmt.Errorf("start: %w", tc.err)).Error()
		for _, w := range tc.want {
			if !strings.Contains(msg, w) {
				t.Errorf("%q does not say %q", msg, w)
			}
		}
		for _, f := range fields {
			if strings.Contains(msg, f) {
				t.Errorf("%q names the library field %q", msg, f)
			}
		}
	}
	if err := explainStartError(fmt.Errorf("start: %w", cluster.ErrRemoved)); !errors.Is(err, cluster.ErrRemoved) {
		t.Errorf("the removal is no longer told by errors.Is: %v", err)
	}
	other := errors.New("listen for the API on :7070: address in use")
	if got := explainStartError(other); got != other {
		t.Errorf("another error was changed: %v", got)
	}
}

// An agent whose keyring was lost refuses to start, and the message says which flags
// decide.
func TestAgentWithoutKeyringSaysWhichFlags(t *testing.T) {
	dir := t.TempDir()
	a, _ := startLiveAgent(t, "n1", dir)
	if err := a.Shutdown(false); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(filepath.Join(dir, "keyring.json")); err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	gossip := l.Addr().String()
	l.Close()
	cfg := agent.Config{NodeName: "n1", Bind: gossip, APIListen: "127.0.0.1:0", StateDir: dir, Runtime: agent.RuntimeNone}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	again, err := agent.Start(ctx, cfg)
	if err == nil {
		_ = again.Shutdown(false)
		t.Fatal("an agent without its keyring founded a cluster with its old store")
	}
	msg := explainStartError(err).Error()
	for _, w := range []string{filepath.Join(dir, "store"), "--join", "--join-token", "--force-new-cluster"} {
		if !strings.Contains(msg, w) {
			t.Errorf("%q does not say %q", msg, w)
		}
	}

	cfg.ForceNewCluster = true
	again, err = agent.Start(ctx, cfg)
	if err != nil {
		t.Fatalf("with --force-new-cluster: %v", err)
	}
	_ = again.Shutdown(false)
}

func TestAgentCommandHasRecoveryFlags(t *testing.T) {
	flags := newAgentCommand().Flags()
	for _, name := range []string{"force-new-cluster", "resync"} {
		if f := flags.Lookup(name); f == nil || f.DefValue != "false" {
			t.Errorf("flag --%s: %v", name, f)
		}
	}
}
