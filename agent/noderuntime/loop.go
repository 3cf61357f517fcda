// Package noderuntime is the side of a node that runs its own pods: it hands the runtime
// (the reconciler) the pods assigned to this node, keeps a pod that leaves running a little
// longer while traffic drains away from it, stops them all while the node is fenced (cut
// off from a majority of the cluster, with self-fencing on), checks the TCP ports the
// running pods publish, and writes what the node observes of each pod (with the readiness
// its agent's probes decide, and the node ports a probe's port needs) into its status
// record, the one writer of those records.
package noderuntime

import (
	"context"
	"log/slog"
	"maps"
	"slices"
	"time"

	"github.com/podman-swarm/podman-swarm/agent/store"
	"github.com/podman-swarm/podman-swarm/cluster"
	"github.com/podman-swarm/podman-swarm/manifest"
	"github.com/podman-swarm/podman-swarm/reconcile"
)

// Runtime runs the pods it is given and stops the others.
type Runtime interface {
	SetDesired(pods []manifest.Pod)
}

// Cluster is what the loop reads of the cluster: the assignments and the status records.
type Cluster interface {
	WatchKeyBatches(prefix string) (<-chan []string, func())
	List(prefix string) []cluster.Entry
}

// resync bounds how long the loop waits when nothing happens.
const resync = 5 * time.Second

// Loop hands the runtime the pods assigned to this node whenever assignments change (and
// those that left them, until their termination lets them go), none while the fence is up,
// and has the status writer drop what this node reported of pods it no longer runs.
type Loop struct {
	node    Cluster
	name    string
	runtime Runtime
	status  *StatusWriter
	fence   *Fence // nil: never fenced
	ports   *NodePorts
	// current, when set, is the runtime's last status of a pod it runs.
	current func(podKey string) (reconcile.Status, bool)
	term    *Terminator // nil: pods that leave stop after the drain, without hooks
	log     *slog.Logger
}

// NewLoop is the loop of node name; fence, when not nil, stops the pods while it is up.
func NewLoop(node Cluster, name string, runtime Runtime, status *StatusWriter, fence *Fence, log *slog.Logger) *Loop {
	return &Loop{node: node, name: name, runtime: runtime, status: status, fence: fence, log: log.With("component", "noderuntime")}
}

// WithCurrentStatus gives the loop the runtime's last status of each pod it runs, which it
// reports again for a pod assigned anew while it still ran here (scaled away and back
// while draining): the runtime, whose units did not change, reports nothing new, and the
// status record was removed when the assignment went.
func (a *Loop) WithCurrentStatus(current func(podKey string) (reconcile.Status, bool)) *Loop {
	a.current = current
	return a
}

// WithNodePorts has the loop pick the node ports of the pods it hands the runtime, in
// ports, before it hands them.
func (a *Loop) WithNodePorts(ports *NodePorts) *Loop {
	a.ports = ports
	return a
}

// WithTerminator has the loop end the pods that leave this node as Kubernetes does, with
// their preStop hooks and the grace period, through term (see decide).
func (a *Loop) WithTerminator(term *Terminator) *Loop {
	a.term = term
	return a
}

// Start runs the loop until ctx ends. Ending it stops no pod and runs no hook: the agent
// stopping is not the node stopping.
func (a *Loop) Start(ctx context.Context) error {
	// In batches: the loop reads the whole store once per wake-up, so thousands of pods
	// placed at once cost one read rather than one per pod.
	keys, stopKeys := a.node.WatchKeyBatches(store.PrefixAssignment)
	defer stopKeys()
	// A ConfigMap or Secret changes what the pods' volumes hold and their units name: the
	// runtime is handed the pods again, and its keeper of them rewrites what changed.
	configMaps, stopConfigMaps := a.node.WatchKeyBatches(store.PrefixConfigMap)
	defer stopConfigMaps()
	secrets, stopSecrets := a.node.WatchKeyBatches(store.PrefixSecret)
	defer stopSecrets()
	tick := time.NewTicker(resync)
	defer tick.Stop()
	st := store.Read(a.node, a.log)
	var d drainer
	for {
		var run []manifest.Pod
		var wait time.Duration
		if a.fence.Fenced() {
			// Stopped at once, nothing drains: the other side may be starting them already.
			// The assignments stay; the pods start again once the fence is lifted.
			d = drainer{}
			a.term.cancelAll()
		} else {
			plan := d.run(Assigned(st, a.name), time.Now(), a.term.hasHooks())
			// Before the runtime gets the pods: the delay after which it kills a pod that
			// stops must be known when it stops it.
			a.term.act(ctx, plan)
			run, wait = plan.run, plan.wait
		}
		// Before the runtime gets the pods: the reports it makes of them are written only
		// for the pods the writer knows to be assigned here.
		a.status.Prune(st, keysOf(run))
		if a.ports != nil {
			a.ports.Update(run, PodIPs(st, a.name))
		}
		a.runtime.SetDesired(run)
		var drained <-chan time.Time
		if wait > 0 {
			drained = time.After(wait)
		}
		if a.current != nil {
			for _, p := range Assigned(st, a.name) {
				if !a.status.Reported(p.Key()) {
					if s, ok := a.current(p.Key()); ok {
						a.status.Report(p.Key(), s)
					}
				}
			}
		}
		select {
		case <-ctx.Done():
			return nil
		case <-keys:
		case <-configMaps:
		case <-secrets:
		case <-tick.C:
		case <-drained:
		case done := <-a.term.finished():
			d.hooksDone(done.key, done.run)
		case <-a.fence.Changes():
		}
		st = store.Read(a.node, a.log)
	}
}

// Assigned lists the pods the store assigns to node, in key order.
func Assigned(st *store.State, node string) []manifest.Pod {
	var mine []manifest.Pod
	for _, key := range sortedKeys(st.Assignments) {
		if as := st.Assignments[key]; as.Node == node {
			mine = append(mine, as.Pod)
		}
	}
	return mine
}

// PodIPs maps the pods the store assigns to node to their pod IPs, for those that have one.
func PodIPs(st *store.State, node string) map[string]string {
	out := map[string]string{}
	for key, as := range st.Assignments {
		if as.Node == node && as.PodIP != "" {
			out[key] = as.PodIP
		}
	}
	return out
}

// keysOf are the keys of pods.
func keysOf(pods []manifest.Pod) map[string]bool {
	out := make(map[string]bool, len(pods))
	for _, p := range pods {
		out[p.Key()] = true
	}
	return out
}

// sortedKeys lists a map's keys in order.
func sortedKeys[V any](m map[string]V) []string {
	return slices.Sorted(maps.Keys(m))
}
