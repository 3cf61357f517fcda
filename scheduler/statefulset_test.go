package scheduler

import (
	"fmt"
	"slices"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/podman-swarm/podman-swarm/manifest"
)

// statefulSet is a StatefulSet named name with replicas pods and a claim template "data".
func sts(name string, replicas int, opts ...func(*appsv1.StatefulSet)) *appsv1.StatefulSet {
	r := int32(replicas)
	labels := map[string]string{"app": name}
	s := &appsv1.StatefulSet{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "default"},
		Spec: appsv1.StatefulSetSpec{
			Replicas:    &r,
			ServiceName: name,
			Selector:    &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "db", Image: "example.org/db:1",
					VolumeMounts: []corev1.VolumeMount{{Name: "data", MountPath: "/data"}}}}},
			},
			VolumeClaimTemplates: []corev1.PersistentVolumeClaim{{
				ObjectMeta: metav1.ObjectMeta{Name: "data"},
				Spec: corev1.PersistentVolumeClaimSpec{
					AccessModes: []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
					Resources: corev1.VolumeResourceRequirements{Requests: corev1.ResourceList{
						corev1.ResourceStorage: resource.MustParse("1Gi")}},
				},
			}},
		},
	}
	for _, o := range opts {
		o(s)
	}
	return s
}

func parallel(s *appsv1.StatefulSet) { s.Spec.PodManagementPolicy = appsv1.ParallelPodManagement }

func setOnDelete(s *appsv1.StatefulSet) {
	s.Spec.UpdateStrategy = appsv1.StatefulSetUpdateStrategy{Type: appsv1.OnDeleteStatefulSetStrategyType}
}

func partition(n int32) func(*appsv1.StatefulSet) {
	return func(s *appsv1.StatefulSet) {
		s.Spec.UpdateStrategy.RollingUpdate = &appsv1.RollingUpdateStatefulSetStrategy{Partition: &n}
	}
}

func setImage(img string) func(*appsv1.StatefulSet) {
	return func(s *appsv1.StatefulSet) { s.Spec.Template.Spec.Containers[0].Image = img }
}

// applySets is applyClaims with the plan's new claims written too, as the caller writes
// them with its assignments.
func applySets(in Input, out Output) Input {
	claims := map[string]Claim{}
	for k, c := range in.Claims {
		claims[k] = c
	}
	for _, c := range out.NewClaims {
		claims[c.Namespace+"/"+c.Name] = Claim{OncePod: manifest.OncePod(c)}
	}
	in.Claims = claims
	return applyClaims(in, out)
}

func setInput(nodes []Node, sets ...*appsv1.StatefulSet) Input {
	in := input(nodes, nil)
	in.StatefulSets = sets
	in.Claims = map[string]Claim{}
	return in
}

// podNames lists the pod names of assignments, sorted.
func podNames(as []Assignment) []string {
	var out []string
	for _, a := range as {
		out = append(out, a.Pod.Name)
	}
	slices.Sort(out)
	return out
}

func setNodes() []Node { return []Node{alive("n1"), alive("n2"), alive("n3")} }

