package reconcile

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"maps"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/podman-swarm/podman-swarm/quadlet"
)

// A pod that leaves the node is stopped like any other gone pod: its units' stop jobs
// send each container its stop signal, and podman kills the container once its
// StopTimeout= (the pod's grace period) has passed. But when the pod's preStop hooks used
// part of the grace period, Kubernetes leaves the container only the rest of it (at least
// 2 s) after the stop signal; no unit can say that, since it is known only when the hooks
// end. So the agent tells the loop, before it lets the pod go, how long the containers get
// after the stop signal, and the loop kills those still running once that has passed.

// killAfters holds, per pod key, how long the containers of a leaving pod get between
// the stop signal and SIGKILL. The zero value is ready to use.
type killAfters struct {
	mu    sync.Mutex
	after map[string]time.Duration
}

// KillAfter has the next stop of a pod that is no longer desired kill its containers that
// still run d after their stop signal; a pod desired again forgets it.
func (r *Reconciler) KillAfter(podKey string, d time.Duration) {
	r.kills.mu.Lock()
	defer r.kills.mu.Unlock()
	if r.kills.after == nil {
		r.kills.after = map[string]time.Duration{}
	}
	r.kills.after[podKey] = d
}

// take returns and forgets the kill delays of the pods in steps, and forgets those of the
// pods that are desired (back on this node) or no longer on disk (nothing to stop).
func (k *killAfters) take(steps []PodStep, desired []DesiredPod, files map[string]File) map[string]time.Duration {
	k.mu.Lock()
	defer k.mu.Unlock()
	out := map[string]time.Duration{}
	for _, s := range steps {
		if d, ok := k.after[s.Key]; ok {
			out[s.Key] = d
			delete(k.after, s.Key)
		}
	}
	onDisk := map[string]bool{}
	for _, f := range files {
		onDisk[f.Pod] = true
	}
	for key := range k.after {
		if !onDisk[key] || slices.ContainsFunc(desired, func(d DesiredPod) bool { return d.Key == key }) {
			delete(k.after, key)
		}
	}
	return out
}

// killLate arms, for each gone pod being stopped that has a kill delay, a timer that kills
// its containers once the delay has passed; the returned func disarms the timers that have
// not fired, to be called once the stop jobs have ended. It is called right before the stop
// jobs are enqueued: their stop signal goes within milliseconds, which the delay, whole
// seconds, does not notice.
func (r *Reconciler) killLate(ctx context.Context, stops []PodStep, obs Observed) func() {
	desired, _ := r.snapshot()
	delays := r.kills.take(stops, desired, obs.Files)
	// The kill that ends a leaving pod's termination is logged with its other steps.
	log := r.cfg.Logger.With("component", "terminate")
	var timers []*time.Timer
	for _, key := range slices.Sorted(maps.Keys(delays)) {
		containers := podContainers(key, obs.Files)
		if len(containers) == 0 {
			continue
		}
		d := delays[key]
		timers = append(timers, time.AfterFunc(d, func() {
			if ctx.Err() != nil {
				return // the agent stops; podman still kills at StopTimeout=
			}
			killed, err := r.cfg.Podman.Kill(ctx, containers)
			if len(killed) > 0 {
				log.Warn("killed after the grace period: still running after the stop signal", "pod", key, "containers", killed, "after", d)
			}
			if err != nil {
				log.Error("kill the containers of a leaving pod", "pod", key, "err", err)
			}
		}))
	}
	return func() {
		for _, t := range timers {
			t.Stop()
		}
	}
}

// Kill sends SIGKILL to each container that runs, one `podman kill` each, and returns those
// it killed; a container that is gone or has stopped already is fine.
func (*Commands) Kill(ctx context.Context, containers []string) ([]string, error) {
	var killed []string
	var errs []error
	for _, name := range containers {
		var stderr bytes.Buffer
		cmd := exec.CommandContext(ctx, "podman", "kill", "--signal", "KILL", name)
		cmd.Stderr = &stderr
		err := cmd.Run()
		msg := stderr.String()
		switch {
		case err == nil:
			killed = append(killed, name)
		case strings.Contains(msg, "no such container") || strings.Contains(msg, "can only kill running containers"):
		default:
			errs = append(errs, fmt.Errorf("kill container %s: %w: %s", name, err, firstLine(msg)))
		}
	}
	return killed, errors.Join(errs...)
}

// podContainers names the podman containers of a pod's container files on disk.
func podContainers(key string, files map[string]File) []string {
	var out []string
	for _, name := range slices.Sorted(maps.Keys(files)) {
		ref, ok := quadlet.ParseUnitName(name)
		if ok && files[name].Pod == key && ref.Kind == quadlet.KindContainer {
			out = append(out, quadlet.ContainerName(ref.Namespace, ref.Pod, ref.Container))
		}
	}
	return out
}

// Pod returns the pod the loop runs under key, as it renders it: its containers' facts,
// among them their preStop hooks, and the ports it publishes.
func (r *Reconciler) Pod(key string) (DesiredPod, bool) {
	return r.desiredPod(key)
}
