package noderuntime

import (
	"bytes"
	"log/slog"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/podman-swarm/podman-swarm/agent/store"
	"github.com/podman-swarm/podman-swarm/cluster"
	"github.com/podman-swarm/podman-swarm/reconcile"
)

// StatusStore is where the status records are written.
type StatusStore interface {
	Get(key string) (cluster.Entry, bool)
	Put(key string, value []byte) (cluster.Version, error)
	Delete(key string) (cluster.Version, error)
}

// StatusWriter is the one writer of the status records of this node's pods. It merges
// the last report of the runtime with the last port check of each pod and the agent's
// readiness and startup probes of its containers, and writes the record, from where it
// reaches every node, when the merged record changes.
type StatusWriter struct {
	store  StatusStore
	node   string
	hostIP string
	log    *slog.Logger

	mu      sync.Mutex
	reports map[string]reconcile.Status  // the runtime's last report, by pod key
	ports   map[string]bool              // the last port check, by pod key; absent: not checked
	probes  map[string]map[string]probed // the agent's probes, by pod key and container
	carried map[string]bool              // pods whose stored readiness was read back (see carry)
	// mine are the pods assigned to this node at the last Prune; nil before the first. No
	// record is written for another pod: one that drains here after it left (its probes
	// go on) must not overwrite the record of the node it moved to.
	mine    map[string]bool
	written map[string]written // what this writer last stored, by pod key
}

// probed is what the agent's probes last said of one run of a container.
type probed struct {
	started  time.Time
	restarts int
	ready    bool
}

// written is a record as stored, and the version the store gave it.
type written struct {
	status  store.PodStatus
	version cluster.Version
}

// NewStatusWriter writes the status records of the pods node runs; hostIP is the address
// they are reached at, that of the node.
func NewStatusWriter(s StatusStore, node, hostIP string, log *slog.Logger) *StatusWriter {
	return &StatusWriter{
		store: s, node: node, hostIP: hostIP, log: log.With("component", "podstatus"),
		reports: map[string]reconcile.Status{}, ports: map[string]bool{}, written: map[string]written{},
		probes: map[string]map[string]probed{}, carried: map[string]bool{},
	}
}

// Report takes what the runtime observes of one of this node's pods: the reconciler calls
// it each time a pod's status changes.
func (w *StatusWriter) Report(podKey string, s reconcile.Status) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.carry(podKey)
	w.reports[podKey] = s
	w.write(podKey, "report pod status")
}

// Reported tells whether the pod's record was written since it was last assigned here.
func (w *StatusWriter) Reported(podKey string) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	_, ok := w.written[podKey]
	return ok
}

// Records are the merged records of the pods the runtime reported, by pod key.
func (w *StatusWriter) Records() map[string]store.PodStatus {
	w.mu.Lock()
	defer w.mu.Unlock()
	out := make(map[string]store.PodStatus, len(w.reports))
	for key := range w.reports {
		out[key] = w.merged(key)
	}
	return out
}

// PortsChecked takes the result of a port check: per pod, whether all its published TCP
// ports (at addresses) accept connections. A pod missing from open was not checked, and
// its record says nothing of its ports any more at its next change.
func (w *StatusWriter) PortsChecked(open map[string]bool, addresses map[string][]string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.ports = open
	for _, key := range slices.Sorted(maps.Keys(open)) {
		if _, reported := w.reports[key]; !reported {
			continue
		}
		last := w.written[key].status.PortsOpen
		if last != nil && *last == open[key] {
			continue
		}
		if open[key] {
			w.log.Info("the pod's published ports accept connections", "pod", key)
		} else {
			w.log.Warn("a published port of the pod refuses connections from its node: out of DNS and the ingress until it accepts again", "pod", key, "addresses", addresses[key])
		}
		w.write(key, "report the pod's port check")
	}
}

// Probed takes a change of a container's readiness as the agent's probes decide it, for the
// run of the container that started at started after restarts restarts. The record is
// written at once when the pod's readiness changes with it: the write is what takes the pod
// into, or out of, DNS, the ingress and Service rules on every node.
func (w *StatusWriter) Probed(podKey, container string, started time.Time, restarts int, ready bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.probes[podKey] == nil {
		w.probes[podKey] = map[string]probed{}
	}
	w.probes[podKey][container] = probed{started: started, restarts: restarts, ready: ready}
	if _, reported := w.reports[podKey]; reported {
		w.write(podKey, "report the pod's readiness")
	}
}

