package scheduler

import (
	"fmt"
	"reflect"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"pgregory.net/rapid"
)

func rolling(surge, unavailable intstr.IntOrString) func(*appsv1.Deployment) {
	return func(d *appsv1.Deployment) {
		d.Spec.Strategy = appsv1.DeploymentStrategy{
			Type:          appsv1.RollingUpdateDeploymentStrategyType,
			RollingUpdate: &appsv1.RollingUpdateDeployment{MaxSurge: &surge, MaxUnavailable: &unavailable},
		}
	}
}

func TestRolloutBounds(t *testing.T) {
	pct, num := intstr.FromString, intstr.FromInt32
	tests := []struct {
		name               string
		replicas           int
		opt                func(*appsv1.Deployment)
		surge, unavailable int
		recreate           bool
	}{
		{name: "default 25% of 10", replicas: 10, surge: 3, unavailable: 2},
		{name: "default 25% of 1", replicas: 1, surge: 1, unavailable: 0},
		{name: "default with empty rolling update", replicas: 4, opt: func(d *appsv1.Deployment) {
			d.Spec.Strategy.RollingUpdate = &appsv1.RollingUpdateDeployment{}
		}, surge: 1, unavailable: 1},
		{name: "integers", replicas: 5, opt: rolling(num(2), num(1)), surge: 2, unavailable: 1},
		{name: "percent rounding", replicas: 3, opt: rolling(pct("50%"), pct("50%")), surge: 2, unavailable: 1},
		{name: "both zero lets one go", replicas: 3, opt: rolling(num(0), pct("10%")), surge: 0, unavailable: 1},
		{name: "unavailable capped at replicas", replicas: 2, opt: rolling(num(1), num(5)), surge: 1, unavailable: 2},
		{name: "zero replicas", replicas: 0, surge: 0, unavailable: 0},
		{name: "unparsable falls back to default", replicas: 8, opt: rolling(pct("lots"), pct("25%")), surge: 2, unavailable: 2},
		{name: "recreate", replicas: 3, opt: recreate, recreate: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := deploy("web", tt.replicas)
			if tt.opt != nil {
				tt.opt(d)
			}
			want := rollout{recreate: tt.recreate, surge: tt.surge, unavailable: tt.unavailable}
			if got := rolloutOf(d, tt.replicas); got != want {
				t.Fatalf("rolloutOf = %+v; want %+v", got, want)
			}
		})
	}
}

func TestRollingUpdateFirstStep(t *testing.T) {
	// 4 replicas, 25%/25%: one pod above 4 and one below. One old pod goes, two new come:
	// 5 pods, 3 of them available.
	v1 := deploy("web", 4)
	v2 := deploy("web", 4, image("example.org/web:2"))
	nodes := []Node{alive("a"), alive("b"), alive("c"), alive("d")}
	in := input(nodes, []*appsv1.Deployment{v2},
		on(v1, 0, "a"), on(v1, 1, "b"), on(v1, 2, "c"), on(v1, 3, "d"))
	out := Plan(in)
	if got, want := keys(out.Create), sorted(key(v2, 0), key(v2, 1)); !reflect.DeepEqual(got, want) {
		t.Fatalf("created %v; want %v", got, want)
	}
	if got, want := removedKeys(out.Delete), []string{key(v1, 3)}; !reflect.DeepEqual(got, want) {
		t.Fatalf("removed %v; want %v", got, want)
	}
	if out.Delete[0].Reason != "rolling update" {
		t.Errorf("removal reason = %q", out.Delete[0].Reason)
	}
	mustBeFixedPoint(t, in, out)
}

func TestRollingUpdateWaitsForReadiness(t *testing.T) {
	v1 := deploy("web", 2, rolling(intstr.FromInt32(1), intstr.FromInt32(0)))
	v2 := deploy("web", 2, rolling(intstr.FromInt32(1), intstr.FromInt32(0)), image("example.org/web:2"))
	nodes := []Node{alive("a"), alive("b")}
	in := input(nodes, []*appsv1.Deployment{v2}, on(v1, 0, "a"), on(v1, 1, "b"), notReady(on(v2, 0, "a")))
	if out := Plan(in); !out.Empty() {
		t.Fatalf("plan = creates %v, deletes %v; want to wait for %s", keys(out.Create), removedKeys(out.Delete), key(v2, 0))
	}
	in.Assignments[2] = on(v2, 0, "a")
	out := Plan(in)
	if got, want := removedKeys(out.Delete), []string{key(v1, 1)}; !reflect.DeepEqual(got, want) {
		t.Fatalf("removed %v; want %v", got, want)
	}
	if got, want := keys(out.Create), []string{key(v2, 1)}; !reflect.DeepEqual(got, want) {
		t.Fatalf("created %v; want %v", got, want)
	}
}

