package agent

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/podman-swarm/podman-swarm/api"
)

// A part that fails stops the whole node: its other parts and its membership, so that a
// service manager restarts it rather than leaving it half alive.
func TestAFailedPartStopsTheNode(t *testing.T) {
	agents := startAgents(t, 2, nil)
	broken := agents[1]
	broken.ln.Close() // the API server's listener fails under it
	select {
	case <-broken.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("the node still runs after its API server failed")
	}
	if err := broken.Shutdown(false); err == nil || !strings.Contains(err.Error(), "api: serve the API") {
		t.Errorf("Shutdown = %v, want the API server's failure", err)
	}
	eventually(t, 10*time.Second, "the other node sees the stopped node fail", func() bool { return alive(agents[0]) == 1 })
}

// Shutdown waits for every part: afterwards nothing answers and the store is closed.
func TestShutdownStopsEveryPart(t *testing.T) {
	a := startAgents(t, 1, nil)[0]
	if err := a.Shutdown(false); err != nil {
		t.Fatal(err)
	}
	select {
	case <-a.Done():
	default:
		t.Fatal("Shutdown returned before the node stopped")
	}
	if _, err := http.Get("http://" + a.APIAddr() + "/healthz"); err == nil {
		t.Error("the API still answers after Shutdown")
	}
	if _, err := a.Node().Put("x", []byte("y")); err == nil {
		t.Error("the store still takes writes after Shutdown")
	}
	if err := a.Shutdown(false); err != nil {
		t.Errorf("a second Shutdown: %v", err)
	}
}

// /stats counts the gossip bytes that crossed the network.
func TestStatsCountGossip(t *testing.T) {
	agents := startAgents(t, 2, nil)
	eventually(t, 5*time.Second, "gossip counted both ways", func() bool {
		var s api.Stats
		call(t, agents[0], "GET", "/stats", "", nil, &s)
		return s.Node == "n0" && s.Members == 2 && s.GossipSentBytes > 0 && s.GossipReceivedBytes > 0
	})
}
