package scheduler

import (
	"fmt"
	"slices"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"pgregory.net/rapid"

	"github.com/podman-swarm/podman-swarm/manifest"
)

// drawStatefulSet draws a StatefulSet named name: replicas, pod management, update
// strategy, partition, image, with or without a claim template.
func drawStatefulSet(t *rapid.T, name string) *appsv1.StatefulSet {
	var opts []func(*appsv1.StatefulSet)
	if rapid.Bool().Draw(t, "parallel") {
		opts = append(opts, parallel)
	}
	switch rapid.IntRange(0, 2).Draw(t, "strategy") {
	case 1:
		opts = append(opts, setOnDelete)
	case 2:
		opts = append(opts, partition(int32(rapid.IntRange(0, 4).Draw(t, "partition"))))
	}
	opts = append(opts, setImage(fmt.Sprintf("example.org/db:%d", rapid.IntRange(1, 3).Draw(t, "image"))))
	s := sts(name, rapid.IntRange(0, 5).Draw(t, "replicas"), opts...)
	if !rapid.Bool().Draw(t, "claims") {
		s.Spec.VolumeClaimTemplates = nil
		s.Spec.Template.Spec.Containers[0].VolumeMounts = nil
	}
	return s
}

// healthyIn reports whether the input holds the pod of key running and ready on an alive
// node.
func healthyIn(in Input, key string) bool {
	state := map[string]NodeState{}
	for _, n := range in.Nodes {
		state[n.Name] = n.State
	}
	for _, a := range in.Assignments {
		if a.Pod.Key() == key {
			return a.Status.Phase == corev1.PodRunning && a.Status.Ready && state[a.Node] == NodeAlive
		}
	}
	return false
}

// checkStatefulPlan checks one plan of a StatefulSet against the input it was made from.
func checkStatefulPlan(t *rapid.T, round int, in Input, out Output, s *appsv1.StatefulSet) {
	replicas := manifest.StatefulSetReplicas(s)
	before := map[string]Assignment{}
	for _, a := range in.Assignments {
		before[a.Pod.Key()] = a
	}
	changed := map[string]bool{}
	for _, c := range out.Create {
		if c.Pod.Owner != s.Name || c.Pod.OwnerKind != manifest.KindStatefulSet {
			continue
		}
		changed[c.Pod.Key()] = true
		ordinal, ok := statefulOrdinal(s.Name, c.Pod.Name)
		if !ok || ordinal >= replicas {
			t.Fatalf("round %d: created %s, replicas %d", round, c.Pod.Name, replicas)
		}
		if c.Pod.TemplateHash != manifest.StatefulSetHash(s, nil) {
			t.Fatalf("round %d: created %s with an older template", round, c.Pod.Name)
		}
		old, existed := before[c.Pod.Key()]
		switch {
		case existed && old.Node == c.Node && old.Pod.TemplateHash != c.Pod.TemplateHash:
			// A rolling update: never below the partition, never with OnDelete, and only
			// while every pod of the set is healthy.
			if manifest.OnDelete(s) || ordinal < manifest.StatefulSetPartition(s) {
				t.Fatalf("round %d: %s updated (OnDelete %v, partition %d)", round, c.Pod.Name, manifest.OnDelete(s), manifest.StatefulSetPartition(s))
			}
			for i := 0; i < replicas; i++ {
				if !healthyIn(in, s.Namespace+"/"+manifest.StatefulSetPodName(s.Name, i)) {
					t.Fatalf("round %d: %s updated while %s-%d is not healthy", round, c.Pod.Name, s.Name, i)
				}
			}
		case !existed && manifest.OrderedReady(s):
			for i := 0; i < ordinal; i++ {
				if !healthyIn(in, s.Namespace+"/"+manifest.StatefulSetPodName(s.Name, i)) {
					t.Fatalf("round %d: %s created while %s-%d is not healthy", round, c.Pod.Name, s.Name, i)
				}
			}
		}
	}
	for _, r := range out.Delete {
		if r.Pod.Owner != s.Name || r.Pod.OwnerKind != manifest.KindStatefulSet {
			continue
		}
		if r.Reason != "scaled down" {
			// A pod whose node is gone is let go whatever the policy, as Kubernetes' node
			// lifecycle does; a rolling update's removal comes with its creation.
			continue
		}
		changed[r.Pod.Key()] = true
		// Scale down goes from the highest ordinal.
		ordinal, _ := statefulOrdinal(s.Name, r.Pod.Name)
		for key := range before {
			if o, ok := statefulOrdinal(s.Name, before[key].Pod.Name); ok && before[key].Pod.OwnerKind == manifest.KindStatefulSet &&
				o > ordinal && !removedIn(out, key) {
				t.Fatalf("round %d: %s scaled down while %s stays", round, r.Pod.Name, key)
			}
		}
	}
	if manifest.OrderedReady(s) && len(changed) > 1 {
		t.Fatalf("round %d: OrderedReady set changed %d pods at once: %v", round, len(changed), changed)
	}
	if len(out.Unused) > 0 {
		t.Fatalf("round %d: claims released: %v", round, out.Unused)
	}
}