// Prune drops what this node reported of the pods st no longer assigns to it: their status
// records in the store (also those left from before a restart, of pods that moved while the
// node was down) and, once they no longer run here (running: those still draining run),
// their last report, port check and probe results. A pod assigned again while it drains
// runs on as it was: its record is written again from what is known of it, since the prober
// says nothing new of a container whose readiness did not change.
func (w *StatusWriter) Prune(st *store.State, running map[string]bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.mine = map[string]bool{}
	for key, as := range st.Assignments {
		if as.Node == w.node {
			w.mine[key] = true
		}
	}
	mine := func(key string) bool { return w.mine[key] }
	for key, s := range st.Status {
		if s.Node == w.node && !mine(key) {
			if _, err := w.store.Delete(store.StatusKey(key)); err != nil {
				w.log.Warn("remove the status of a pod that moved", "pod", key, "err", err)
			}
		}
	}
	for key := range w.reports {
		if !mine(key) && !running[key] {
			delete(w.reports, key)
			delete(w.ports, key)
			delete(w.probes, key)
			delete(w.carried, key)
		}
	}
	for key := range w.written {
		if !mine(key) {
			delete(w.written, key)
		}
	}
}

// merged is the record of a reported pod: its report, its last port check and the agent's
// probes of its containers.
func (w *StatusWriter) merged(podKey string) store.PodStatus {
	s := withProbes(w.reports[podKey], w.probes[podKey])
	ps := store.PodStatus{
		Node:         w.node,
		Phase:        store.CorePhase(s.Phase),
		Ready:        s.Ready,
		RestartCount: int32(s.Restarts),
		HostIP:       w.hostIP,
		Message:      s.Error,
		Ports:        s.Ports,
		Containers:   s.Containers,
		TemplateHash: s.TemplateHash,
	}
	if open, ok := w.ports[podKey]; ok {
		ps.PortsOpen = &open
	}
	if ps.Ready {
		// Kept while the pod stays ready, so that minReadySeconds counts from when it
		// turned ready.
		ps.ReadySince = time.Now().UTC()
		if last := w.written[podKey].status; last.Ready && !last.ReadySince.IsZero() {
			ps.ReadySince = last.ReadySince
		}
	}
	return ps
}

// write stores the merged record of a reported pod unless the store still holds the same
// one from this writer. Called with mu held; what names the write in a failure's log line.
func (w *StatusWriter) write(podKey, what string) {
	if w.mine != nil && !w.mine[podKey] {
		return
	}
	ps := w.merged(podKey)
	if last, ok := w.written[podKey]; ok && sameStatus(last.status, ps) {
		if e, ok := w.store.Get(store.StatusKey(podKey)); ok && !e.Deleted && e.Version == last.version {
			return
		}
	}
	ps.Updated = time.Now().UTC()
	v, err := w.store.Put(store.StatusKey(podKey), store.MustJSON(ps))
	if err != nil {
		w.log.Warn(what, "pod", podKey, "err", err)
		return
	}
	w.written[podKey] = written{status: ps, version: v}
}

// withProbes raises the containers the runtime left not Ready for their probes (running,
// with a readinessProbe or startupProbe) whose probes pass for their current run, and the
// pod with them when nothing else stands in the way. A result of an earlier run of a
// container counts for nothing: its probes start over, and readiness starts failed.
func withProbes(s reconcile.Status, probes map[string]probed) reconcile.Status {
	if s.Ready || !s.ReadyBarProbes && len(probes) == 0 {
		return s
	}
	all := s.ReadyBarProbes
	cs := slices.Clone(s.Containers)
	for i, c := range cs {
		if c.Ready || c.State != reconcile.ContainerRunning {
			continue
		}
		p, ok := probes[c.Name]
		if ok && p.ready && p.restarts == c.Restarts && p.started.Equal(c.Started) {
			cs[i].Ready = true
		} else {
			all = false
		}
	}
	s.Containers, s.Ready = cs, all
	if all {
		// What the runtime said was only that the probes had not passed yet.
		s.Error = ""
	}
	return s
}

// sameStatus tells whether two records say the same, whenever they were written.
func sameStatus(a, b store.PodStatus) bool {
	a.Updated, b.Updated = time.Time{}, time.Time{}
	return bytes.Equal(store.MustJSON(a), store.MustJSON(b))
}
