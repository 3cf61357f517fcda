package noderuntime

import (
	"slices"
	"testing"
	"time"

	"github.com/podman-swarm/podman-swarm/manifest"
)

// A pod that leaves this node's assignments keeps running for DrainDelay, then stops; one
// that comes back meanwhile simply stays.
func TestDrainerKeepsLeavingPodsForTheDelay(t *testing.T) {
	a, b, c := manifest.Pod{Namespace: "default", Name: "a"}, manifest.Pod{Namespace: "default", Name: "b"}, manifest.Pod{Namespace: "default", Name: "c"}
	t0 := time.Unix(1000, 0)
	var d drainer
	for _, step := range []struct {
		at       time.Duration
		assigned []manifest.Pod
		want     []string
		wait     time.Duration
	}{
		{0, []manifest.Pod{a, b, c}, []string{"a", "b", "c"}, 0},
		{time.Second, []manifest.Pod{a}, []string{"a", "b", "c"}, DrainDelay},                       // b and c leave
		{time.Second + DrainDelay/2, []manifest.Pod{a, c}, []string{"a", "c", "b"}, DrainDelay / 2}, // c is back
		{time.Second + DrainDelay, []manifest.Pod{a, c}, []string{"a", "c"}, 0},                     // b stops
		{2*time.Second + DrainDelay, []manifest.Pod{}, []string{"a", "c"}, DrainDelay},              // all leave
		{2*time.Second + 2*DrainDelay, nil, []string{}, 0},                                          // all stop
	} {
		plan := d.run(step.assigned, t0.Add(step.at), nil)
		run, wait := plan.run, plan.wait
		var names []string
		for _, p := range run {
			names = append(names, p.Name)
		}
		if !slices.Equal(names, step.want) || wait != step.wait {
			t.Errorf("at %s: run %v, wait %s; want %v, %s", step.at, names, wait, step.want, step.wait)
		}
	}
}
