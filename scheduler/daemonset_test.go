package scheduler

import (
	"fmt"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/podman-swarm/podman-swarm/manifest"
)

// daemonSetOf builds a validated-looking DaemonSet in namespace "default".
func daemonSetOf(name string, opts ...func(*appsv1.DaemonSet)) *appsv1.DaemonSet {
	ds := &appsv1.DaemonSet{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "default"},
		Spec: appsv1.DaemonSetSpec{
			Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": name}},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": name}},
				Spec: corev1.PodSpec{Containers: []corev1.Container{
					{Name: "agent", Image: "example.org/" + name + ":1"},
				}},
			},
		},
	}
	for _, o := range opts {
		o(ds)
	}
	return ds
}

func dsSelector(kv ...string) func(*appsv1.DaemonSet) {
	return func(ds *appsv1.DaemonSet) { ds.Spec.Template.Spec.NodeSelector = pairs(kv) }
}

func dsImage(img string) func(*appsv1.DaemonSet) {
	return func(ds *appsv1.DaemonSet) { ds.Spec.Template.Spec.Containers[0].Image = img }
}

func dsPort(p int32) func(*appsv1.DaemonSet) {
	return func(ds *appsv1.DaemonSet) {
		c := &ds.Spec.Template.Spec.Containers[0]
		c.Ports = append(c.Ports, corev1.ContainerPort{ContainerPort: p, HostPort: p})
	}
}

func dsRolling(unavailable, surge intstr.IntOrString) func(*appsv1.DaemonSet) {
	return func(ds *appsv1.DaemonSet) {
		ds.Spec.UpdateStrategy = appsv1.DaemonSetUpdateStrategy{Type: appsv1.RollingUpdateDaemonSetStrategyType,
			RollingUpdate: &appsv1.RollingUpdateDaemonSet{MaxUnavailable: &unavailable, MaxSurge: &surge}}
	}
}

func onDelete(ds *appsv1.DaemonSet) {
	ds.Spec.UpdateStrategy = appsv1.DaemonSetUpdateStrategy{Type: appsv1.OnDeleteDaemonSetStrategyType}
}

// dsOn is ds's pod on a node, running and ready.
func dsOn(ds *appsv1.DaemonSet, node string) Assignment {
	return Assignment{Pod: manifest.DaemonSetPod(ds, node, nil), Node: node,
		Status: PodStatus{Phase: corev1.PodRunning, Ready: true}}
}

func dsInput(nodes []Node, sets []*appsv1.DaemonSet, as ...Assignment) Input {
	in := input(nodes, nil, as...)
	in.DaemonSets = sets
	return in
}

// dsNodes is node -> count of ds's pods (any template) once out is applied to in.
func dsNodes(in Input, out Output, name string) map[string]int {
	m := map[string]int{}
	for _, a := range apply(in, out).Assignments {
		if a.Pod.OwnerKind == manifest.OwnerDaemonSet && a.Pod.Owner == name {
			m[a.Node]++
		}
	}
	return m
}

func TestDaemonSetRunsOnePodOnEveryMatchingNode(t *testing.T) {
	ds := daemonSetOf("logs", dsSelector("disk", "ssd"))
	nodes := []Node{alive("n1", "disk", "ssd"), alive("n2", "disk", "hdd"), alive("n3", "disk", "ssd"),
		inState("n4", NodeSuspect, 0, "disk", "ssd")}
	in := dsInput(nodes, []*appsv1.DaemonSet{ds})
	out := Plan(in)
	got := dsNodes(in, out, "logs")
	if len(got) != 2 || got["n1"] != 1 || got["n3"] != 1 {
		t.Fatalf("pods per node = %v, want one on n1 and n3", got)
	}
	for _, c := range out.Create {
		if c.Pod.Spec.NodeName != c.Node || c.Pod.Name != manifest.DaemonSetPodName("logs", c.Pod.TemplateHash, c.Node) {
			t.Errorf("pod %s on %s has nodeName %q", c.Pod.Name, c.Node, c.Pod.Spec.NodeName)
		}
	}
	// The suspect node matches, so it counts, but gets its pod once it is alive.
	want := DaemonSetCounts{Desired: 3, Current: 2, UpToDate: 2}
	if c := out.DaemonSets["default/logs"]; c != want {
		t.Errorf("counts = %+v, want %+v", c, want)
	}
	mustBeFixedPoint(t, in, out)
	ready := markReady(apply(in, out))
	if c := Plan(ready).DaemonSets["default/logs"]; c != (DaemonSetCounts{Desired: 3, Current: 2, UpToDate: 2, Ready: 2, Available: 2}) {
		t.Errorf("counts once ready = %+v", c)
	}
}

