package prober

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/podman-swarm/podman-swarm/quadlet"
	"github.com/podman-swarm/podman-swarm/reconcile"
)

// source is a runtime with one pod whose status the test sets.
type source struct {
	mu     sync.Mutex
	pod    reconcile.DesiredPod
	status reconcile.Status
}

func (s *source) DesiredPods() []reconcile.DesiredPod {
	s.mu.Lock()
	defer s.mu.Unlock()
	return []reconcile.DesiredPod{s.pod}
}

func (s *source) Status(key string) (reconcile.Status, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.status, key == s.pod.Key
}

func (s *source) set(edit func(st *reconcile.Status)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	edit(&s.status)
}

// probed is one call of Sink.Probed.
type probed struct {
	container string
	restarts  int
	ready     bool
}

type sink chan probed

func (s sink) Probed(pod, container string, started time.Time, restarts int, ready bool) {
	s <- probed{container, restarts, ready}
}

type recorded struct {
	obj                     corev1.ObjectReference
	eventType, reason, text string
}

type recorder struct {
	mu     sync.Mutex
	events []recorded
}

func (r *recorder) Event(obj corev1.ObjectReference, eventType, reason, message string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, recorded{obj, eventType, reason, message})
}

func (r *recorder) take() []recorded {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.events
	r.events = nil
	return out
}

func webPod(app reconcile.ContainerSpec) reconcile.DesiredPod {
	app.Name, app.Service, app.Restart = "app", "swarm-default_web_app.service", "always"
	return reconcile.DesiredPod{Key: "default/web", PodService: "swarm-default_web.service", Containers: []reconcile.ContainerSpec{app}}
}

func runningStatus(restarts int) reconcile.Status {
	return reconcile.Status{Phase: reconcile.PhaseRunning, ReadyBarProbes: true, Containers: []reconcile.ContainerStatus{
		{Name: "app", State: reconcile.ContainerRunning, Restarts: restarts, Started: time.Now()},
	}}
}

func startProber(t *testing.T, cfg Config) *Prober {
	t.Helper()
	cfg.Logger = slog.New(slog.DiscardHandler)
	cfg.Checker.NodeAddr = "127.0.0.1"
	p := New(cfg)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = p.Start(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	return p
}

func next(t *testing.T, s sink) probed {
	t.Helper()
	select {
	case p := <-s:
		return p
	case <-time.After(20 * time.Second):
		t.Fatal("no readiness change")
	}
	return probed{}
}

// A readiness probe against a real server: ready on its first success, not ready when it
// fails (one event for several failures), ready again; a restart starts over.
func TestProberReadiness(t *testing.T) {
	var status atomic.Int32
	status.Store(http.StatusOK)
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.WriteHeader(int(status.Load()))
	}))
	defer srv.Close()
	src := &source{pod: webPod(reconcile.ContainerSpec{Readiness: httpProbe(portOf(t, srv.Listener.Addr().String()))}), status: runningStatus(0)}
	s, rec := make(sink, 10), &recorder{}
	p := startProber(t, Config{Source: src, Sink: s, Events: rec})

	if got := next(t, s); got != (probed{"app", 0, true}) {
		t.Fatalf("first change %+v, want ready", got)
	}
	status.Store(http.StatusServiceUnavailable)
	if got := next(t, s); got != (probed{"app", 0, false}) {
		t.Fatalf("after 503: %+v, want not ready", got)
	}
	// Two more failed checks: still one event.
	for h, deadline := hits.Load(), time.Now().Add(20*time.Second); hits.Load() < h+2; {
		if time.Now().After(deadline) {
			t.Fatal("the probe stopped checking")
		}
		time.Sleep(50 * time.Millisecond)
	}
	ev := rec.take()
	if len(ev) != 1 || ev[0].reason != "Unhealthy" || ev[0].eventType != corev1.EventTypeWarning ||
		ev[0].text != "Readiness probe failed: HTTP probe failed with statuscode: 503" ||
		ev[0].obj.Kind != "Pod" || ev[0].obj.Namespace != "default" || ev[0].obj.Name != "web" || ev[0].obj.FieldPath != "spec.containers{app}" {
		t.Errorf("events %+v, want one Unhealthy event", ev)
	}
	status.Store(http.StatusOK)
	if got := next(t, s); got != (probed{"app", 0, true}) {
		t.Fatalf("after 200 again: %+v, want ready", got)
	}

	// systemd restarted the container: its probes start over, and report for the new run.
	src.set(func(st *reconcile.Status) { *st = runningStatus(1) })
	p.Poke()
	if got := next(t, s); got != (probed{"app", 1, true}) {
		t.Fatalf("after a restart: %+v, want ready for the new run", got)
	}
}

// A startupProbe that fails failureThreshold times gets the container killed when it has
// no livenessProbe; the readiness probe waits for it meanwhile.
func TestProberStartupFailureKills(t *testing.T) {
	startup := &quadlet.Probe{Kind: quadlet.ProbeTCP, Port: 7000, NodePort: closedPort(t), PeriodSeconds: 1, TimeoutSeconds: 1, SuccessThreshold: 1, FailureThreshold: 2}
	var readinessHits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { readinessHits.Add(1) }))
	defer srv.Close()
	src := &source{pod: webPod(reconcile.ContainerSpec{Startup: startup, Readiness: httpProbe(portOf(t, srv.Listener.Addr().String()))}), status: runningStatus(0)}
	killed := make(chan string, 4)
	rec := &recorder{}
	startProber(t, Config{Source: src, Sink: make(sink, 10), Events: rec,
		Kill: func(ctx context.Context, c string) error { killed <- c; return nil }})
	select {
	case c := <-killed:
		if c != "swarm-default_web_app" {
			t.Errorf("killed %q", c)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("not killed")
	}
	// Both events are recorded before the kill begins; the second failure is within the
	// event interval of the first.
	ev := rec.take()
	if len(ev) != 2 || ev[0].reason != "Unhealthy" || !strings.HasPrefix(ev[0].text, "Startup probe failed: ") ||
		ev[1].reason != "Killing" || ev[1].text != "Container app failed startup probe, will be restarted" {
		t.Errorf("events %+v, want Unhealthy then Killing", ev)
	}
	if n := readinessHits.Load(); n != 0 {
		t.Errorf("the readiness probe ran %d times before the container started", n)
	}
}

