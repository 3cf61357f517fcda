package scheduler

import (
	"fmt"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"pgregory.net/rapid"

	"github.com/podman-swarm/podman-swarm/manifest"
)

// A Job's pods through StepJob and Plan together, while nodes die and leave and pods
// finish: every pod the Job runs is placed on one node at most, or pending; a pod that
// finished, or that the Job no longer runs, leaves its node in the plan after the step
// that counts it; a pod whose node is gone before it finished is placed again elsewhere
// under its name; and every plan is a fixed point.
func TestJobPodsThroughPlanProperties(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		j := testJob(int32(rapid.IntRange(1, 5).Draw(t, "completions")), int32(rapid.IntRange(1, 3).Draw(t, "parallelism")), 3,
			corev1.RestartPolicyNever)
		var nodes []Node
		for i := rapid.IntRange(1, 4).Draw(t, "nodes"); i > 0; i-- {
			nodes = append(nodes, alive(fmt.Sprintf("n%d", i)))
		}
		in := input(nodes, nil)
		now := jobEpoch
		var rec JobRecord
		for range rapid.IntRange(1, 25).Draw(t, "steps") {
			// What the nodes report of the pods they run.
			var states []JobPodState
			for i, a := range in.Assignments {
				st := JobPodState{Name: a.Pod.Name, Node: a.Node, Phase: corev1.PodRunning}
				if up(in.Nodes, a.Node) {
					switch rapid.IntRange(0, 3).Draw(t, "outcome") {
					case 0:
						st.Phase = corev1.PodSucceeded
					case 1:
						st.Phase = corev1.PodFailed
					}
				}
				in.Assignments[i].Status.Phase = st.Phase
				states = append(states, st)
			}
			// A node may die, leave or come back.
			if k := rapid.IntRange(-1, len(in.Nodes)-1).Draw(t, "nodeChange"); k >= 0 {
				n := &in.Nodes[k]
				switch rapid.IntRange(0, 2).Draw(t, "to") {
				case 0:
					n.State, n.Since = NodeDead, in.Now.Add(-2*grace)
				case 1:
					n.State = NodeLeft
				default:
					n.State, n.Since = NodeAlive, in.Now.Add(-time.Hour)
				}
			}
			now = now.Add(time.Duration(rapid.IntRange(0, 120).Draw(t, "seconds")) * time.Second)
			step := StepJob(j, rec, states, now)
			rec = step.Record
			in.Pods = nil
			run := map[string]bool{}
			for _, i := range step.Run {
				p := manifest.JobPod(j, i)
				run[p.Name] = true
				in.Pods = append(in.Pods, &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: p.Name, Namespace: p.Namespace,
					Labels: p.Labels, Annotations: p.Annotations}, Spec: p.Spec})
			}
			in.Now = now
			out := Plan(in)
			in = apply(in, out)
			if again := Plan(in); !again.Empty() {
				t.Fatalf("not a fixed point: second plan creates %v, deletes %v", keys(again.Create), removedKeys(again.Delete))
			}
			finished := map[string]bool{}
			for _, f := range rec.Finished {
				finished[f.Name] = true
			}
			placed := map[string]string{}
			for _, a := range in.Assignments {
				if finished[a.Pod.Name] {
					t.Fatalf("pod %s finished and still on %s", a.Pod.Name, a.Node)
				}
				if other, twice := placed[a.Pod.Name]; twice {
					t.Fatalf("pod %s on %s and %s", a.Pod.Name, other, a.Node)
				}
				placed[a.Pod.Name] = a.Node
				if !run[a.Pod.Name] {
					t.Fatalf("pod %s on %s, which the Job no longer runs (runs %v)", a.Pod.Name, a.Node, step.Run)
				}
				if gone(in.Nodes, a.Node) {
					t.Fatalf("pod %s left on %s, which is gone", a.Pod.Name, a.Node)
				}
			}
			pending := map[string]bool{}
			for _, p := range out.Pending {
				pending[p.Pod.Name] = true
			}
			for name := range run {
				if placed[name] == "" && !pending[name] {
					t.Fatalf("pod %s neither placed nor pending", name)
				}
			}
		}
	})
}

func up(nodes []Node, name string) bool {
	for _, n := range nodes {
		if n.Name == name {
			return n.State == NodeAlive
		}
	}
	return false
}

func gone(nodes []Node, name string) bool {
	for _, n := range nodes {
		if n.Name == name {
			return n.State == NodeLeft || n.State == NodeDead
		}
	}
	return true
}