func removedIn(out Output, key string) bool {
	for _, r := range out.Delete {
		if r.Pod.Key() == key {
			return true
		}
	}
	return false
}

// Through a run of plans while the StatefulSet is scaled and changed, its pods turn ready
// or not, and nodes die, come back or leave: pods are created only below replicas, in
// order and once the ones before are healthy when OrderedReady, one at a time; scale down
// takes the highest ordinal; updates spare the ordinals below the partition and wait for
// every pod to be healthy; claims are never released and every pod runs on its claim's
// node. Once the nodes are alive and pods turn ready, the set reaches its spec: pods 0 to
// replicas-1, those at or above the partition of the current template. A pod the user
// deletes is removed alone, never made again in the same plan.
func TestStatefulSetProperties(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		var nodes []Node
		for i := rapid.IntRange(1, 4).Draw(t, "nodes"); i > 0; i-- {
			nodes = append(nodes, alive(fmt.Sprintf("n%d", i)))
		}
		s := drawStatefulSet(t, "db")
		in := setInput(nodes, s)
		in.Seed = rapid.Uint64().Draw(t, "seed")
		for round := 0; round < 12; round++ {
			in.Now = t0.Add(time.Duration(round) * grace * 2)
			out := Plan(in)
			checkStatefulPlan(t, round, in, out, s)
			for _, k := range out.DeletedPods {
				if !in.DeletePods[k] || !removedIn(out, k) || slices.ContainsFunc(out.Create, func(a Assignment) bool { return a.Pod.Key() == k }) {
					t.Fatalf("round %d: deleted %s (asked %v) is not removed alone: creates %v", round, k, in.DeletePods, keys(out.Create))
				}
			}
			in = applySets(in, out)
			in.DeletePods = nil // the caller deletes the requests, served or not
			for _, a := range in.Assignments {
				for _, name := range manifest.ClaimNames(&a.Pod.Spec) {
					if c := in.Claims["default/"+name]; c.Node != a.Node {
						t.Fatalf("round %d: %s on %s, its claim %s on %q", round, a.Pod.Name, a.Node, name, c.Node)
					}
				}
			}
			if rapid.Bool().Draw(t, "ready") {
				in = markReady(in)
			}
			switch rapid.IntRange(0, 4).Draw(t, "change") {
			case 0:
				s = drawStatefulSet(t, "db")
				in.StatefulSets = []*appsv1.StatefulSet{s}
			case 2:
				in.DeletePods = map[string]bool{fmt.Sprintf("default/db-%d", rapid.IntRange(0, 5).Draw(t, "deletePod")): true}
			case 1:
				i := rapid.IntRange(0, len(in.Nodes)-1).Draw(t, "node")
				state := rapid.SampledFrom([]NodeState{NodeAlive, NodeDead, NodeLeft, NodeSuspect}).Draw(t, "state")
				in.Nodes[i] = Node{Name: in.Nodes[i].Name, State: state, Since: in.Now}
			}
		}
		for i := range in.Nodes {
			in.Nodes[i].State = NodeAlive
		}
		replicas := manifest.StatefulSetReplicas(s)
		for round := 0; ; round++ {
			if round > 3*replicas+8 {
				t.Fatalf("no fixed point after %d rounds", round)
			}
			in = markReady(in)
			out := Plan(in)
			checkStatefulPlan(t, 100+round, in, out, s)
			if out.Empty() {
				break
			}
			in = applySets(in, out)
			in.DeletePods = nil
		}
		if len(in.Assignments) != replicas {
			t.Fatalf("converged with %v, want %d pods", keys(in.Assignments), replicas)
		}
		for _, a := range in.Assignments {
			ordinal, ok := statefulOrdinal("db", a.Pod.Name)
			if !ok || ordinal >= replicas {
				t.Fatalf("converged with %s, replicas %d", a.Pod.Name, replicas)
			}
			if !manifest.OnDelete(s) && ordinal >= manifest.StatefulSetPartition(s) && a.Pod.TemplateHash != manifest.StatefulSetHash(s, nil) {
				t.Fatalf("converged with %s of an older template, partition %d", a.Pod.Name, manifest.StatefulSetPartition(s))
			}
		}
	})
}
