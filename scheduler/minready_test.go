package scheduler

import (
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

func minReady(seconds int32) func(*appsv1.Deployment) {
	return func(d *appsv1.Deployment) { d.Spec.MinReadySeconds = seconds }
}

// readySince reports a pod ready since ago before t0.
func readySince(a Assignment, ago time.Duration) Assignment {
	a.Status = PodStatus{Phase: corev1.PodRunning, Ready: true, ReadySince: t0.Add(-ago)}
	return a
}

// TestMinReadySeconds: a new pod that is ready lets an old one go only once it has been
// ready for minReadySeconds, and the plan asks to be made again at that moment.
func TestMinReadySeconds(t *testing.T) {
	opt := rolling(intstr.FromInt32(1), intstr.FromInt32(0))
	v1 := deploy("web", 2, opt, minReady(30))
	v2 := deploy("web", 2, opt, minReady(30), image("example.org/web:2"))
	nodes := []Node{alive("a"), alive("b"), alive("c")}
	newPod := func(ago time.Duration) Assignment { return readySince(on(v2, 0, "c"), ago) }
	tests := []struct {
		name         string
		pod          Assignment
		removes      bool
		recheckAt    time.Time
		available    int
		allAvailable int
	}{
		{name: "ready 10s of 30", pod: newPod(10 * time.Second), recheckAt: t0.Add(20 * time.Second), allAvailable: 2},
		{name: "ready exactly 30s", pod: newPod(30 * time.Second), removes: true, available: 1, allAvailable: 2},
		{name: "ready an hour", pod: newPod(time.Hour), removes: true, available: 1, allAvailable: 2},
		{name: "ready, since unknown", pod: on(v2, 0, "c"), removes: true, available: 1, allAvailable: 2},
		{name: "not ready", pod: notReady(on(v2, 0, "c")), allAvailable: 2},
		{name: "crash looping", pod: Assignment{Pod: on(v2, 0, "c").Pod, Node: "c",
			Status: PodStatus{Phase: corev1.PodFailed}}, allAvailable: 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := input(nodes, []*appsv1.Deployment{v2},
				readySince(on(v1, 0, "a"), time.Hour), readySince(on(v1, 1, "b"), time.Hour), tt.pod)
			out := Plan(in)
			if got := len(out.Delete) == 1; got != tt.removes {
				t.Fatalf("removes an old pod = %v (deletes %v); want %v", got, removedKeys(out.Delete), tt.removes)
			}
			if len(out.Delete) > 1 {
				t.Fatalf("deletes %v; want at most one", removedKeys(out.Delete))
			}
			if !out.RecheckAt.Equal(tt.recheckAt) {
				t.Errorf("RecheckAt = %v; want %v", out.RecheckAt, tt.recheckAt)
			}
			c := out.Deployments["default/web"]
			if c.Available != tt.available {
				t.Errorf("new available = %d; want %d", c.Available, tt.available)
			}
			if !tt.removes && c.AllAvailable != tt.allAvailable {
				t.Errorf("all available = %d; want %d", c.AllAvailable, tt.allAvailable)
			}
			mustBeFixedPoint(t, in, out)
		})
	}
	t.Run("the old pods count minReadySeconds too", func(t *testing.T) {
		// An old pod ready for 5 s of 30 is not available; with maxUnavailable 0 and the
		// new pod not available, nothing may go.
		in := input(nodes, []*appsv1.Deployment{v2},
			readySince(on(v1, 0, "a"), time.Hour), readySince(on(v1, 1, "b"), 5*time.Second), newPod(time.Second))
		out := Plan(in)
		if got := out.Deployments["default/web"]; got != (DeploymentCounts{Updated: 1, Old: 2, AllAvailable: 1}) {
			t.Fatalf("counts = %+v", got)
		}
		// Kubernetes' arithmetic: 3 pods - minAvailable 2 - 1 new pod not available = 0
		// may go.
		if len(out.Delete) != 0 {
			t.Fatalf("deletes %v; want none", removedKeys(out.Delete))
		}
		if want := t0.Add(time.Second * 25); !out.RecheckAt.Equal(want) {
			t.Fatalf("RecheckAt = %v; want %v (the old pod's minReady ends first)", out.RecheckAt, want)
		}
	})
}

// TestUnavailableNewPodsKeepTheOldOnes: new pods that never become available (crash
// looping, image missing, not ready) never let an old pod go beyond maxUnavailable, and
// the Deployment keeps replicas-maxUnavailable available pods however often it plans.
func TestUnavailableNewPodsKeepTheOldOnes(t *testing.T) {
	nodes := []Node{alive("a"), alive("b"), alive("c"), alive("d"), alive("e"), alive("f")}
	for _, tt := range []struct {
		name     string
		opt      func(*appsv1.Deployment)
		replicas int
		keep     int // available pods that must stay
	}{
		{name: "default 25% of 4", opt: func(*appsv1.Deployment) {}, replicas: 4, keep: 3},
		{name: "surge 2 unavailable 0", opt: rolling(intstr.FromInt32(2), intstr.FromInt32(0)), replicas: 3, keep: 3},
		{name: "surge 0 unavailable 1", opt: rolling(intstr.FromInt32(0), intstr.FromInt32(1)), replicas: 3, keep: 2},
		{name: "surge 1 unavailable 2", opt: rolling(intstr.FromInt32(1), intstr.FromInt32(2)), replicas: 4, keep: 2},
	} {
		for _, status := range []PodStatus{{Phase: corev1.PodFailed}, {Phase: corev1.PodPending}, {Phase: corev1.PodRunning}} {
			t.Run(tt.name+"/"+string(status.Phase), func(t *testing.T) {
				v1 := deploy("web", tt.replicas, tt.opt)
				v2 := deploy("web", tt.replicas, tt.opt, image("example.org/missing:2"))
				var as []Assignment
				for i := 0; i < tt.replicas; i++ {
					as = append(as, on(v1, i, nodes[i].Name))
				}
				in := input(nodes, []*appsv1.Deployment{v2}, as...)
				for step := 0; step < 10; step++ {
					out := Plan(in)
					in = apply(in, out)
					// The new pods never turn ready; the old ones stay so.
					for i, a := range in.Assignments {
						if a.Pod.TemplateHash == deploymentHash(v2) {
							in.Assignments[i].Status = status
						}
					}
				}
				old := 0
				for _, a := range in.Assignments {
					if a.Pod.TemplateHash == deploymentHash(v1) {
						old++
					}
				}
				if old != tt.keep {
					t.Fatalf("old pods left = %d; want %d (replicas - maxUnavailable)", old, tt.keep)
				}
				if out := Plan(in); !out.Empty() {
					t.Fatalf("plan keeps changing: creates %v, deletes %v", keys(out.Create), removedKeys(out.Delete))
				}
				c := Plan(in).Deployments["default/web"]
				if c.Available != 0 || c.AllAvailable != tt.keep || c.Old != tt.keep {
					t.Fatalf("counts = %+v", c)
				}
			})
		}
	}
}
