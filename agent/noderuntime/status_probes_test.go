package noderuntime

import (
	"log/slog"
	"testing"
	"time"

	"github.com/podman-swarm/podman-swarm/agent/store"
	"github.com/podman-swarm/podman-swarm/reconcile"
)

// gated is a running pod whose container "app" waits for the agent's probes, beside a
// sidecar without any and a completed init container.
func gated(started time.Time, restarts int) reconcile.Status {
	return reconcile.Status{Phase: reconcile.PhaseRunning, ReadyBarProbes: true, Restarts: restarts,
		Ports: running.Ports,
		Containers: []reconcile.ContainerStatus{
			{Name: "setup", State: reconcile.ContainerTerminated, Reason: "Completed"},
			{Name: "app", State: reconcile.ContainerRunning, Started: started, Restarts: restarts},
			{Name: "side", State: reconcile.ContainerRunning, Ready: true, Started: started},
		}}
}

// The agent's probes make a gated pod Ready, and take it out again, each change written at
// once; a result for an earlier run of the container counts for nothing.
func TestStatusWriterMergesProbes(t *testing.T) {
	n := startNode(t, "n1")
	w := NewStatusWriter(n, "n1", "198.18.0.11", slog.New(slog.DiscardHandler))
	t1 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	check := func(what string, ready, appReady bool) store.PodStatus {
		t.Helper()
		s, _, ok := stored(t, n, "default/web")
		if !ok || s.Ready != ready || len(s.Containers) != 3 || s.Containers[1].Ready != appReady || !s.Containers[2].Ready || s.Containers[0].Ready {
			t.Fatalf("%s: stored %+v (ok %v), want ready=%v, app ready=%v", what, s, ok, ready, appReady)
		}
		return s
	}

	// A result before the runtime's report is kept for it.
	w.Probed("default/web", "app", t1, 0, false)
	if _, _, ok := stored(t, n, "default/web"); ok {
		t.Fatal("a probe result wrote a record the runtime never reported")
	}
	waiting := gated(t1, 0)
	waiting.Error = "container app has not passed its readinessProbe yet"
	w.Report("default/web", waiting)
	if s := check("reported, probes failing", false, false); s.Message != waiting.Error {
		t.Errorf("message %q, want the runtime's %q", s.Message, waiting.Error)
	}

	w.Probed("default/web", "app", t1, 0, true)
	if s := check("probes pass", true, true); s.Message != "" {
		t.Errorf("a ready pod still says %q", s.Message)
	}
	if r := w.Records()["default/web"]; !r.Ready {
		t.Errorf("Records disagree with the store: %+v", r)
	}
	_, v1, _ := stored(t, n, "default/web")
	w.Probed("default/web", "app", t1, 0, true) // the same again: nothing to write
	if _, v, _ := stored(t, n, "default/web"); v != v1 {
		t.Error("an unchanged result was written again")
	}

	w.Probed("default/web", "app", t1, 0, false)
	check("probes fail", false, false)
	w.Probed("default/web", "app", t1, 0, true)
	check("probes pass again", true, true)

	// systemd restarted the container: the last run's result does not count.
	t2 := t1.Add(time.Minute)
	w.Report("default/web", gated(t2, 1))
	check("restarted", false, false)
	w.Probed("default/web", "app", t2, 1, true)
	check("the new run passes", true, true)

	// The other containers still decide too: a pod the runtime does not find ready bar
	// probes stays not Ready, though its gated container is raised.
	notQuite := gated(t2, 1)
	notQuite.ReadyBarProbes = false
	w.Report("default/web", notQuite)
	check("another container not ready", false, true)

	// A pod ready by the runtime alone is ready whatever the probes said.
	plain := running
	w.Report("default/plain", plain)
	w.Probed("default/plain", "app", t1, 0, false)
	if s, _, _ := stored(t, n, "default/plain"); !s.Ready {
		t.Errorf("a pod without agent probes: %+v", s)
	}

	// Prune forgets the probes of a pod that left.
	st := store.Read(n, slog.New(slog.DiscardHandler))
	st.Assignments = map[string]store.Assignment{"default/plain": {Node: "n1"}}
	w.Prune(st, nil)
	w.mu.Lock()
	_, kept := w.probes["default/web"]
	w.mu.Unlock()
	if kept {
		t.Error("Prune kept the probes of a pod that left")
	}
}