func TestDaemonSetFollowsMembershipAndLabels(t *testing.T) {
	ds := daemonSetOf("exp", dsSelector("role", "worker"))
	nodes := []Node{alive("n1", "role", "worker"), alive("n2", "role", "worker"), alive("n3")}
	in := dsInput(nodes, []*appsv1.DaemonSet{ds}, dsOn(ds, "n1"), dsOn(ds, "n2"))
	if out := Plan(in); !out.Empty() {
		t.Fatalf("steady DaemonSet changes: create %v delete %v", keys(out.Create), removedKeys(out.Delete))
	}

	// A node that joins gets one; a node that gains the label gets one.
	in.Nodes = append([]Node{alive("n0", "role", "worker")}, alive("n1", "role", "worker"), alive("n2", "role", "worker"), alive("n3", "role", "worker"))
	out := Plan(in)
	if got := keys(out.Create); len(got) != 2 || len(out.Delete) != 0 {
		t.Fatalf("join and label: create %v delete %v", got, removedKeys(out.Delete))
	}
	if got := dsNodes(in, out, "exp"); len(got) != 4 {
		t.Fatalf("pods per node = %v, want 4 nodes", got)
	}

	// A node that loses the label loses its pod, and it goes nowhere else.
	in = markReady(apply(in, out))
	in.Nodes[1] = alive("n1", "role", "db")
	out = Plan(in)
	if len(out.Create) != 0 || len(out.Delete) != 1 || out.Delete[0].Node != "n1" {
		t.Fatalf("label lost: create %v delete %v", keys(out.Create), out.Delete)
	}
	mustBeFixedPoint(t, in, out)

	// Nodes that left, were removed or are dead past the grace lose theirs; the pods are
	// deleted, never placed elsewhere. A node dead within the grace keeps its pod.
	in = apply(in, out)
	in.Nodes = []Node{inState("n0", NodeLeft, 0, "role", "worker"), alive("n1", "role", "db"),
		inState("n2", NodeRemoved, 0, "role", "worker"), inState("n3", NodeDead, grace/2, "role", "worker")}
	out = Plan(in)
	if len(out.Create) != 0 {
		t.Fatalf("gone nodes' pods placed again: %v", keys(out.Create))
	}
	deleted := map[string]bool{}
	for _, r := range out.Delete {
		deleted[r.Node] = true
	}
	if !deleted["n0"] || !deleted["n2"] || deleted["n3"] || len(out.Delete) != 2 {
		t.Fatalf("deleted %v, want the pods of n0 and n2", out.Delete)
	}
	mustBeFixedPoint(t, in, out)
}

func TestDaemonSetDeletedLosesItsPods(t *testing.T) {
	ds := daemonSetOf("gone")
	in := dsInput([]Node{alive("n1"), alive("n2")}, nil, dsOn(ds, "n1"), dsOn(ds, "n2"))
	// A Deployment of the same name owns nothing of the DaemonSet's.
	in.Deployments = []*appsv1.Deployment{deploy("gone", 0)}
	out := Plan(in)
	if len(out.Delete) != 2 || out.Delete[0].Reason != "daemonset deleted" {
		t.Fatalf("delete = %v, want both pods for the deleted DaemonSet", out.Delete)
	}
}

// rollStep plans, checks the plan is a fixed point, applies it and reports every pod
// ready, returning the next input and the plan.
func rollStep(t *testing.T, in Input) (Input, Output) {
	t.Helper()
	out := Plan(in)
	mustBeFixedPoint(t, in, out)
	return markReady(apply(in, out)), out
}

