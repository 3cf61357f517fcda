package noderuntime

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/podman-swarm/podman-swarm/agent/events"
	"github.com/podman-swarm/podman-swarm/manifest"
	"github.com/podman-swarm/podman-swarm/reconcile"
)

// Terminating is what the terminator needs of the runtime: the facts of a pod it runs
// (its containers' preStop hooks, its published ports), and the delay after which the
// stop of a pod that left kills its containers.
type Terminating interface {
	Pod(key string) (reconcile.DesiredPod, bool)
	KillAfter(key string, d time.Duration)
}

// Events records events; events.Recorder is one.
type Events interface {
	Event(obj corev1.ObjectReference, eventType, reason, message string)
}

// Terminator carries out the steps the loop's drainer decides for the pods that leave this
// node: it runs their preStop hooks, tells the runtime how long their containers get after
// their stop signal, and logs each step with component=terminate. It stops nothing
// itself: the pods stop when the loop stops handing them to the runtime.
type Terminator struct {
	runtime Terminating
	hooks   hookRunner
	events  Events // nil: none recorded
	log     *slog.Logger
	done    chan hookDone

	mu      sync.Mutex
	running map[string]runningHooks // by pod key
}

// hookDone says that a pod's hook run ended.
type hookDone struct {
	key string
	run int
}

type runningHooks struct {
	run    int
	cancel context.CancelFunc
}

// NewTerminator runs the hooks of pods whose facts runtime has; httpGet hooks reach a pod
// at nodeAddr, the address it publishes its ports on. events may be nil.
func NewTerminator(runtime Terminating, nodeAddr string, events Events, log *slog.Logger) *Terminator {
	return &Terminator{
		runtime: runtime,
		hooks:   newHookRunner(nodeAddr),
		events:  events,
		log:     log.With("component", "terminate"),
		done:    make(chan hookDone, 16),
		running: map[string]runningHooks{},
	}
}

// hasHooks tells whether a pod has a preStop hook to run; nil for a nil terminator, which
// runs none.
func (t *Terminator) hasHooks() func(manifest.Pod) bool {
	if t == nil {
		return nil
	}
	return func(p manifest.Pod) bool {
		d, ok := t.runtime.Pod(p.Key())
		if !ok {
			return false
		}
		for _, c := range d.Containers {
			if c.PreStop != nil {
				return true
			}
		}
		return false
	}
}

// finished sends each hook run that ended; nil for a nil terminator.
func (t *Terminator) finished() <-chan hookDone {
	if t == nil {
		return nil
	}
	return t.done
}

// act carries out a plan's termination steps; ctx bounds the hooks it starts (the agent
// stopping cuts them short: it is not the node stopping).
func (t *Terminator) act(ctx context.Context, plan drainPlan) {
	if t == nil {
		return
	}
	for _, p := range plan.left {
		t.log.Info("draining: left its assignment, keeps running while every node drops its endpoint",
			"pod", p.Key(), "for", DrainDelay)
	}
	for _, key := range plan.back {
		t.log.Info("assigned again while leaving: keeps running", "pod", key)
		t.cancel(key)
	}
	for _, h := range plan.hooks {
		t.start(ctx, h)
	}
	for _, s := range plan.stops {
		if s.hooksCut {
			t.log.Warn("preStop did not finish within the grace period: stopping all the same", "pod", s.key)
			t.cancel(s.key)
		}
		t.runtime.KillAfter(s.key, s.killAfter)
		t.log.Info("stopping: the containers get their stop signal now, SIGKILL if still running after", "pod", s.key, "kill_after", s.killAfter)
	}
}

// cancelAll cuts every hook run short, for pods that stop at once (the node is fenced).
func (t *Terminator) cancelAll() {
	if t == nil {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	for key, r := range t.running {
		r.cancel()
		delete(t.running, key)
	}
}

func (t *Terminator) cancel(key string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if r, ok := t.running[key]; ok {
		r.cancel()
		delete(t.running, key)
	}
}

// start runs the preStop hooks of a pod's containers, all at once, until its deadline,
// and then tells the loop.
func (t *Terminator) start(ctx context.Context, h hookRun) {
	key := h.pod.Key()
	d, ok := t.runtime.Pod(key)
	hctx, cancel := context.WithDeadline(ctx, h.deadline)
	t.mu.Lock()
	if old, ok := t.running[key]; ok {
		old.cancel()
	}
	t.running[key] = runningHooks{run: h.run, cancel: cancel}
	t.mu.Unlock()
	go func() {
		defer func() {
			t.mu.Lock()
			if r, ok := t.running[key]; ok && r.run == h.run {
				delete(t.running, key)
			}
			t.mu.Unlock()
			cancel()
			select {
			case t.done <- hookDone{key: key, run: h.run}:
			case <-ctx.Done():
			}
		}()
		if !ok {
			return
		}
		var wg sync.WaitGroup
		for _, c := range d.Containers {
			if c.PreStop == nil {
				continue
			}
			wg.Go(func() { t.runHook(hctx, h.pod, d, c) })
		}
		wg.Wait()
	}()
}

// runHook runs one container's hook and logs how it went; a failed hook is also an event
// of the pod, with the kubelet's reason and message (the output stays in the log, which
// may hold what the event, read by more people, should not).
func (t *Terminator) runHook(ctx context.Context, p manifest.Pod, d reconcile.DesiredPod, c reconcile.ContainerSpec) {
	log := t.log.With("pod", p.Key(), "container", c.Name, "action", c.PreStop.Action)
	log.Info("preStop started")
	start := time.Now()
	out, err := t.hooks.run(ctx, p, d.Ports, c.Name, c.PreStop)
	took := time.Since(start).Round(time.Millisecond)
	switch {
	case err == nil:
		log.Info("preStop finished", "took", took, "output", out)
	case errors.Is(err, context.DeadlineExceeded):
		log.Warn("preStop did not finish within the grace period", "took", took, "output", out)
	case errors.Is(err, context.Canceled):
		log.Info("preStop cut short: the pod is assigned again, the node is fenced or the agent stops", "took", took)
	default:
		log.Warn("preStop failed", "took", took, "err", err, "output", out)
		if t.events != nil {
			obj := events.Object("Pod", p.Namespace, p.Name)
			obj.FieldPath = containerFieldPath(p, c.Name)
			t.events.Event(obj, corev1.EventTypeWarning, "FailedPreStopHook", "PreStopHook failed")
		}
	}
}

// containerFieldPath is how the kubelet names a container in an event: spec.containers{NAME},
// or spec.initContainers{NAME} for a sidecar.
func containerFieldPath(p manifest.Pod, name string) string {
	for _, c := range p.Spec.InitContainers {
		if c.Name == name {
			return "spec.initContainers{" + name + "}"
		}
	}
	return "spec.containers{" + name + "}"
}
