package agent

import (
	"bytes"
	"sort"
	"strings"
	"time"

	"github.com/podman-swarm/podman-swarm/cluster"
	"github.com/podman-swarm/podman-swarm/scheduler"
)

// Node metadata keys gossiped by every agent.
const (
	metaAPI         = "api"    // the node's API address, host:port
	metaAPIScheme   = "apis"   // "https" when the node's API listens on TLS; absent: http
	metaRuntime     = "rt"     // the node's runtime: systemd or none
	metaLabelPrefix = "label/" // label/<key> = <value>: the node's labels, for nodeSelector
)

// nodeLabels reads a member's labels from its metadata.
func nodeLabels(meta map[string]string) map[string]string {
	labels := map[string]string{}
	for k, v := range meta {
		if l, ok := strings.CutPrefix(k, metaLabelPrefix); ok {
			labels[l] = v
		}
	}
	return labels
}

// schedulingInput turns the store and the membership into the scheduler's input.
func schedulingInput(st *state, members []cluster.Member, now time.Time, grace time.Duration, seed uint64) scheduler.Input {
	in := scheduler.Input{Now: now, DeadGrace: grace, Seed: seed}
	for _, key := range sortedKeys(st.deployments) {
		in.Deployments = append(in.Deployments, st.deployments[key])
	}
	for _, key := range sortedKeys(st.pods) {
		in.Pods = append(in.Pods, st.pods[key])
	}
	for _, key := range sortedKeys(st.assignments) {
		a := st.assignments[key]
		s, reported := st.status[key]
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
			Labels: nodeLabels(m.Meta),
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
func planChanges(st *state, out scheduler.Output) []change {
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
		if cur, ok := st.assignments[key]; ok && cur.Node == d.Node {
			changes = append(changes, change{key: prefixAssignment + key, delete: true})
		}
	}
	for _, c := range out.Create {
		key := c.Pod.Key()
		value := mustJSON(assignment{Pod: c.Pod, Node: c.Node})
		if cur, ok := st.assignments[key]; ok && bytes.Equal(mustJSON(cur), value) {
			continue
		}
		changes = append(changes, change{key: prefixAssignment + key, value: value})
	}
	wantPending := map[string]pending{}
	for _, p := range out.Pending {
		wantPending[p.Pod.Key()] = pending{Pod: p.Pod, Reason: p.Reason}
	}
	for _, key := range sortedKeys(st.pending) {
		if _, still := wantPending[key]; !still {
			changes = append(changes, change{key: prefixPending + key, delete: true})
		}
	}
	for _, key := range sortedKeys(wantPending) {
		value := mustJSON(wantPending[key])
		if cur, ok := st.pending[key]; ok && bytes.Equal(mustJSON(cur), value) {
			continue
		}
		changes = append(changes, change{key: prefixPending + key, value: value})
	}
	return changes
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
