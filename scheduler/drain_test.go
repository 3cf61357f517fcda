package scheduler

import (
	"reflect"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
)

func unschedulableNode(n Node) Node { n.Unschedulable = true; return n }

func drained(n Node) Node { n.Drain = true; return n }

func TestCordonedNodeTakesNoNewPodButKeepsItsOwn(t *testing.T) {
	web := deploy("web", 4)
	in := input([]Node{alive("a"), unschedulableNode(alive("b"))}, []*appsv1.Deployment{web}, on(web, 0, "b"))
	out := Plan(in)
	if len(out.Delete) != 0 {
		t.Fatalf("deleted %v; a cordoned node keeps its pods", removedKeys(out.Delete))
	}
	if got := perNode(out.Create, "web"); !reflect.DeepEqual(got, map[string]int{"a": 3}) {
		t.Fatalf("created per node %v; want all 3 new pods on a", got)
	}
	mustBeFixedPoint(t, in, out)
}

func TestCordonedNodesAreCountedInThePendingReason(t *testing.T) {
	web := deploy("web", 1)
	out := Plan(input([]Node{unschedulableNode(alive("a")), alive("b", "disk", "hdd")}, []*appsv1.Deployment{web, deploy("db", 1, selector("disk", "ssd"))}))
	var reason string
	for _, p := range out.Pending {
		if p.Pod.Owner == "db" {
			reason = p.Reason
		}
	}
	want := "0/2 nodes are available: 1 node(s) were unschedulable, 1 node(s) didn't match nodeSelector."
	if reason != want {
		t.Fatalf("pending reason %q; want %q", reason, want)
	}
}

func TestDaemonSetStillRunsOnACordonedNode(t *testing.T) {
	ds := daemonSetOf("logs")
	in := dsInput([]Node{alive("a"), unschedulableNode(alive("b")), drained(alive("c"))}, []*appsv1.DaemonSet{ds}, dsOn(ds, "c"))
	out := Plan(in)
	if got := dsNodes(in, out, "logs"); !reflect.DeepEqual(got, map[string]int{"a": 1, "b": 1, "c": 1}) {
		t.Fatalf("DaemonSet pods per node %v; want one on each node, cordoned and drained ones too", got)
	}
	mustBeFixedPoint(t, in, out)
}

// TestDrainReplacesBeforeItStops follows a drain plan by plan: the replacements are placed
// at once beside the pods they replace, which stop only once their replacements are
// available.
func TestDrainReplacesBeforeItStops(t *testing.T) {
	web := deploy("web", 3)
	in := input([]Node{alive("a"), alive("b"), drained(alive("c"))}, []*appsv1.Deployment{web},
		on(web, 0, "a"), on(web, 1, "b"), on(web, 2, "c"))
	out := Plan(in)
	if len(out.Delete) != 0 {
		t.Fatalf("first plan deleted %v; the pod on c must wait for its replacement", removedKeys(out.Delete))
	}
	if len(out.Create) != 1 || out.Create[0].Node == "c" {
		t.Fatalf("first plan created %v; want one replacement off c", placement(out.Create))
	}
	replacement := out.Create[0].Pod.Key()
	if replacement == key(web, 2) {
		t.Fatalf("the replacement took the name of the pod it replaces, %s", replacement)
	}
	in = apply(in, out)
	// The replacement is not ready yet: nothing more happens.
	if again := Plan(in); !again.Empty() {
		t.Fatalf("plan before the replacement is ready creates %v, deletes %v; want nothing",
			keys(again.Create), removedKeys(again.Delete))
	}
	in = markReady(in)
	out = Plan(in)
	if got := removedKeys(out.Delete); !reflect.DeepEqual(got, []string{key(web, 2)}) || len(out.Create) != 0 {
		t.Fatalf("once the replacement is ready the plan deletes %v and creates %v; want only %s deleted",
			got, keys(out.Create), key(web, 2))
	}
	if !strings.Contains(out.Delete[0].Reason, "node c is drained") {
		t.Errorf("removal reason %q; want it to say the node is drained", out.Delete[0].Reason)
	}
	in = apply(in, out)
	if got := perNode(in.Assignments, "web"); got["c"] != 0 || len(in.Assignments) != 3 {
		t.Fatalf("after the drain, web per node %v; want 3 pods, none on c", got)
	}
	mustBeFixedPoint(t, in, Plan(in))
}