func TestDaemonSetRollingUpdateKeepsMaxUnavailable(t *testing.T) {
	for _, tc := range []struct {
		name        string
		unavailable intstr.IntOrString
		perStep     int
	}{
		{"default one", intstr.FromInt32(1), 1},
		{"two", intstr.FromInt32(2), 2},
		{"percent rounds up", intstr.FromString("30%"), 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			old := daemonSetOf("roll")
			nodes := []Node{alive("n1"), alive("n2"), alive("n3"), alive("n4"), alive("n5")}
			var as []Assignment
			for _, n := range nodes {
				as = append(as, dsOn(old, n.Name))
			}
			cur := daemonSetOf("roll", dsImage("example.org/roll:2"), dsRolling(tc.unavailable, intstr.FromInt32(0)))
			in := dsInput(nodes, []*appsv1.DaemonSet{cur}, as...)
			updated := 0
			for step := 0; updated < len(nodes); step++ {
				if step > len(nodes) {
					t.Fatalf("rollout does not end: %d of %d updated", updated, len(nodes))
				}
				var out Output
				in, out = rollStep(t, in)
				if len(out.Delete) != len(out.Create) || len(out.Create) > tc.perStep || len(out.Create) == 0 {
					t.Fatalf("step %d: create %v delete %v, want up to %d replaced", step, keys(out.Create), removedKeys(out.Delete), tc.perStep)
				}
				replaced := map[string]bool{}
				for _, r := range out.Delete {
					replaced[r.Node] = true
				}
				for _, c := range out.Create {
					if !replaced[c.Node] {
						t.Fatalf("step %d: new pod on %s, whose old pod stays", step, c.Node)
					}
				}
				updated += len(out.Create)
			}
			if c := Plan(in).DaemonSets["default/roll"]; c.UpToDate != 5 || c.Available != 5 {
				t.Fatalf("counts after rollout = %+v", c)
			}
		})
	}
}

func TestDaemonSetRollingUpdateReplacesUnavailableOldPodsAtOnce(t *testing.T) {
	old := daemonSetOf("roll")
	nodes := []Node{alive("n1"), alive("n2"), alive("n3")}
	cur := daemonSetOf("roll", dsImage("example.org/roll:2"))
	in := dsInput(nodes, []*appsv1.DaemonSet{cur}, notReady(dsOn(old, "n1")), notReady(dsOn(old, "n2")), dsOn(old, "n3"))
	out := Plan(in)
	// The two that serve nothing go at once; the ready one waits, as maxUnavailable (1)
	// is used up by them.
	if got := dsNodes(in, out, "roll"); len(out.Create) != 2 || got["n3"] != 1 {
		t.Fatalf("create %v delete %v", keys(out.Create), removedKeys(out.Delete))
	}
	for _, r := range out.Delete {
		if r.Node == "n3" {
			t.Fatalf("the ready old pod on n3 went while two nodes are unavailable")
		}
	}
	mustBeFixedPoint(t, in, out)
}

func TestDaemonSetSurgeStartsTheNewPodBesideTheOld(t *testing.T) {
	old := daemonSetOf("surge")
	nodes := []Node{alive("n1"), alive("n2")}
	cur := daemonSetOf("surge", dsImage("example.org/surge:2"), dsRolling(intstr.FromInt32(0), intstr.FromInt32(1)))
	in := dsInput(nodes, []*appsv1.DaemonSet{cur}, dsOn(old, "n1"), dsOn(old, "n2"))
	out := Plan(in)
	if len(out.Create) != 1 || len(out.Delete) != 0 {
		t.Fatalf("surge step: create %v delete %v, want one new pod and no deletion", keys(out.Create), removedKeys(out.Delete))
	}
	mustBeFixedPoint(t, in, out)
	surged := out.Create[0].Node
	// Once the new pod is available, the old one on its node goes and the next surges.
	in = markReady(apply(in, out))
	out = Plan(in)
	if len(out.Delete) != 1 || out.Delete[0].Node != surged || len(out.Create) != 1 || out.Create[0].Node == surged {
		t.Fatalf("second step: create %v delete %v", out.Create, out.Delete)
	}
}

func TestDaemonSetOnDeleteReplacesOnlyDeletedPods(t *testing.T) {
	old := daemonSetOf("od")
	nodes := []Node{alive("n1"), alive("n2")}
	cur := daemonSetOf("od", dsImage("example.org/od:2"), onDelete)
	in := dsInput(nodes, []*appsv1.DaemonSet{cur}, dsOn(old, "n1"), dsOn(old, "n2"))
	if out := Plan(in); !out.Empty() {
		t.Fatalf("OnDelete replaced pods: create %v delete %v", keys(out.Create), removedKeys(out.Delete))
	}
	if c := Plan(in).DaemonSets["default/od"]; c != (DaemonSetCounts{Desired: 2, Current: 2, Ready: 2, Available: 2}) {
		t.Errorf("counts = %+v, want none up to date", c)
	}
	in.Assignments = in.Assignments[1:] // the user deleted the pod on n1
	out := Plan(in)
	if len(out.Create) != 1 || out.Create[0].Node != "n1" || out.Create[0].Pod.Spec.Containers[0].Image != "example.org/od:2" {
		t.Fatalf("create %v, want the new template on n1", out.Create)
	}
}