func TestStatefulSetOrderedReadyCreatesOneAtATime(t *testing.T) {
	in := setInput(setNodes(), sts("web", 3))
	for want := 0; want < 3; want++ {
		out := Plan(in)
		if got := podNames(out.Create); !slices.Equal(got, []string{fmt.Sprintf("web-%d", want)}) {
			t.Fatalf("step %d: creates %v, want web-%d alone", want, got, want)
		}
		if len(out.NewClaims) != 1 || out.NewClaims[0].Name != fmt.Sprintf("data-web-%d", want) {
			t.Fatalf("step %d: new claims %v, want data-web-%d", want, out.NewClaims, want)
		}
		c := out.Create[0]
		if n := out.Bind["default/data-web-"+fmt.Sprint(want)]; n != c.Node {
			t.Fatalf("step %d: claim bound to %q, pod on %q", want, n, c.Node)
		}
		if c.Pod.Spec.Hostname != c.Pod.Name || c.Pod.Spec.Subdomain != "web" || c.Pod.OwnerKind != manifest.KindStatefulSet {
			t.Fatalf("step %d: pod hostname %q subdomain %q owner kind %q", want, c.Pod.Spec.Hostname, c.Pod.Spec.Subdomain, c.Pod.OwnerKind)
		}
		in = applySets(in, out)
		// Not ready yet: nothing more happens.
		if again := Plan(in); !again.Empty() {
			t.Fatalf("step %d: a pod not ready yet lets the set go on: creates %v", want, keys(again.Create))
		}
		in = markReady(in)
	}
	if out := Plan(in); !out.Empty() {
		t.Fatalf("all ready: plan creates %v, deletes %v", keys(out.Create), removedKeys(out.Delete))
	}
}

func TestStatefulSetParallelCreatesAll(t *testing.T) {
	in := setInput(setNodes(), sts("web", 3, parallel))
	out := Plan(in)
	if got := podNames(out.Create); !slices.Equal(got, []string{"web-0", "web-1", "web-2"}) {
		t.Fatalf("creates %v, want web-0..2", got)
	}
	if len(out.NewClaims) != 3 || len(out.Bind) != 3 {
		t.Fatalf("new claims %d, bound %d; want 3 and 3", len(out.NewClaims), len(out.Bind))
	}
	if again := Plan(applySets(in, out)); !again.Empty() {
		t.Fatalf("not a fixed point: creates %v, deletes %v", keys(again.Create), removedKeys(again.Delete))
	}
}

// converge plans, applies and marks ready until nothing changes, at most rounds times.
func converge(t *testing.T, in Input, rounds int) Input {
	t.Helper()
	for i := 0; i < rounds; i++ {
		out := Plan(in)
		if out.Empty() {
			return in
		}
		in = markReady(applySets(in, out))
	}
	t.Fatalf("no fixed point after %d rounds", rounds)
	return in
}

func TestStatefulSetScaleDownFromHighestKeepsClaims(t *testing.T) {
	in := converge(t, setInput(setNodes(), sts("web", 4)), 10)
	in.StatefulSets = []*appsv1.StatefulSet{sts("web", 1)}
	for _, want := range []string{"web-3", "web-2", "web-1"} {
		out := Plan(in)
		if got := removedKeys(out.Delete); !slices.Equal(got, []string{"default/" + want}) || len(out.Create) != 0 {
			t.Fatalf("removes %v creates %v, want %s alone", got, keys(out.Create), want)
		}
		if len(out.Unused) != 0 {
			t.Fatalf("claims released on scale down: %v", out.Unused)
		}
		in = applySets(in, out)
	}
	if len(in.Claims) != 4 {
		t.Fatalf("claims %v, want the 4 kept", in.Claims)
	}
	// Scaling up again finds each pod its own claim, on its node.
	bound := map[string]string{}
	for k, c := range in.Claims {
		bound[k] = c.Node
	}
	in.StatefulSets = []*appsv1.StatefulSet{sts("web", 4)}
	in = converge(t, in, 10)
	for _, a := range in.Assignments {
		if want := bound["default/data-"+a.Pod.Name]; a.Node != want {
			t.Errorf("%s on %s, its claim is on %s", a.Pod.Name, a.Node, want)
		}
	}
}

func TestStatefulSetParallelScaleDownAtOnce(t *testing.T) {
	in := converge(t, setInput(setNodes(), sts("web", 3, parallel)), 5)
	in.StatefulSets = []*appsv1.StatefulSet{sts("web", 1, parallel)}
	out := Plan(in)
	if got := removedKeys(out.Delete); !slices.Equal(got, []string{"default/web-1", "default/web-2"}) {
		t.Fatalf("removes %v, want web-1 and web-2", got)
	}
}