// With a livenessProbe, podman's startup check in front of it kills the container: the
// agent only records the failure, and kills nothing.
func TestProberStartupFailureWithLiveness(t *testing.T) {
	startup := &quadlet.Probe{Kind: quadlet.ProbeTCP, Port: 7000, NodePort: 1, PeriodSeconds: 1, TimeoutSeconds: 1, SuccessThreshold: 1, FailureThreshold: 1}
	spec := reconcile.ContainerSpec{Startup: startup, Health: true, Liveness: &quadlet.Probe{Kind: quadlet.ProbeExec, Command: []string{"true"}}}
	src := &source{pod: webPod(spec), status: runningStatus(0)}
	rec := &recorder{}
	var kills atomic.Int32
	p := New(Config{Source: src, Sink: make(sink, 1), Events: rec, Logger: slog.New(slog.DiscardHandler),
		Kill: func(ctx context.Context, c string) error { kills.Add(1); return nil }})
	now := time.Now()
	p.sync(now)
	k := ckey{"default/web", "app"}
	e := p.entries[k]
	if e == nil || !slices.Equal(e.c.Due(now), []Kind{Startup}) {
		t.Fatalf("entry %+v: the startup probe is not due", e)
	}
	p.inFlight++
	p.finish(context.Background(), result{key: k, kind: Startup, run: e.run, ticket: e.c.Begin(Startup, now), out: Outcome{Message: "connect: connection refused"}})
	if !e.c.StartupFailed() {
		t.Error("the startup probe did not fail")
	}
	ev := rec.take()
	if len(ev) != 1 || ev[0].text != "Startup probe failed: connect: connection refused" {
		t.Errorf("events %+v, want the failure only", ev)
	}
	if !e.killed && kills.Load() == 0 && p.inFlight == 0 {
		return
	}
	t.Errorf("killed %v (%d kills), in flight %d", e.killed, kills.Load(), p.inFlight)
}

// Nothing is probed for a pod that does not run, nor for a container that does not run
// or has no agent probe.
func TestProberSyncOnlyRunning(t *testing.T) {
	spec := reconcile.ContainerSpec{Readiness: httpProbe(1)}
	src := &source{pod: webPod(spec), status: runningStatus(0)}
	p := New(Config{Source: src, Sink: make(sink, 1), Logger: slog.New(slog.DiscardHandler)})
	now := time.Now()
	p.sync(now)
	if len(p.entries) != 1 {
		t.Fatalf("a running container with a readiness probe: %d entries", len(p.entries))
	}
	src.set(func(st *reconcile.Status) { st.Phase = reconcile.PhasePending })
	p.sync(now)
	if len(p.entries) != 0 {
		t.Errorf("a pod that does not run: %d entries", len(p.entries))
	}
	src.set(func(st *reconcile.Status) {
		*st = runningStatus(0)
		st.Containers[0].State = reconcile.ContainerWaiting
	})
	p.sync(now)
	if len(p.entries) != 0 {
		t.Errorf("a container that does not run: %d entries", len(p.entries))
	}
	src.mu.Lock()
	src.pod = webPod(reconcile.ContainerSpec{Liveness: httpProbe(1), Health: true})
	src.status = runningStatus(0)
	src.mu.Unlock()
	p.sync(now)
	if len(p.entries) != 0 {
		t.Errorf("a container with only a livenessProbe: %d entries", len(p.entries))
	}
}

// A run the status writer says was ready before the agent started starts ready; another run
// starts failed.
func TestProberSyncSeedsReadyRuns(t *testing.T) {
	started := time.Now().Add(-time.Hour)
	src := &source{pod: webPod(reconcile.ContainerSpec{Readiness: httpProbe(1), Startup: httpProbe(1)}), status: runningStatus(0)}
	src.status.Containers[0].Started = started
	var asked []string
	p := New(Config{Source: src, Sink: make(sink, 1), Logger: slog.New(slog.DiscardHandler),
		WasReady: func(pod, c string, s time.Time, restarts int) bool {
			asked = append(asked, fmt.Sprintf("%s %s %d", pod, c, restarts))
			return s.Equal(started) && restarts == 0
		}})
	p.sync(time.Now())
	e := p.entries[ckey{"default/web", "app"}]
	if e == nil || !e.ready || !e.c.Ready() || !e.c.Started() {
		t.Fatalf("entry %+v: a run that was ready does not start ready", e)
	}
	src.set(func(st *reconcile.Status) { *st = runningStatus(1) })
	p.sync(time.Now())
	if e.ready || e.c.Ready() || e.c.Started() {
		t.Error("a new run started ready")
	}
	if want := []string{"default/web app 0", "default/web app 1"}; !slices.Equal(asked, want) {
		t.Errorf("asked %q, want %q", asked, want)
	}
}
