package noderuntime

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/podman-swarm/podman-swarm/agent/store"
	"github.com/podman-swarm/podman-swarm/internal/netcut"
	"github.com/podman-swarm/podman-swarm/manifest"
	"github.com/podman-swarm/podman-swarm/quadlet"
	"github.com/podman-swarm/podman-swarm/reconcile"
)

// terminationLog is a runtime that records, in one sequence, the desired sets it is given,
// the kill delays it is told and what the pods' hooks and events saw.
type terminationLog struct {
	mu        sync.Mutex
	pods      map[string]reconcile.DesiredPod
	lines     []string
	events    []string
	killAfter []time.Duration
}

func (l *terminationLog) add(line string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines = append(l.lines, line)
}

func (l *terminationLog) SetDesired(pods []manifest.Pod) {
	keys := []string{}
	for _, p := range pods {
		keys = append(keys, p.Key())
	}
	line := "run " + strings.Join(keys, ",")
	l.mu.Lock()
	defer l.mu.Unlock()
	if n := len(l.lines); n == 0 || l.lines[n-1] != line {
		l.lines = append(l.lines, line)
	}
}

func (l *terminationLog) Pod(key string) (reconcile.DesiredPod, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	d, ok := l.pods[key]
	return d, ok
}

func (l *terminationLog) KillAfter(key string, d time.Duration) {
	l.add("kill " + key)
	l.mu.Lock()
	defer l.mu.Unlock()
	l.killAfter = append(l.killAfter, d)
}

func (l *terminationLog) Event(obj corev1.ObjectReference, eventType, reason, message string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.events = append(l.events, fmt.Sprintf("%s %s/%s %s %s %s: %s", obj.Kind, obj.Namespace, obj.Name, obj.FieldPath, eventType, reason, message))
}

func (l *terminationLog) snapshot() ([]string, []string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.lines), slices.Clone(l.events)
}

// A pod that leaves its node keeps running while it drains, then its containers' preStop
// hooks run (an httpGet against a real loopback server through the pod's node port, and
// an exec through podman that fails), and only once they ended is it let go, with its kill
// delay told to the runtime first; the failed hook is an event.
func TestLoopRunsPreStopHooksBeforeTheStop(t *testing.T) {
	nodes := startCluster(t, 1, 50*time.Millisecond, &netcut.Net{})
	self := nodes[0]
	log := slog.New(slog.DiscardHandler)
	grace := int64(20)
	pod := manifest.Pod{Namespace: "default", Name: "web-0", Spec: corev1.PodSpec{TerminationGracePeriodSeconds: &grace}}
	other := manifest.Pod{Namespace: "default", Name: "api-0"}

	rt := &terminationLog{}
	srv := newHookServer(t, false)
	srv.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rt.add("hook " + r.URL.Path)
		time.Sleep(50 * time.Millisecond) // the hook takes a while; the pod must wait
	})
	rt.pods = map[string]reconcile.DesiredPod{pod.Key(): {
		Key: pod.Key(),
		Containers: []reconcile.ContainerSpec{
			{Name: "app", PreStop: &quadlet.Hook{Action: quadlet.HookHTTPGet, HTTPGet: &quadlet.HTTPGetHook{Scheme: "http", Port: 8080, Path: "/drain"}}},
			{Name: "side", PreStop: &quadlet.Hook{Action: quadlet.HookExec, Command: []string{"sh", "-c", "exit 1"}}},
			{Name: "plain"},
		},
		Ports: []manifest.PublishedPort{{ContainerPort: 8080, HostPort: srv.port(t), Protocol: corev1.ProtocolTCP}},
	}}
	bin, _ := fakePodman(t)
	term := NewTerminator(rt, "127.0.0.1", rt, log)
	t.Setenv("PATH", filepath.Dir(bin)+":"+os.Getenv("PATH"))
	status := NewStatusWriter(self, "n0", "127.0.0.1", log)
	loop := NewLoop(self, "n0", rt, status, nil, log).WithTerminator(term)
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	defer func() { cancel(); wg.Wait() }()
	wg.Go(func() { _ = loop.Start(ctx) })

	for _, p := range []manifest.Pod{pod, other} {
		if _, err := self.Put(store.AssignmentKey(p.Key()), store.MustJSON(store.Assignment{Pod: p, Node: "n0"})); err != nil {
			t.Fatal(err)
		}
	}
	waitUntil(t, 5*time.Second, "both pods run", func() bool {
		lines, _ := rt.snapshot()
		return slices.Contains(lines, "run default/api-0,default/web-0")
	})
	if _, err := self.Delete(store.AssignmentKey(pod.Key())); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, 10*time.Second, "the pod is let go", func() bool {
		lines, _ := rt.snapshot()
		return slices.Contains(lines, "run default/api-0")
	})
	lines, evs := rt.snapshot()
	i := slices.Index(lines, "run default/api-0,default/web-0")
	want := []string{"run default/api-0,default/web-0", "hook /drain", "kill default/web-0", "run default/api-0"}
	if !slices.Equal(lines[i:], want) {
		t.Errorf("steps %q, want %q", lines[i:], want)
	}
	// The kill delay is what the hook, which took 50 ms at least, left of the 20 s.
	rt.mu.Lock()
	delays := rt.killAfter
	rt.mu.Unlock()
	if len(delays) != 1 || delays[0] > 20*time.Second-50*time.Millisecond || delays[0] < quadlet.MinStopTimeout {
		t.Errorf("kill delays %v, want one under 20 s less the hook's 50 ms", delays)
	}
	if want := []string{"Pod default/web-0 spec.containers{side} Warning FailedPreStopHook: PreStopHook failed"}; !slices.Equal(evs, want) {
		t.Errorf("events %q, want %q", evs, want)
	}
}