func TestRecreateRemovesAllOldAndCreatesAllNew(t *testing.T) {
	v1 := deploy("web", 3, recreate, port(80))
	v2 := deploy("web", 3, recreate, port(80), image("example.org/web:2"))
	nodes := []Node{alive("a"), alive("b"), alive("c")}
	in := input(nodes, []*appsv1.Deployment{v2}, on(v1, 0, "a"), on(v1, 1, "b"), on(v1, 2, "c"))
	out := Plan(in)
	if got, want := removedKeys(out.Delete), sorted(key(v1, 0), key(v1, 1), key(v1, 2)); !reflect.DeepEqual(got, want) {
		t.Fatalf("removed %v; want %v", got, want)
	}
	// The old pods' port is free again: every new pod finds a node.
	if got, want := keys(out.Create), sorted(key(v2, 0), key(v2, 1), key(v2, 2)); !reflect.DeepEqual(got, want) {
		t.Fatalf("created %v; want %v", got, want)
	}
	mustBeFixedPoint(t, in, out)
}

func TestRollingUpdateOfAHostPortNeedsRoom(t *testing.T) {
	nodes := []Node{alive("a"), alive("b"), alive("c")}
	t.Run("no room to surge: one pod at a time is replaced in place", func(t *testing.T) {
		// Default bounds for 3 replicas: maxSurge 1, maxUnavailable 0. The surge pod fits
		// no node, since the old pods hold port 80 on all three; Kubernetes would wait for
		// ever. The rollout replaces one old pod in place instead, then waits for it.
		v1 := deploy("web", 3, port(80))
		v2 := deploy("web", 3, port(80), image("example.org/web:2"))
		in := input(nodes, []*appsv1.Deployment{v2}, on(v1, 0, "a"), on(v1, 1, "b"), on(v1, 2, "c"))
		out := Plan(in)
		if len(out.Delete) != 1 || len(out.Create) != 1 || out.Create[0].Node != out.Delete[0].Node ||
			out.Delete[0].Reason != "rolling update" {
			t.Fatalf("plan = creates %+v, deletes %+v; want one new pod where an old one left", out.Create, out.Delete)
		}
		mustBeFixedPoint(t, in, out)
		// While the new pod is not ready, nothing else moves, and the next new pod says why
		// it waits.
		var next []Assignment
		for _, a := range in.Assignments {
			if a.Pod.Key() != out.Delete[0].Pod.Key() {
				next = append(next, a)
			}
		}
		in.Assignments = append(next, out.Create[0])
		again := Plan(in)
		if !again.Empty() {
			t.Fatalf("plan = creates %v, deletes %v; want to wait for the new pod", keys(again.Create), removedKeys(again.Delete))
		}
		if len(again.Pending) != 1 || again.Pending[0].Reason != "0/3 nodes are available: 3 node(s) have port 80/TCP in use." {
			t.Fatalf("pending = %+v", again.Pending)
		}
	})
	t.Run("one may be unavailable: the freed node takes a new pod", func(t *testing.T) {
		opt := rolling(intstr.FromInt32(1), intstr.FromInt32(1))
		v1 := deploy("web", 3, port(80), opt)
		v2 := deploy("web", 3, port(80), opt, image("example.org/web:2"))
		in := input(nodes, []*appsv1.Deployment{v2}, on(v1, 0, "a"), on(v1, 1, "b"), on(v1, 2, "c"))
		out := Plan(in)
		if len(out.Delete) != 1 || len(out.Create) != 1 || out.Create[0].Node != out.Delete[0].Node {
			t.Fatalf("plan = creates %+v, deletes %+v; want one new pod where an old one left", out.Create, out.Delete)
		}
		mustBeFixedPoint(t, in, out)
	})
}