func TestStatefulSetRollingUpdateReverseOrdinalWithPartition(t *testing.T) {
	in := converge(t, setInput(setNodes(), sts("web", 3)), 10)
	before := placement(in.Assignments)
	in.StatefulSets = []*appsv1.StatefulSet{sts("web", 3, setImage("example.org/db:2"), partition(1))}
	for _, want := range []string{"web-2", "web-1"} {
		out := Plan(in)
		if got := podNames(out.Create); !slices.Equal(got, []string{want}) {
			t.Fatalf("replaces %v, want %s", got, want)
		}
		c := out.Create[0]
		if c.Pod.Spec.Containers[0].Image != "example.org/db:2" || c.Node != before[c.Pod.Key()] {
			t.Fatalf("%s: image %s on %s, want db:2 on %s (its claim's node)", want, c.Pod.Spec.Containers[0].Image, c.Node, before[c.Pod.Key()])
		}
		in = applySets(in, out)
		if again := Plan(in); !again.Empty() {
			t.Fatalf("the update goes on before %s is ready: creates %v", want, keys(again.Create))
		}
		in = markReady(in)
	}
	if out := Plan(in); !out.Empty() {
		t.Fatalf("partition 1: web-0 is replaced too: creates %v", keys(out.Create))
	}
	for _, a := range in.Assignments {
		if a.Pod.Name == "web-0" && a.Pod.Spec.Containers[0].Image != "example.org/db:1" {
			t.Fatalf("web-0 below the partition updated")
		}
	}
}

func TestStatefulSetOnDeleteReplacesOnlyMissingPods(t *testing.T) {
	s := sts("web", 2, setOnDelete, parallel)
	s.Spec.VolumeClaimTemplates = nil
	s.Spec.Template.Spec.Containers[0].VolumeMounts = nil
	in := converge(t, setInput(setNodes(), s), 5)
	changed := sts("web", 2, setOnDelete, parallel, setImage("example.org/db:2"))
	changed.Spec.VolumeClaimTemplates = nil
	changed.Spec.Template.Spec.Containers[0].VolumeMounts = nil
	in.StatefulSets = []*appsv1.StatefulSet{changed}
	if out := Plan(in); !out.Empty() {
		t.Fatalf("OnDelete replaced pods: creates %v", keys(out.Create))
	}
	// web-1's node leaves: web-1 is made again, with the new template.
	gone := placement(in.Assignments)["default/web-1"]
	for i, n := range in.Nodes {
		if n.Name == gone {
			in.Nodes[i].State = NodeLeft
		}
	}
	out := Plan(in)
	if got := podNames(out.Create); !slices.Equal(got, []string{"web-1"}) || out.Create[0].Pod.Spec.Containers[0].Image != "example.org/db:2" {
		t.Fatalf("creates %v, want web-1 with db:2", got)
	}
}

func TestStatefulSetPodStaysWithItsClaimWhenNodeGone(t *testing.T) {
	in := converge(t, setInput(setNodes(), sts("web", 2)), 10)
	node := placement(in.Assignments)["default/web-0"]
	for i, n := range in.Nodes {
		if n.Name == node {
			in.Nodes[i].State = NodeLeft
		}
	}
	out := Plan(in)
	if len(out.Create) != 0 || len(out.Delete) != 0 {
		t.Fatalf("pod moved from its claim: creates %v deletes %v", keys(out.Create), removedKeys(out.Delete))
	}
	if len(out.Pending) != 1 || out.Pending[0].Pod.Name != "web-0" || out.Pending[0].Node != node {
		t.Fatalf("pending %+v, want web-0 kept on %s", out.Pending, node)
	}
}

func TestStatefulSetDeletedLosesPodsKeepsClaims(t *testing.T) {
	in := converge(t, setInput(setNodes(), sts("web", 2)), 10)
	in.StatefulSets = nil
	out := Plan(in)
	if got := removedKeys(out.Delete); !slices.Equal(got, []string{"default/web-0", "default/web-1"}) || len(out.Unused) != 0 {
		t.Fatalf("removes %v, releases %v; want both pods, no claim", got, out.Unused)
	}
}

