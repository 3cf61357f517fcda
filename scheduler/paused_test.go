package scheduler

import (
	"reflect"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
)

func paused(d *appsv1.Deployment) { d.Spec.Paused = true }

// A paused Deployment whose template changed keeps its old pods, whatever the strategy,
// and rolls out once resumed.
func TestPausedDeploymentDoesNotRollOut(t *testing.T) {
	v1 := deploy("web", 3)
	for _, strategy := range []func(*appsv1.Deployment){func(*appsv1.Deployment) {}, recreate} {
		v2 := deploy("web", 3, image("example.org/web:2"), strategy, paused)
		nodes := []Node{alive("a"), alive("b"), alive("c")}
		in := input(nodes, []*appsv1.Deployment{v2}, on(v1, 0, "a"), on(v1, 1, "b"), on(v1, 2, "c"))
		out := Plan(in)
		if len(out.Create) != 0 || len(out.Delete) != 0 {
			t.Fatalf("paused: created %v, removed %v; want nothing", keys(out.Create), removedKeys(out.Delete))
		}
		mustBeFixedPoint(t, in, out)

		v2.Spec.Paused = false
		if out := Plan(in); len(out.Create) == 0 && len(out.Delete) == 0 {
			t.Fatalf("resumed: nothing changed")
		}
	}
}

// A paused Deployment still scales: up with pods of its current template, down taking
// those before the older template's pods.
func TestPausedDeploymentScales(t *testing.T) {
	v1 := deploy("web", 3)
	nodes := []Node{alive("a"), alive("b"), alive("c"), alive("d")}

	up := deploy("web", 4, image("example.org/web:2"), paused)
	in := input(nodes, []*appsv1.Deployment{up}, on(v1, 0, "a"), on(v1, 1, "b"), on(v1, 2, "c"))
	out := Plan(in)
	if got, want := keys(out.Create), []string{key(up, 0)}; !reflect.DeepEqual(got, want) || len(out.Delete) != 0 {
		t.Fatalf("scaled up: created %v, removed %v; want %v and nothing removed", got, removedKeys(out.Delete), want)
	}
	mustBeFixedPoint(t, in, out)

	down := deploy("web", 2, image("example.org/web:2"), paused)
	in = input(nodes, []*appsv1.Deployment{down}, on(v1, 0, "a"), on(v1, 1, "b"), on(v1, 2, "c"), on(down, 3, "d"))
	out = Plan(in)
	removed := removedKeys(out.Delete)
	if len(out.Create) != 0 || len(removed) != 2 || !contains(removed, key(down, 3)) {
		t.Fatalf("scaled down: created %v, removed %v; want the new pod and one old one removed", keys(out.Create), removed)
	}
	mustBeFixedPoint(t, in, out)
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