func TestDaemonSetComesFirstForAHostPort(t *testing.T) {
	ds := daemonSetOf("edge", dsPort(80))
	d := deploy("web", 1, port(80))
	in := dsInput([]Node{alive("n1"), alive("n2")}, []*appsv1.DaemonSet{ds})
	in.Deployments = []*appsv1.Deployment{d}
	out := Plan(in)
	if got := dsNodes(in, out, "edge"); len(got) != 2 {
		t.Fatalf("DaemonSet pods on %v, want both nodes", got)
	}
	if len(out.Pending) != 1 || out.Pending[0].Pod.Owner != "web" {
		t.Fatalf("pending = %v, want the Deployment's pod", out.Pending)
	}

	// A Deployment's pod already holding the port keeps it; the DaemonSet's pod on that
	// node is pending with the reason.
	in = dsInput([]Node{alive("n1"), alive("n2")}, []*appsv1.DaemonSet{ds}, on(d, 0, "n1"))
	in.Deployments = []*appsv1.Deployment{d}
	out = Plan(in)
	if len(out.Pending) != 1 || out.Pending[0].Pod.Spec.NodeName != "n1" || out.Pending[0].Reason == "" {
		t.Fatalf("pending = %+v, want the DaemonSet's pod of n1", out.Pending)
	}
	mustBeFixedPoint(t, in, out)
}

func TestDaemonSetPodWithDataStaysOnItsGoneNode(t *testing.T) {
	ds := daemonSetOf("shipper", func(ds *appsv1.DaemonSet) {
		spec := &ds.Spec.Template.Spec
		spec.Volumes = []corev1.Volume{{Name: "pos", VolumeSource: corev1.VolumeSource{HostPath: &corev1.HostPathVolumeSource{Path: "/var/lib/shipper"}}}}
		spec.Containers[0].VolumeMounts = []corev1.VolumeMount{{Name: "pos", MountPath: "/pos"}}
	})
	nodes := []Node{alive("n1"), inState("n2", NodeDead, 2*grace), inState("n3", NodeAgentDown, 2*grace)}
	in := dsInput(nodes, []*appsv1.DaemonSet{ds}, dsOn(ds, "n1"), dsOn(ds, "n2"), dsOn(ds, "n3"))
	out := Plan(in)
	if !out.Empty() {
		t.Fatalf("create %v delete %v, want the pods kept where they are", keys(out.Create), removedKeys(out.Delete))
	}
	if len(out.Pending) != 1 || out.Pending[0].Node != "n2" || out.Pending[0].Reason == "" {
		t.Fatalf("pending = %+v, want n2's pod, with its reason", out.Pending)
	}
	if c := out.DaemonSets["default/shipper"]; c.Desired != 2 || c.Misscheduled != 1 || c.Available != 1 {
		t.Errorf("counts = %+v", c)
	}
	// Removed for good, the node releases it: deleted, not placed elsewhere.
	in.Nodes[1] = inState("n2", NodeRemoved, 0)
	out = Plan(in)
	if len(out.Create) != 0 || len(out.Delete) != 1 || out.Delete[0].Node != "n2" {
		t.Fatalf("create %v delete %v, want n2's pod deleted", keys(out.Create), out.Delete)
	}
}

// Two nodes whose names give the same pod name each get a pod of their own, under two
// names, and the plan after is empty.
func TestDaemonSetPodsOfNodesThatHashAlike(t *testing.T) {
	ds := daemonSetOf("logs")
	hash := manifest.DaemonSetPod(ds, "x", nil).TemplateHash
	first := map[string]string{}
	var a, b string
	for i := 0; a == ""; i++ {
		name := fmt.Sprintf("node-%d", i)
		pod := manifest.DaemonSetPodName("logs", hash, name)
		if other, ok := first[pod]; ok {
			a, b = other, name
		}
		first[pod] = name
	}
	in := dsInput([]Node{alive(a), alive(b)}, []*appsv1.DaemonSet{ds})
	out := Plan(in)
	if got := dsNodes(in, out, "logs"); len(got) != 2 || got[a] != 1 || got[b] != 1 {
		t.Fatalf("pods per node = %v, want one on %s and one on %s", got, a, b)
	}
	if len(out.Create) != 2 || out.Create[0].Pod.Name == out.Create[1].Pod.Name {
		t.Fatalf("created %v", keys(out.Create))
	}
	mustBeFixedPoint(t, in, out)
}
