package schedule

import (
	"reflect"
	"testing"
	"time"

	"github.com/podman-swarm/podman-swarm/agent/store"
	"github.com/podman-swarm/podman-swarm/cluster"
	"github.com/podman-swarm/podman-swarm/manifest"
	"github.com/podman-swarm/podman-swarm/scheduler"
)

// A member removed for good is listed left by the membership; the scheduler must see it
// removed, since only that releases the pods pinned to it.
func TestSchedulingInputMarksRemovedMembers(t *testing.T) {
	now := time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)
	members := []cluster.Member{
		{Name: "a", State: cluster.StateAlive, Since: now},
		{Name: "b", State: cluster.StateLeft, Since: now},
		{Name: "c", State: cluster.StateLeft, Since: now},
		{Name: "d", State: cluster.StateDead, Since: now},
	}
	in := schedulingInput(&store.State{}, members, map[string]bool{"c": true}, now, time.Second, 1)
	var got []scheduler.NodeState
	for _, n := range in.Nodes {
		got = append(got, n.State)
	}
	want := []scheduler.NodeState{scheduler.NodeAlive, scheduler.NodeLeft, scheduler.NodeRemoved, scheduler.NodeDead}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("states = %v; want %v", got, want)
	}
}

// The pings go to the alive members and to the dead ones the plan takes pods from; the
// answers turn an alive member that is silent, and a dead one that answers, into a suspect.
func TestPingsCorrectTheMembership(t *testing.T) {
	in := scheduler.Input{
		Nodes: []scheduler.Node{
			{Name: "self", State: scheduler.NodeAlive},
			{Name: "quiet", State: scheduler.NodeAlive},
			{Name: "talks", State: scheduler.NodeAlive},
			{Name: "back", State: scheduler.NodeDead},
			{Name: "gone", State: scheduler.NodeDead},
			{Name: "keeps", State: scheduler.NodeDead},
			{Name: "left", State: scheduler.NodeLeft},
		},
		Assignments: []scheduler.Assignment{
			{Pod: manifest.Pod{Namespace: "default", Name: "p1"}, Node: "back"},
			{Pod: manifest.Pod{Namespace: "default", Name: "p2"}, Node: "gone"},
			{Pod: manifest.Pod{Namespace: "default", Name: "p3"}, Node: "left"},
			{Pod: manifest.Pod{Namespace: "default", Name: "p4"}, Node: "keeps"}, // pinned there: the plan keeps it
		},
	}
	plan := scheduler.Output{Delete: []scheduler.Removal{
		{Assignment: in.Assignments[0], Reason: "node back dead for 1m0s"},
		{Assignment: in.Assignments[1], Reason: "node gone dead for 1m0s"},
		{Assignment: in.Assignments[2], Reason: "node left left"}, // left: not pinged
	}}
	if got, want := pingTargets(in, plan, "self"), []string{"quiet", "talks", "back", "gone"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("ping targets = %v; want %v", got, want)
	}
	nodes := byReach(in.Nodes, "self", map[string]bool{"talks": true, "back": true})
	got := map[string]scheduler.NodeState{}
	for _, n := range nodes {
		got[n.Name] = n.State
	}
	want := map[string]scheduler.NodeState{
		"self": scheduler.NodeAlive, "quiet": scheduler.NodeSuspect, "talks": scheduler.NodeAlive,
		"back": scheduler.NodeSuspect, "gone": scheduler.NodeDead, "keeps": scheduler.NodeDead, "left": scheduler.NodeLeft,
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("states = %v; want %v", got, want)
	}
	if in.Nodes[1].State != scheduler.NodeAlive {
		t.Fatal("byReach changed its input")
	}
}

// A key two parts of a plan touch is written once, as the last part says, where it first
// came: the store refuses a key twice in one write, which would lose the whole plan.
func TestOncePerKey(t *testing.T) {
	in := []change{
		{key: "assignment/default/a", value: []byte("1")},
		{key: "job/default/j", delete: true},
		{key: "jobstatus/default/j", delete: true},
		{key: "job/default/j", delete: true},
		{key: "assignment/default/a", value: []byte("2")},
	}
	got := oncePerKey(in)
	want := []change{
		{key: "assignment/default/a", value: []byte("2")},
		{key: "job/default/j", delete: true},
		{key: "jobstatus/default/j", delete: true},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("oncePerKey = %+v, want %+v", got, want)
	}
}
