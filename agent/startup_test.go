package agent

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/podman-swarm/podman-swarm/cluster"
)

func TestStartupFlagsThatContradict(t *testing.T) {
	for _, tc := range []struct {
		edit func(*Config)
		want string
	}{
		{func(c *Config) { c.ForceNewCluster, c.Join = true, []string{"127.0.0.1:7946"} }, "ForceNewCluster founds a new cluster and Join joins an existing one"},
		{func(c *Config) { c.ForceNewCluster, c.Resync = true, true }, "ForceNewCluster founds a new cluster and Resync fetches the state of an existing one"},
	} {
		cfg := testConfig(t, "n0")
		tc.edit(&cfg)
		if err := cfg.withDefaults().validate(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("validate: %v; want an error with %q", err, tc.want)
		}
	}
}

// An agent whose keyring is lost does not found a cluster of its own; one whose store is
// damaged comes back with --resync and the whole state.
func TestAgentStoreRecovery(t *testing.T) {
	agents := startAgents(t, 2, nil)
	apply(t, agents[0], deploymentYAML("web", 2, ""))
	eventually(t, 5*time.Second, "n1 holds the deployment", func() bool { return len(placement(t, agents[1])) == 2 })
	cfg := agents[1].cfg
	cfg.Join, cfg.JoinToken = nil, ""
	if err := agents[1].Shutdown(false); err != nil {
		t.Fatal(err)
	}

	keyring := filepath.Join(cfg.StateDir, "keyring.json")
	saved, err := os.ReadFile(keyring)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(keyring); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if a, err := Start(ctx, cfg); !errors.As(err, new(*cluster.StoreWithoutKeyringError)) {
		if a != nil {
			_ = a.Shutdown(false)
		}
		t.Fatalf("start without keyring: %v", err)
	}
	if err := os.WriteFile(keyring, saved, 0o600); err != nil {
		t.Fatal(err)
	}

	store := filepath.Join(cfg.StateDir, "store")
	buf, err := os.ReadFile(store)
	if err != nil {
		t.Fatal(err)
	}
	buf[len(buf)/2] ^= 0xff
	if err := os.WriteFile(store, buf, 0o600); err != nil {
		t.Fatal(err)
	}
	if a, err := Start(ctx, cfg); !errors.As(err, new(*cluster.DamagedStoreError)) {
		if a != nil {
			_ = a.Shutdown(false)
		}
		t.Fatalf("start with a damaged store: %v", err)
	}
	cfg.Resync = true
	back := startAgent(t, cfg)
	if p := placement(t, back); len(p) != 2 {
		t.Errorf("after --resync the node lists %v", p)
	}
}