// A restarted agent (a new writer on the same store) carries over the readiness its node
// stored for containers still in the same run: the pod stays ready, and the prober is told
// so; a container that restarted meanwhile, or a record of another node, carries nothing.
func TestStatusWriterCarriesReadinessAcrossRestarts(t *testing.T) {
	n := startNode(t, "n1")
	t1 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	w := NewStatusWriter(n, "n1", "198.18.0.11", slog.New(slog.DiscardHandler))
	w.Report("default/web", gated(t1, 0))
	w.Probed("default/web", "app", t1, 0, true)
	if s, _, _ := stored(t, n, "default/web"); !s.Ready {
		t.Fatalf("before the restart: %+v", s)
	}

	again := NewStatusWriter(n, "n1", "198.18.0.11", slog.New(slog.DiscardHandler))
	if !again.WasReady("default/web", "app", t1, 0) || again.WasReady("default/web", "app", t1, 1) {
		t.Error("WasReady: want the stored ready run of app only")
	}
	again.Report("default/web", gated(t1, 0))
	if s, _, _ := stored(t, n, "default/web"); !s.Ready || !s.Containers[1].Ready {
		t.Errorf("after the agent's restart, the same run: %+v", s)
	}
	again.Probed("default/web", "app", t1, 0, false)
	if s, _, _ := stored(t, n, "default/web"); s.Ready {
		t.Errorf("the probes failing after a carry-over: %+v", s)
	}

	// The container restarted while the agent was down: nothing carries.
	w.Probed("default/web", "app", t1, 0, true)
	third := NewStatusWriter(n, "n1", "198.18.0.11", slog.New(slog.DiscardHandler))
	third.Report("default/web", gated(t1.Add(time.Minute), 1))
	if s, _, _ := stored(t, n, "default/web"); s.Ready {
		t.Errorf("a new run carried the last one's readiness: %+v", s)
	}

	// Another node's record is not this node's to carry.
	if _, err := n.Put(store.StatusKey("default/moved"), store.MustJSON(store.PodStatus{Node: "n2", Ready: true,
		Containers: []reconcile.ContainerStatus{{Name: "app", State: reconcile.ContainerRunning, Ready: true, Started: t1}}})); err != nil {
		t.Fatal(err)
	}
	if third.WasReady("default/moved", "app", t1, 0) {
		t.Error("carried another node's record")
	}
}

// A pod that leaves its assignment and is assigned again while it drains runs on as it was:
// its record goes while it is not assigned, and comes back ready, from the probes' last
// word, though the prober says nothing new of a container whose readiness did not change.
func TestStatusWriterKeepsProbesOfAPodThatDrains(t *testing.T) {
	n := startNode(t, "n1")
	log := slog.New(slog.DiscardHandler)
	w := NewStatusWriter(n, "n1", "198.18.0.11", log)
	t1 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	w.Report("default/kv-2", gated(t1, 0))
	w.Probed("default/kv-2", "app", t1, 0, true)
	if s, _, ok := stored(t, n, "default/kv-2"); !ok || !s.Ready {
		t.Fatalf("before it leaves: %+v %v", s, ok)
	}
	st := store.Read(n, log)
	st.Assignments = map[string]store.Assignment{}
	w.Prune(st, map[string]bool{"default/kv-2": true})
	if _, _, ok := stored(t, n, "default/kv-2"); ok || w.Reported("default/kv-2") {
		t.Fatal("the record of a pod no longer assigned is still there")
	}
	// While it drains here, what its probes and the runtime say of it writes nothing: the
	// pod may run on another node by now, whose record must stand.
	w.Probed("default/kv-2", "app", t1, 0, false)
	w.Report("default/kv-2", gated(t1, 0))
	if s, _, ok := stored(t, n, "default/kv-2"); ok {
		t.Fatalf("a record written for a pod that drains here: %+v", s)
	}
	w.Probed("default/kv-2", "app", t1, 0, true)
	st.Assignments = map[string]store.Assignment{"default/kv-2": {Node: "n1"}}
	w.Prune(st, map[string]bool{"default/kv-2": true})
	if w.Reported("default/kv-2") {
		t.Fatal("a pod assigned again counts as reported before its record is written again")
	}
	w.Report("default/kv-2", gated(t1, 0)) // what the loop does for a pod not reported
	if s, _, ok := stored(t, n, "default/kv-2"); !ok || !s.Ready {
		t.Errorf("assigned again while it drained: %+v %v, want ready", s, ok)
	}
}
