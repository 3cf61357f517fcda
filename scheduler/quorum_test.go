package scheduler

import (
	"reflect"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
)

func TestMajority(t *testing.T) {
	for _, tt := range []struct {
		alive, known int
		want         bool
	}{
		{1, 1, true}, {1, 2, false}, {2, 2, true}, {1, 3, false}, {2, 3, true},
		{2, 4, false}, {3, 4, true}, {2, 5, false}, {3, 5, true}, {0, 0, false},
	} {
		if got := Majority(tt.alive, tt.known); got != tt.want {
			t.Errorf("Majority(%d, %d) = %v; want %v", tt.alive, tt.known, got, tt.want)
		}
	}
}

// The small side of a partition sees the pods of the large side's nodes on dead nodes, for
// longer than the grace period: it must not place them again, since the other side runs
// them still.
func TestNoQuorumPlansNothing(t *testing.T) {
	web := deploy("web", 5)
	long := 10 * grace
	minority := []Node{alive("d"), alive("e"), inState("a", NodeDead, long), inState("b", NodeDead, long), inState("c", NodeDead, long)}
	in := input(minority, []*appsv1.Deployment{web},
		on(web, 0, "a"), on(web, 1, "b"), on(web, 2, "c"), on(web, 3, "d"), on(web, 4, "e"))
	if out := Plan(in); len(out.Create) != 3 {
		t.Fatalf("without Known the plan moves %v; the test wants a plan with something to refuse", keys(out.Create))
	}
	in.Known = []string{"a", "b", "c", "d", "e"}
	out := Plan(in)
	want := Output{NoQuorum: "only 2 of the 5 known members are alive (d, e), not more than half; the others may still run their pods: a (dead), b (dead), c (dead)"}
	if !reflect.DeepEqual(out, want) {
		t.Fatalf("plan = %+v; want %+v", out, want)
	}

	// A member remembered but not seen since this node started counts as known.
	in.Nodes = []Node{alive("d"), alive("e"), inState("a", NodeDead, long)}
	in.Known = []string{"a", "b", "d", "e"}
	if out := Plan(in); out.NoQuorum != "only 2 of the 4 known members are alive (d, e), not more than half; the others may still run their pods: a (dead), b (not seen since this node started)" {
		t.Fatalf("NoQuorum = %q", out.NoQuorum)
	}

	// The large side has its quorum and moves them.
	majority := []Node{alive("a"), alive("b"), alive("c"), inState("d", NodeDead, long), inState("e", NodeDead, long)}
	in = input(majority, []*appsv1.Deployment{web},
		on(web, 0, "a"), on(web, 1, "b"), on(web, 2, "c"), on(web, 3, "d"), on(web, 4, "e"))
	in.Known = []string{"a", "b", "c", "d", "e"}
	out = Plan(in)
	if out.NoQuorum != "" || len(out.Create) != 2 || perNode(out.Create, "")["d"]+perNode(out.Create, "")["e"] != 0 {
		t.Fatalf("majority plan = creates %v (%v), NoQuorum %q; want 2 pods moved to a, b, c", keys(out.Create), placement(out.Create), out.NoQuorum)
	}
}

// A single node is its own majority: alone, it schedules as before.
func TestSingleNodeHasQuorum(t *testing.T) {
	in := input([]Node{alive("solo")}, []*appsv1.Deployment{deploy("web", 2)})
	in.Known = []string{"solo"}
	if out := Plan(in); out.NoQuorum != "" || len(out.Create) != 2 {
		t.Fatalf("plan = %+v; want 2 pods on solo", out)
	}
}

// Suspect members are known but not alive: a leader that suspects most of the cluster waits.
func TestSuspectsDoNotCountAsAlive(t *testing.T) {
	in := input([]Node{alive("a"), inState("b", NodeSuspect, time.Second), inState("c", NodeSuspect, time.Second)},
		[]*appsv1.Deployment{deploy("web", 1)})
	in.Known = []string{"a", "b", "c"}
	if out := Plan(in); out.NoQuorum == "" || !out.Empty() {
		t.Fatalf("plan = %+v; want no quorum", out)
	}
}
