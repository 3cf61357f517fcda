package scheduler

import (
	"reflect"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
)

func TestAJoiningNodeMovesNothing(t *testing.T) {
	web := deploy("web", 4)
	in := input([]Node{alive("a"), alive("b"), alive("new")}, []*appsv1.Deployment{web},
		on(web, 0, "a"), on(web, 1, "a"), on(web, 2, "a"), on(web, 3, "b"))
	if out := Plan(in); !out.Empty() || len(out.Pending) != 0 {
		t.Fatalf("plan = %+v; want nothing to do", out)
	}
}

func TestChangedNodeLabelsMoveNothing(t *testing.T) {
	// Like Kubernetes' nodeSelector: checked when placing, ignored during execution.
	gpu := deploy("gpu", 1, selector("gpu", "yes"))
	in := input([]Node{alive("a", "gpu", "no"), alive("b", "gpu", "yes")}, []*appsv1.Deployment{gpu},
		on(gpu, 0, "a"))
	if out := Plan(in); !out.Empty() {
		t.Fatalf("plan = %+v; want nothing to do", out)
	}
}

func TestNodeStates(t *testing.T) {
	web := deploy("web", 2)
	tests := []struct {
		name      string
		node      Node
		moves     bool
		reason    string // of the removal, when the pod moves
		recheckAt time.Time
	}{
		{name: "alive keeps", node: alive("x")},
		{name: "suspect keeps", node: inState("x", NodeSuspect, time.Hour)},
		{name: "unknown state keeps", node: inState("x", "draining", time.Hour)},
		{name: "dead within grace keeps", node: inState("x", NodeDead, grace-time.Second), recheckAt: t0.Add(time.Second)},
		{name: "dead for the grace period moves", node: inState("x", NodeDead, grace), moves: true, reason: "node x dead for 1m0s"},
		{name: "dead long ago moves", node: inState("x", NodeDead, 90*time.Minute), moves: true, reason: "node x dead for 1h30m0s"},
		{name: "left moves at once", node: inState("x", NodeLeft, 0), moves: true, reason: "node x left"},
		{name: "not a member moves", node: inState("elsewhere", NodeSuspect, 0), moves: true, reason: "node x is not a member"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			nodes := []Node{alive("a"), tt.node}
			in := input(nodes, []*appsv1.Deployment{web}, on(web, 0, "a"), on(web, 1, "x"))
			out := Plan(in)
			if !out.RecheckAt.Equal(tt.recheckAt) {
				t.Errorf("RecheckAt = %v; want %v", out.RecheckAt, tt.recheckAt)
			}
			if !tt.moves {
				if !out.Empty() {
					t.Fatalf("plan = %+v; want nothing to do", out)
				}
				return
			}
			// The pod keeps its name and moves to the only alive node.
			if got := placement(out.Create); !reflect.DeepEqual(got, map[string]string{key(web, 1): "a"}) {
				t.Errorf("created %v; want %s on a", got, key(web, 1))
			}
			if len(out.Delete) != 1 || out.Delete[0].Pod.Key() != key(web, 1) || out.Delete[0].Node != "x" {
				t.Fatalf("deleted %+v; want %s on x", out.Delete, key(web, 1))
			}
			if out.Delete[0].Reason != tt.reason {
				t.Errorf("removal reason = %q; want %q", out.Delete[0].Reason, tt.reason)
			}
			mustBeFixedPoint(t, in, out)
		})
	}
}

func TestPodsOfAGoneNodeThatFitNowhereArePending(t *testing.T) {
	web := deploy("web", 2, port(80))
	in := input([]Node{alive("a"), inState("x", NodeLeft, 0)}, []*appsv1.Deployment{web},
		on(web, 0, "a"), on(web, 1, "x"))
	out := Plan(in)
	if len(out.Create) != 0 || len(out.Delete) != 1 {
		t.Fatalf("plan creates %v, deletes %v; want only the removal from x", keys(out.Create), removedKeys(out.Delete))
	}
	if len(out.Pending) != 1 || out.Pending[0].Pod.Key() != key(web, 1) ||
		out.Pending[0].Reason != "0/2 nodes are available: 1 node(s) had left, 1 node(s) have port 80/TCP in use." {
		t.Fatalf("pending = %+v", out.Pending)
	}
	mustBeFixedPoint(t, in, out)
}

func TestANodeBackAfterItsPodsMovedGetsNothingBack(t *testing.T) {
	web := deploy("web", 2)
	nodes := []Node{alive("a"), alive("b"), inState("x", NodeDead, time.Hour)}
	in := input(nodes, []*appsv1.Deployment{web}, on(web, 0, "a"), on(web, 1, "x"))
	in = markReady(apply(in, Plan(in)))
	moved := placement(in.Assignments)
	if moved[key(web, 1)] == "x" {
		t.Fatalf("pod still on the dead node: %v", moved)
	}
	in.Nodes[2] = alive("x")
	out := Plan(in)
	if !out.Empty() {
		t.Fatalf("plan after x came back = creates %v, deletes %v; want nothing", keys(out.Create), removedKeys(out.Delete))
	}
}

func TestDeadNodeRecheckIsTheEarliestGraceEnd(t *testing.T) {
	web := deploy("web", 3)
	nodes := []Node{alive("a"), inState("x", NodeDead, 10*time.Second), inState("y", NodeDead, 40*time.Second),
		inState("empty", NodeDead, 50*time.Second)}
	in := input(nodes, []*appsv1.Deployment{web}, on(web, 0, "a"), on(web, 1, "x"), on(web, 2, "y"))
	out := Plan(in)
	if want := t0.Add(grace - 40*time.Second); !out.RecheckAt.Equal(want) {
		t.Fatalf("RecheckAt = %v; want %v (node y, the first whose grace ends and that holds pods)", out.RecheckAt, want)
	}
}

func TestDuplicateAssignmentKeepsOneOnAUsableNode(t *testing.T) {
	web := deploy("web", 1)
	in := input([]Node{alive("a"), alive("b"), inState("c", NodeLeft, 0)}, []*appsv1.Deployment{web},
		on(web, 0, "c"), on(web, 0, "b"), on(web, 0, "a"))
	out := Plan(in)
	if len(out.Create) != 0 || len(out.Delete) != 2 {
		t.Fatalf("plan creates %v, deletes %+v; want two removals", keys(out.Create), out.Delete)
	}
	if out.Delete[0].Node != "b" || !strings.Contains(out.Delete[0].Reason, "another node") ||
		out.Delete[1].Node != "c" || out.Delete[1].Reason != "node c left" {
		t.Fatalf("deleted %+v; want the copies on b and c", out.Delete)
	}
	mustBeFixedPoint(t, in, out)
}
