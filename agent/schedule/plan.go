package schedule

import (
	"bytes"
	"maps"
	"slices"
	"time"

	"github.com/podman-swarm/podman-swarm/agent/nodemeta"
	"github.com/podman-swarm/podman-swarm/agent/store"
	"github.com/podman-swarm/podman-swarm/cluster"
	"github.com/podman-swarm/podman-swarm/netalloc"
	"github.com/podman-swarm/podman-swarm/scheduler"
)

// schedulingInput turns the store and the membership into the scheduler's input; removed
// names the members removed for good, which the membership lists as left.
func schedulingInput(st *store.State, members []cluster.Member, removed map[string]bool, now time.Time, grace time.Duration, seed uint64) scheduler.Input {
	in := scheduler.Input{Now: now, DeadGrace: grace, Seed: seed, RollingOut: rollingOut(st), Claims: claimInputs(st),
		Config: configOf(st), StatefulSets: statefulSetInputs(st), DeletePods: podDeletionInputs(st),
		HeldPods: heldPodInputs(st)}
	for _, key := range sortedKeys(st.Deployments) {
		in.Deployments = append(in.Deployments, st.Deployments[key])
	}
	for _, key := range sortedKeys(st.Pods) {
		in.Pods = append(in.Pods, st.Pods[key])
	}
	for _, key := range sortedKeys(st.DaemonSets) {
		in.DaemonSets = append(in.DaemonSets, st.DaemonSets[key])
	}
	for _, key := range sortedKeys(st.Assignments) {
		a := st.Assignments[key]
		s, reported := st.Status[key]
		var status scheduler.PodStatus
		// A status reported by another node (one that ran the pod before it moved) says
		// nothing about this assignment.
		if reported && s.Describes(a) {
			status = scheduler.PodStatus{Phase: s.Phase, Ready: s.Ready, ReadySince: s.ReadySince}
		}
		in.Assignments = append(in.Assignments, scheduler.Assignment{Pod: a.Pod, Node: a.Node, Status: status, PodIP: a.PodIP})
	}
	for _, m := range members {
		state := nodeState(m.State)
		if removed[m.Name] {
			state = scheduler.NodeRemoved
		}
		in.Nodes = append(in.Nodes, scheduler.Node{
			Name:   m.Name,
			Labels: nodemeta.Labels(m.Meta),
			State:  state,
			Since:  m.Since,
		})
	}
	return in
}

// pingTargets lists the nodes the pings that confirm a plan go to: the alive ones other
// than self, and the dead ones the plan takes pods from. A dead node is pinged once, when
// its pods are about to move; one that only keeps pods pinned to it is not.
func pingTargets(in scheduler.Input, plan scheduler.Output, self string) []string {
	losing := map[string]bool{}
	for _, r := range plan.Delete {
		losing[r.Node] = true
	}
	var out []string
	for _, n := range in.Nodes {
		if n.Name != self && (n.State == scheduler.NodeAlive || n.State == scheduler.NodeDead && losing[n.Name]) {
			out = append(out, n.Name)
		}
	}
	return out
}

// byReach corrects the membership with the pings' answers: an alive node other than self
// that did not answer, and a dead one that did, count as suspect (they keep their pods,
// take no new ones, and are not alive for the quorum). The first may be cut off and not
// declared dead yet; the second is back on the network, but this node's membership has
// not seen it rejoin yet: when a partition heals, the sides rejoin member by member, and
// a leader that has met only some of the other side must not move the pods of the rest.
func byReach(nodes []scheduler.Node, self string, reached map[string]bool) []scheduler.Node {
	out := make([]scheduler.Node, len(nodes))
	for i, n := range nodes {
		switch {
		case n.State == scheduler.NodeAlive && n.Name != self && !reached[n.Name]:
			n.State = scheduler.NodeSuspect
		case n.State == scheduler.NodeDead && reached[n.Name]:
			n.State = scheduler.NodeSuspect
		}
		out[i] = n
	}
	return out
}

func nodeState(s cluster.MemberState) scheduler.NodeState {
	switch s {
	case cluster.StateAlive:
		return scheduler.NodeAlive
	case cluster.StateDead:
		return scheduler.NodeDead
	case cluster.StateLeft:
		return scheduler.NodeLeft
	}
	return scheduler.NodeSuspect
}

// change is one write to the store.
type change struct {
	key    string
	value  []byte // nil: delete
	delete bool
}

// oncePerKey keeps one change of each key, the last, where it comes first: the store takes
// a key once per atomic write, and the plan's parts may touch one key each (a Job its TTL
// deletes, in a namespace being emptied). The later parts are the ones that delete.
func oncePerKey(changes []change) []change {
	at := make(map[string]int, len(changes)) // key -> its index in out
	out := make([]change, 0, len(changes))
	for _, c := range changes {
		if i, ok := at[c.key]; ok {
			out[i] = c
			continue
		}
		at[c.key] = len(out)
		out = append(out, c)
	}
	return out
}

// planChanges turns a scheduling plan and a Service allocation plan into store writes:
// assignments to write and remove, the pending list brought up to date, the Services'
// allocations, and the claims' bindings (in the same write as the pods they place, so
// that no pod runs on a claim whose binding another leader could give elsewhere). It writes nothing that is already stored, so that a leader whose plan is
// empty stays silent on the network.
func planChanges(st *store.State, out scheduler.Output, alloc netalloc.ServicePlan, now time.Time) []change {
	changes := append(allocationChanges(alloc), claimChanges(st, out, now)...)
	changes = append(changes, daemonSetStatusChanges(st, out)...)
	changes = append(changes, statefulSetClaimChanges(st, out)...)
	changes = append(changes, podDeletionChanges(st, out, now)...)
	created := map[string]bool{}
	for _, c := range out.Create {
		created[c.Pod.Key()] = true
	}
	for _, d := range out.Delete {
		key := d.Pod.Key()
		if created[key] {
			continue // the pod moves: the new assignment replaces the old under the same key
		}
		if cur, ok := st.Assignments[key]; ok && cur.Node == d.Node {
			changes = append(changes, change{key: store.AssignmentKey(key), delete: true})
		}
	}
	for _, c := range out.Create {
		key := c.Pod.Key()
		value := store.MustJSON(store.Assignment{Pod: c.Pod, Node: c.Node, PodIP: c.PodIP})
		if cur, ok := st.Assignments[key]; ok && bytes.Equal(store.MustJSON(cur), value) {
			continue
		}
		changes = append(changes, change{key: store.AssignmentKey(key), value: value})
	}
	wantPending := map[string]store.Pending{}
	for _, p := range out.Pending {
		wantPending[p.Pod.Key()] = store.Pending{Pod: p.Pod, Reason: p.Reason, Node: p.Node}
	}
	for _, key := range sortedKeys(st.Pending) {
		if _, still := wantPending[key]; !still {
			changes = append(changes, change{key: store.PendingKey(key), delete: true})
		}
	}
	for _, key := range sortedKeys(wantPending) {
		value := store.MustJSON(wantPending[key])
		if cur, ok := st.Pending[key]; ok && bytes.Equal(store.MustJSON(cur), value) {
			continue
		}
		changes = append(changes, change{key: store.PendingKey(key), value: value})
	}
	return changes
}

// sortedKeys lists a map's keys in order, so that a plan does not depend on map order.
func sortedKeys[V any](m map[string]V) []string {
	return slices.Sorted(maps.Keys(m))
}
