package noderuntime

import (
	"encoding/json"
	"time"

	"github.com/podman-swarm/podman-swarm/agent/store"
	"github.com/podman-swarm/podman-swarm/reconcile"
)

// A restarted agent has no probe results, and readiness starts failed: every pod with a
// readinessProbe would leave the endpoints of every node until its next check, although
// its containers ran on, untouched, all along. So the writer carries over what the record
// this node stored says of each container that is still in the same run (same start time,
// same restart count): a container that was ready stays ready, and the prober, asking
// WasReady, starts its probes from there (startup done, readiness passed), as the kubelet
// does after a restart. A container that restarted meanwhile is another run and starts over.

// carry reads back, once per pod, the ready containers of the record this node stored for
// it, as results of the agent's probes for their runs. Called with mu held.
func (w *StatusWriter) carry(podKey string) {
	if w.carried[podKey] {
		return
	}
	w.carried[podKey] = true
	e, ok := w.store.Get(store.StatusKey(podKey))
	if !ok || e.Deleted {
		return
	}
	var ps store.PodStatus
	if err := json.Unmarshal(e.Value, &ps); err != nil || ps.Node != w.node {
		return
	}
	for _, c := range ps.Containers {
		if !c.Ready || c.State != reconcile.ContainerRunning || c.Started.IsZero() {
			continue
		}
		if w.probes[podKey] == nil {
			w.probes[podKey] = map[string]probed{}
		}
		if _, known := w.probes[podKey][c.Name]; !known {
			w.probes[podKey][c.Name] = probed{started: c.Started, restarts: c.Restarts, ready: true}
		}
	}
}

// WasReady tells whether the container was ready in this run (started at started, after
// restarts restarts) as far as the agent's probes last said, before this agent started
// included: the prober starts its probes of the run from there.
func (w *StatusWriter) WasReady(podKey, container string, started time.Time, restarts int) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.carry(podKey)
	p, ok := w.probes[podKey][container]
	return ok && p.ready && p.restarts == restarts && p.started.Equal(started)
}