// TestRolloutRunsToTheEnd drives rollouts the way the leader does: plan, apply, let some
// of the new pods become ready, plan again. At every step the pods stay within the surge
// and availability stays within maxUnavailable; the rollout ends with exactly the new
// template's pods.
func TestRolloutRunsToTheEnd(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		replicas := rapid.IntRange(0, 12).Draw(t, "replicas")
		bound := func(label string) intstr.IntOrString {
			if rapid.Bool().Draw(t, label+"IsPercent") {
				return intstr.FromString(fmt.Sprintf("%d%%", rapid.IntRange(0, 100).Draw(t, label+"Percent")))
			}
			return intstr.FromInt32(int32(rapid.IntRange(0, 4).Draw(t, label)))
		}
		surge, unavailable := bound("maxSurge"), bound("maxUnavailable")
		if surge.String() == "0" && unavailable.String() == "0" {
			t.Skip("validation refuses maxSurge and maxUnavailable both 0")
		}
		strategy := rolling(surge, unavailable)
		if rapid.IntRange(0, 4).Draw(t, "strategy") == 0 {
			strategy = recreate
		}
		v1 := deploy("web", replicas, strategy)
		r := rolloutOf(v1, replicas)
		nodeCount := rapid.IntRange(1, 8).Draw(t, "nodes")
		withPort := nodeCount >= replicas+r.surge && rapid.Bool().Draw(t, "hostPort")
		opts := []func(*appsv1.Deployment){strategy}
		if withPort {
			opts = append(opts, port(8080))
		}
		v1 = deploy("web", replicas, opts...)
		v2 := deploy("web", replicas, append(opts, image("example.org/web:2"))...)
		var nodes []Node
		for i := 0; i < nodeCount; i++ {
			nodes = append(nodes, alive(fmt.Sprintf("n%d", i)))
		}

		in := input(nodes, []*appsv1.Deployment{v1})
		in = markReady(apply(in, Plan(in)))
		if len(in.Assignments) != replicas {
			t.Fatalf("v1 runs %d pods; want %d", len(in.Assignments), replicas)
		}
		in.Deployments = []*appsv1.Deployment{v2}
		for step := 0; ; step++ {
			if step > 100 {
				t.Fatalf("rollout not done after 100 steps: %v", keys(in.Assignments))
			}
			out := Plan(in)
			if len(out.Pending) != 0 {
				t.Fatalf("step %d: pending %+v", step, out.Pending)
			}
			before := in
			in = apply(in, out)
			checkRolloutStep(t, step, r, replicas, v2, before, in)
			if again := Plan(in); !again.Empty() {
				t.Fatalf("step %d: not a fixed point: creates %v, deletes %v", step, keys(again.Create), removedKeys(again.Delete))
			}
			if out.Empty() && allReady(in) {
				break
			}
			// Some of the pods that are not ready become ready; after a few steps, all do,
			// as they would in a cluster where the new image works.
			force := step > 20
			for i, a := range in.Assignments {
				if !a.Status.Ready && (force || rapid.Bool().Draw(t, "ready")) {
					in.Assignments[i].Status = PodStatus{Phase: corev1.PodRunning, Ready: true}
				}
			}
		}
		var want []string
		for i := 0; i < replicas; i++ {
			want = append(want, key(v2, i))
		}
		if got := keys(in.Assignments); !reflect.DeepEqual(got, sorted(want...)) {
			t.Fatalf("rollout ended with %v; want %v", got, sorted(want...))
		}
		if withPort {
			for n, c := range perNode(in.Assignments, "") {
				if c > 1 {
					t.Fatalf("node %s runs %d pods publishing port 8080", n, c)
				}
			}
		}
	})
}

// checkRolloutStep checks one step of a rollout, from the assignments before the plan to
// those after it was applied.
func checkRolloutStep(t *rapid.T, step int, r rollout, replicas int, v2 *appsv1.Deployment, before, after Input) {
	newHash := deploymentHash(v2)
	count := func(in Input) (total, available, current, old int) {
		for _, a := range in.Assignments {
			total++
			if a.Status.Ready {
				available++
			}
			if a.Pod.TemplateHash == newHash {
				current++
			} else {
				old++
			}
		}
		return
	}
	totalBefore, availableBefore, _, _ := count(before)
	total, available, current, old := count(after)
	if current > replicas {
		t.Fatalf("step %d: %d pods of the new template; want at most %d", step, current, replicas)
	}
	if r.recreate {
		if old != 0 {
			t.Fatalf("step %d: recreate left %d old pods", step, old)
		}
		return
	}
	if limit := max(replicas+r.surge, totalBefore); total > limit {
		t.Fatalf("step %d: %d pods; want at most %d (replicas %d + surge %d)", step, total, limit, replicas, r.surge)
	}
	if floor := min(replicas-r.unavailable, availableBefore); available < floor {
		t.Fatalf("step %d: %d available pods; want at least %d (replicas %d - maxUnavailable %d)",
			step, available, floor, replicas, r.unavailable)
	}
}

func allReady(in Input) bool {
	for _, a := range in.Assignments {
		if !a.Status.Ready {
			return false
		}
	}
	return true
}
