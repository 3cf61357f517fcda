package schedule

import (
	"bytes"
	"maps"
	"slices"
	"time"

	"github.com/podman-swarm/podman-swarm/agent/nodemeta"
	"github.com/podman-swarm/podman-swarm/agent/store"
	"github.com/podman-swarm/podman-swarm/cluster"
	"github.com/podman-swarm/podman-swarm/scheduler"
)

// schedulingInput turns the store and the membership into the scheduler's input.
func schedulingInput(st *store.State, members []cluster.Member, now time.Time, grace time.Duration, seed uint64) scheduler.Input {
	in := scheduler.Input{Now: now, DeadGrace: grace, Seed: seed}
	for _, key := range sortedKeys(st.Deployments) {
		in.Deployments = append(in.Deployments, st.Deployments[key])
	}
	for _, key := range sortedKeys(st.Pods) {
		in.Pods = append(in.Pods, st.Pods[key])
	}
	for _, key := range sortedKeys(st.Assignments) {
		a := st.Assignments[key]
		s, reported := st.Status[key]
		var status scheduler.PodStatus
		// A status reported by another node (one that ran the pod before it moved) says
		// nothing about this assignment.
		if reported && s.Node == a.Node {
			status = scheduler.PodStatus{Phase: s.Phase, Ready: s.Ready}
		}
		in.Assignments = append(in.Assignments, scheduler.Assignment{Pod: a.Pod, Node: a.Node, Status: status})
	}
	for _, m := range members {
		in.Nodes = append(in.Nodes, scheduler.Node{
			Name:   m.Name,
			Labels: nodemeta.Labels(m.Meta),
			State:  nodeState(m.State),
			Since:  m.Since,
		})
	}
	return in
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

// planChanges turns a scheduling plan into store writes: assignments to write and remove,
// and the pending list brought up to date. It writes nothing that is already stored, so
// that a leader whose plan is empty stays silent on the network.
func planChanges(st *store.State, out scheduler.Output) []change {
	var changes []change
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
		value := store.MustJSON(store.Assignment{Pod: c.Pod, Node: c.Node})
		if cur, ok := st.Assignments[key]; ok && bytes.Equal(store.MustJSON(cur), value) {
			continue
		}
		changes = append(changes, change{key: store.AssignmentKey(key), value: value})
	}
	wantPending := map[string]store.Pending{}
	for _, p := range out.Pending {
		wantPending[p.Pod.Key()] = store.Pending{Pod: p.Pod, Reason: p.Reason}
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
