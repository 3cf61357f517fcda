package scheduler

import (
	"reflect"
	"sort"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
)

func TestScaleUpTakesTheLowestFreeOrdinals(t *testing.T) {
	web := deploy("web", 5)
	in := input([]Node{alive("a"), alive("b")}, []*appsv1.Deployment{web},
		on(web, 0, "a"), on(web, 2, "b"), on(web, 5, "a"))
	out := Plan(in)
	if got, want := keys(out.Create), sorted(key(web, 1), key(web, 3)); !reflect.DeepEqual(got, want) {
		t.Fatalf("created %v; want ordinals 1 and 3: %v", got, want)
	}
	if len(out.Delete) != 0 {
		t.Fatalf("deleted %v; want nothing", removedKeys(out.Delete))
	}
	mustBeFixedPoint(t, in, out)
}

func TestScaleDown(t *testing.T) {
	web := deploy("web", 2)
	nodes := []Node{alive("a"), alive("b"), inState("s", NodeSuspect, 0)}
	starting := func(a Assignment) Assignment {
		a.Status = PodStatus{Phase: corev1.PodPending}
		return a
	}
	tests := []struct {
		name    string
		as      []Assignment
		removed []string
	}{
		{
			name:    "highest ordinals first",
			as:      []Assignment{on(web, 0, "a"), on(web, 1, "b"), on(web, 2, "a"), on(web, 3, "b")},
			removed: sorted(key(web, 2), key(web, 3)),
		},
		{
			name:    "not ready before ready",
			as:      []Assignment{notReady(on(web, 0, "a")), on(web, 1, "b"), on(web, 2, "a"), on(web, 3, "b")},
			removed: sorted(key(web, 0), key(web, 3)),
		},
		{
			name:    "not running before running",
			as:      []Assignment{notReady(on(web, 0, "a")), starting(on(web, 1, "b")), on(web, 2, "a")},
			removed: sorted(key(web, 1)),
		},
		{
			name:    "a node that is not alive before anything",
			as:      []Assignment{notReady(on(web, 0, "a")), on(web, 1, "s"), on(web, 2, "a")},
			removed: sorted(key(web, 1)),
		},
		{
			name:    "unknown name first",
			as:      []Assignment{on(web, 0, "a"), on(web, 1, "b"), renamed(on(web, 2, "a"), "web-66765d65c9-zzzzz")},
			removed: []string{"default/web-66765d65c9-zzzzz"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := input(nodes, []*appsv1.Deployment{web}, tt.as...)
			out := Plan(in)
			if len(out.Create) != 0 {
				t.Fatalf("created %v; want nothing", keys(out.Create))
			}
			if got := removedKeys(out.Delete); !reflect.DeepEqual(got, tt.removed) {
				t.Fatalf("removed %v; want %v", got, tt.removed)
			}
			for _, r := range out.Delete {
				if r.Reason != "scaled down" {
					t.Errorf("removal reason = %q; want \"scaled down\"", r.Reason)
				}
			}
			mustBeFixedPoint(t, in, out)
		})
	}
}

func TestScaleToZeroAndDeletedDeployment(t *testing.T) {
	web, db := deploy("web", 0), deploy("db", 2)
	in := input([]Node{alive("a"), alive("b")}, []*appsv1.Deployment{web},
		on(web, 0, "a"), on(web, 1, "b"), on(db, 0, "a"), on(db, 1, "b"))
	out := Plan(in)
	if got, want := removedKeys(out.Delete), sorted(key(web, 0), key(web, 1), key(db, 0), key(db, 1)); !reflect.DeepEqual(got, want) {
		t.Fatalf("removed %v; want %v", got, want)
	}
	for _, r := range out.Delete {
		want := "scaled down"
		if r.Pod.Owner == "db" {
			want = "deployment deleted"
		}
		if r.Reason != want {
			t.Errorf("%s removed because %q; want %q", r.Pod.Key(), r.Reason, want)
		}
	}
	mustBeFixedPoint(t, in, out)
}

func TestADeploymentOfTheSameNameInAnotherNamespaceIsAnother(t *testing.T) {
	web := deploy("web", 1)
	other := deploy("web", 1)
	other.Namespace = "staging"
	in := input([]Node{alive("a")}, []*appsv1.Deployment{web}, on(other, 0, "a"))
	out := Plan(in)
	if len(out.Delete) != 1 || out.Delete[0].Pod.Namespace != "staging" || out.Delete[0].Reason != "deployment deleted" {
		t.Fatalf("deleted %+v; want staging's pod, its Deployment being gone", out.Delete)
	}
	if got := keys(out.Create); !reflect.DeepEqual(got, []string{key(web, 0)}) {
		t.Fatalf("created %v; want %s", got, key(web, 0))
	}
}

func renamed(a Assignment, name string) Assignment {
	a.Pod.Name = name
	return a
}

func sorted(ks ...string) []string {
	out := append([]string(nil), ks...)
	sort.Strings(out)
	return out
}