// A pod assigned again while its hooks run keeps running: its hooks are cut short and it
// is never let go; the agent stopping runs no hook and lets no pod go.
func TestLoopKeepsAPodAssignedAgainDuringItsHooks(t *testing.T) {
	nodes := startCluster(t, 1, 50*time.Millisecond, &netcut.Net{})
	self := nodes[0]
	log := slog.New(slog.DiscardHandler)
	pod := manifest.Pod{Namespace: "default", Name: "web-0"}
	rt := &terminationLog{pods: map[string]reconcile.DesiredPod{pod.Key(): {
		Key:        pod.Key(),
		Containers: []reconcile.ContainerSpec{{Name: "app", PreStop: &quadlet.Hook{Action: quadlet.HookSleep, Sleep: 25 * time.Second}}},
	}}}
	term := NewTerminator(rt, "127.0.0.1", rt, log)
	loop := NewLoop(self, "n0", rt, NewStatusWriter(self, "n0", "127.0.0.1", log), nil, log).WithTerminator(term)
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	defer func() { cancel(); wg.Wait() }()
	wg.Go(func() { _ = loop.Start(ctx) })
	key := store.AssignmentKey(pod.Key())
	assign := func() {
		if _, err := self.Put(key, store.MustJSON(store.Assignment{Pod: pod, Node: "n0"})); err != nil {
			t.Fatal(err)
		}
	}
	running := func() bool {
		term.mu.Lock()
		defer term.mu.Unlock()
		_, ok := term.running[pod.Key()]
		return ok
	}
	assign()
	waitUntil(t, 5*time.Second, "the pod runs", func() bool { l, _ := rt.snapshot(); return slices.Contains(l, "run default/web-0") })
	if _, err := self.Delete(key); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, 10*time.Second, "its hook runs", running)
	assign()
	waitUntil(t, 5*time.Second, "its hook is cut short", func() bool { return !running() })
	lines, _ := rt.snapshot()
	// The empty set is the loop's first, before the pod was assigned.
	if want := []string{"run ", "run default/web-0"}; !slices.Equal(lines, want) {
		t.Errorf("steps %q, want %q: never let go", lines, want)
	}
	// Leaving again, then the agent stops while the hook runs: the hook is cut short and
	// the pod is not let go.
	if _, err := self.Delete(key); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, 10*time.Second, "its hook runs again", running)
	cancel()
	wg.Wait()
	lines, _ = rt.snapshot()
	if want := []string{"run ", "run default/web-0"}; !slices.Equal(lines, want) {
		t.Errorf("steps %q, want %q after the agent stopped", lines, want)
	}
}
