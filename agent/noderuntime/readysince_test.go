package noderuntime

import (
	"log/slog"
	"testing"
	"time"

	"github.com/podman-swarm/podman-swarm/reconcile"
)

// readySince is set when a pod turns ready, kept while it stays so (through other
// changes of its record), and cleared when it turns not ready.
func TestStatusWriterReadySince(t *testing.T) {
	n := startNode(t, "n1")
	w := NewStatusWriter(n, "n1", "198.18.0.11", slog.New(slog.DiscardHandler))

	starting := running
	starting.Ready = false
	w.Report("default/web", starting)
	if s, _, _ := stored(t, n, "default/web"); !s.ReadySince.IsZero() {
		t.Fatalf("not ready, yet ready since %v", s.ReadySince)
	}
	before := time.Now().UTC()
	w.Report("default/web", running)
	s, _, _ := stored(t, n, "default/web")
	since := s.ReadySince
	if since.Before(before) || since.After(time.Now().UTC()) {
		t.Fatalf("turned ready at %v, outside [%v, now]", since, before)
	}
	restarted := running
	restarted.Restarts = 1
	w.Report("default/web", restarted)
	w.PortsChecked(map[string]bool{"default/web": true}, nil)
	if s, _, _ := stored(t, n, "default/web"); !s.ReadySince.Equal(since) || s.RestartCount != 1 {
		t.Fatalf("still ready, ready since %v; want %v kept", s.ReadySince, since)
	}
	if r := w.Records()["default/web"]; !r.ReadySince.Equal(since) {
		t.Errorf("Records: ready since %v; want %v", r.ReadySince, since)
	}
	w.Report("default/web", starting)
	if s, _, _ := stored(t, n, "default/web"); !s.ReadySince.IsZero() {
		t.Fatalf("not ready again, yet ready since %v", s.ReadySince)
	}
	w.Report("default/web", reconcile.Status{Phase: reconcile.PhaseRunning, Ready: true})
	if s, _, _ := stored(t, n, "default/web"); s.ReadySince.IsZero() || s.ReadySince.Before(since) {
		t.Fatalf("ready again since %v; want a new time, not before %v", s.ReadySince, since)
	}
}