func TestDrainOfTheLastNodeThatFitsKeepsThePodAndSaysWhy(t *testing.T) {
	web := deploy("web", 1, selector("disk", "ssd"))
	in := input([]Node{alive("a"), drained(alive("b", "disk", "ssd"))}, []*appsv1.Deployment{web}, on(web, 0, "b"))
	out := Plan(in)
	if len(out.Delete) != 0 || len(out.Create) != 0 {
		t.Fatalf("plan creates %v, deletes %v; the pod must stay where it alone fits", keys(out.Create), removedKeys(out.Delete))
	}
	if len(out.Pending) != 1 || !strings.Contains(out.Pending[0].Reason, "1 node(s) were unschedulable") {
		t.Fatalf("pending %+v; want the replacement pending, saying the drained node is unschedulable", out.Pending)
	}
	mustBeFixedPoint(t, in, out)
}

func TestDrainLeavesPodsWithDataOnTheNode(t *testing.T) {
	db := deploy("db", 1, hostData("/srv/db"))
	in := input([]Node{alive("a"), drained(alive("b"))}, []*appsv1.Deployment{db}, on(db, 0, "b"))
	out := Plan(in)
	if !out.Empty() {
		t.Fatalf("plan creates %v, deletes %v; a pod with data on its node stays", keys(out.Create), removedKeys(out.Delete))
	}
}

func TestDrainMovesABarePodWhenAnotherNodeTakesIt(t *testing.T) {
	tools := barePodManifest("tools", 8080)
	in := bareInput([]Node{alive("a"), drained(alive("b"))}, []*corev1.Pod{tools}, bareOn(tools, "b"))
	out := Plan(in)
	if got := placement(out.Create); !reflect.DeepEqual(got, map[string]string{"default/tools": "a"}) {
		t.Fatalf("created %v; want tools moved to a", got)
	}
	if len(out.Delete) != 1 || out.Delete[0].Node != "b" {
		t.Fatalf("deleted %+v; want tools taken off b", out.Delete)
	}
	mustBeFixedPoint(t, in, out)
}

func TestDrainKeepsABarePodNoOtherNodeTakesAndSaysWhy(t *testing.T) {
	tools, other := barePodManifest("tools", 8080), barePodManifest("other", 8080)
	in := bareInput([]Node{alive("a"), drained(alive("b"))}, []*corev1.Pod{tools, other}, bareOn(tools, "b"), bareOn(other, "a"))
	out := Plan(in)
	if len(out.Create) != 0 || len(out.Delete) != 0 {
		t.Fatalf("plan creates %v, deletes %v; tools must stay on b", keys(out.Create), removedKeys(out.Delete))
	}
	want := "node b is drained, but the pod cannot leave it: 0/2 nodes are available: 1 node(s) were unschedulable, 1 node(s) have port 8080/TCP in use."
	if len(out.Pending) != 1 || out.Pending[0].Reason != want || !out.Pending[0].Stays || out.Pending[0].Node != "b" {
		t.Fatalf("pending %+v; want tools saying %q", out.Pending, want)
	}
}

func TestDrainWithLocalDataMovesPinnedPodsThatFitElsewhere(t *testing.T) {
	db := deploy("db", 1, hostData("/srv/db"))
	b := drained(alive("b"))
	b.DrainLocalData = true
	in := input([]Node{alive("a"), b}, []*appsv1.Deployment{db}, on(db, 0, "b"))
	out := Plan(in)
	if got := placement(out.Create); len(got) != 1 || len(out.Delete) != 0 {
		t.Fatalf("plan creates %v, deletes %v; want the replacement placed, the old pod kept until it is ready", got, removedKeys(out.Delete))
	}
	in = markReady(apply(in, out))
	out = Plan(in)
	if got := removedKeys(out.Delete); !reflect.DeepEqual(got, []string{key(db, 0)}) {
		t.Fatalf("once the replacement is ready the plan deletes %v; want %s", got, key(db, 0))
	}
	mustBeFixedPoint(t, in, out)
}
