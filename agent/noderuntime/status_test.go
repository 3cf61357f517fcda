package noderuntime

import (
	"context"
	"encoding/json"
	"log/slog"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/podman-swarm/podman-swarm/agent/store"
	"github.com/podman-swarm/podman-swarm/cluster"
	"github.com/podman-swarm/podman-swarm/manifest"
	"github.com/podman-swarm/podman-swarm/reconcile"
)

// startNode runs a one-node cluster on loopback: a real store for the writer.
func startNode(t *testing.T, name string) *cluster.Node {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	n, err := cluster.Start(ctx, cluster.Config{NodeName: name, BindAddr: "127.0.0.1", StateDir: t.TempDir(), Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = n.Shutdown() })
	return n
}

// stored reads a status record back, with the version the store holds it at.
func stored(t *testing.T, n *cluster.Node, podKey string) (store.PodStatus, cluster.Version, bool) {
	t.Helper()
	e, ok := n.Get(store.StatusKey(podKey))
	if !ok || e.Deleted {
		return store.PodStatus{}, cluster.Version{}, false
	}
	var s store.PodStatus
	if err := json.Unmarshal(e.Value, &s); err != nil {
		t.Fatal(err)
	}
	return s, e.Version, true
}

var running = reconcile.Status{Phase: reconcile.PhaseRunning, Ready: true,
	Ports: []manifest.PublishedPort{{Container: "main", ContainerPort: 80, HostPort: 8080, Protocol: corev1.ProtocolTCP}}}

// The record merges the runtime's report with the port check and is written only when it
// changes.
func TestStatusWriterMergesReportAndPortCheck(t *testing.T) {
	n := startNode(t, "n1")
	w := NewStatusWriter(n, "n1", "198.18.0.11", slog.New(slog.DiscardHandler))

	w.Report("default/web", running)
	s, v1, ok := stored(t, n, "default/web")
	if !ok || s.Node != "n1" || s.Phase != corev1.PodRunning || !s.Ready || s.HostIP != "198.18.0.11" || s.PortsOpen != nil || s.Updated.IsZero() {
		t.Fatalf("after the report: %+v (stored %v)", s, ok)
	}
	if r := w.Records()["default/web"]; r.Phase != corev1.PodRunning || len(r.Ports) != 1 {
		t.Errorf("Records = %+v", r)
	}

	w.Report("default/web", running) // the same again: nothing to write
	if _, v, _ := stored(t, n, "default/web"); v != v1 {
		t.Errorf("an unchanged report was written again: version %v, was %v", v, v1)
	}

	w.PortsChecked(map[string]bool{"default/web": false}, map[string][]string{"default/web": {"198.18.0.11:8080"}})
	s, v2, _ := stored(t, n, "default/web")
	if s.PortsOpen == nil || *s.PortsOpen || !s.Ready || v2 == v1 {
		t.Fatalf("after a closed port: %+v", s)
	}
	w.PortsChecked(map[string]bool{"default/web": false}, nil) // the same result: nothing to write
	if _, v, _ := stored(t, n, "default/web"); v != v2 {
		t.Errorf("an unchanged check was written again")
	}

	// The next report carries the last check on.
	restarted := running
	restarted.Restarts = 1
	w.Report("default/web", restarted)
	if s, _, _ = stored(t, n, "default/web"); s.RestartCount != 1 || s.PortsOpen == nil || *s.PortsOpen {
		t.Errorf("a report dropped the port check: %+v", s)
	}

	// A pod the check no longer covers says nothing of its ports at its next change.
	w.PortsChecked(map[string]bool{}, nil)
	w.Report("default/web", running)
	if s, _, _ = stored(t, n, "default/web"); s.PortsOpen != nil {
		t.Errorf("a pod no longer checked keeps its old check: %+v", s)
	}

	// A check of a pod the runtime never reported writes nothing.
	w.PortsChecked(map[string]bool{"default/other": true}, nil)
	if _, _, ok := stored(t, n, "default/other"); ok {
		t.Error("a check wrote the status of a pod the runtime did not report")
	}
}

// A record another writer replaced (the pod ran on another node meanwhile) is written
// again, although this writer's own record did not change.
func TestStatusWriterRewritesAReplacedRecord(t *testing.T) {
	n := startNode(t, "n1")
	w := NewStatusWriter(n, "n1", "198.18.0.11", slog.New(slog.DiscardHandler))
	w.Report("default/web", running)
	other := store.PodStatus{Node: "n2", Phase: corev1.PodPending}
	if _, err := n.Put(store.StatusKey("default/web"), store.MustJSON(other)); err != nil {
		t.Fatal(err)
	}
	w.Report("default/web", running)
	if s, _, _ := stored(t, n, "default/web"); s.Node != "n1" || s.Phase != corev1.PodRunning {
		t.Errorf("the replaced record was not written again: %+v", s)
	}
}

// Prune removes this node's records of pods assigned elsewhere or no longer assigned, keeps
// the others', and forgets what it was told of them.
func TestStatusWriterPrune(t *testing.T) {
	n := startNode(t, "n1")
	w := NewStatusWriter(n, "n1", "198.18.0.11", slog.New(slog.DiscardHandler))
	for _, key := range []string{"default/stays", "default/moved", "default/deleted"} {
		w.Report(key, running)
	}
	if _, err := n.Put(store.StatusKey("default/elsewhere"), store.MustJSON(store.PodStatus{Node: "n2"})); err != nil {
		t.Fatal(err)
	}
	st := store.Read(n, slog.New(slog.DiscardHandler))
	st.Assignments = map[string]store.Assignment{
		"default/stays":     {Node: "n1"},
		"default/moved":     {Node: "n2"},
		"default/elsewhere": {Node: "n2"},
	}
	w.Prune(st, nil)
	for key, want := range map[string]bool{"default/stays": true, "default/moved": false, "default/deleted": false, "default/elsewhere": true} {
		if _, _, ok := stored(t, n, key); ok != want {
			t.Errorf("%s stored: %v, want %v", key, ok, want)
		}
	}
	if r := w.Records(); len(r) != 1 || r["default/stays"].Node != "n1" {
		t.Errorf("Records after the prune = %v", r)
	}
}