func TestStatefulSetAndDeploymentOfOneName(t *testing.T) {
	in := setInput(setNodes(), sts("web", 1, parallel))
	in.Deployments = []*appsv1.Deployment{deploy("web", 1)}
	in = converge(t, in, 5)
	if len(in.Assignments) != 2 {
		t.Fatalf("assignments %v, want one pod of each", keys(in.Assignments))
	}
}

// A pod the user deletes is removed, and made again, once its old pod had the time to stop,
// under its name, on its claim's node, with the current template: how OnDelete takes a pod
// to a new one.
func TestStatefulSetDeletedPodMadeAgain(t *testing.T) {
	in := converge(t, setInput(setNodes(), sts("web", 3, setOnDelete)), 10)
	before := placement(in.Assignments)
	in.StatefulSets = []*appsv1.StatefulSet{sts("web", 3, setOnDelete, setImage("example.org/db:2"))}
	if out := Plan(in); !out.Empty() {
		t.Fatalf("OnDelete replaced pods: creates %v", keys(out.Create))
	}
	in.DeletePods = map[string]bool{"default/web-1": true}
	out := Plan(in)
	if got := removedKeys(out.Delete); !slices.Equal(got, []string{"default/web-1"}) || len(out.Create) != 0 ||
		!slices.Equal(out.DeletedPods, []string{"default/web-1"}) {
		t.Fatalf("removes %v, creates %v, deleted %v; want web-1 removed alone", got, keys(out.Create), out.DeletedPods)
	}
	in = applySets(in, out)
	in.DeletePods = nil
	// While its old pod may still be stopping on its node, web-1 is not made again; the
	// plan asks to be made again when the hold ends.
	until := in.Now.Add(33 * time.Second)
	in.HeldPods = map[string]time.Time{"default/web-1": until}
	if out := Plan(in); len(out.Create) != 0 || !out.RecheckAt.Equal(until) {
		t.Fatalf("while held: creates %v, recheck at %v; want nothing, and a plan at %v", keys(out.Create), out.RecheckAt, until)
	}
	in.Now = until
	out = Plan(in)
	if len(out.Create) != 1 || out.Create[0].Pod.Name != "web-1" || out.Create[0].Node != before["default/web-1"] ||
		out.Create[0].Pod.Spec.Containers[0].Image != "example.org/db:2" {
		t.Fatalf("creates %+v, want web-1 with db:2 on %s", keys(out.Create), before["default/web-1"])
	}
	in = markReady(applySets(in, out))
	if out := Plan(in); !out.Empty() {
		t.Fatalf("not a fixed point: creates %v, deletes %v", keys(out.Create), removedKeys(out.Delete))
	}
}

// With minReadySeconds, OrderedReady goes on only once the pod before has been ready that
// long, and the plan asks to be made again then.
func TestStatefulSetMinReadySeconds(t *testing.T) {
	s := sts("web", 2, func(s *appsv1.StatefulSet) { s.Spec.MinReadySeconds = 10 })
	in := setInput(setNodes(), s)
	in = applySets(in, Plan(in))
	for i, a := range in.Assignments {
		a.Status = PodStatus{Phase: corev1.PodRunning, Ready: true, ReadySince: t0}
		in.Assignments[i] = a
	}
	out := Plan(in)
	if len(out.Create) != 0 || !out.RecheckAt.Equal(t0.Add(10*time.Second)) {
		t.Fatalf("creates %v, recheck at %v; want nothing before web-0 is available at %v", keys(out.Create), out.RecheckAt, t0.Add(10*time.Second))
	}
	in.Now = t0.Add(10 * time.Second)
	if out := Plan(in); len(out.Create) != 1 || out.Create[0].Pod.Name != "web-1" {
		t.Fatalf("creates %v once web-0 is available, want web-1", keys(out.Create))
	}
}
