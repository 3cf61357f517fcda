package scheduler

import (
	"sort"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/podman-swarm/podman-swarm/manifest"
)

// t0 is the tests' "now".
var t0 = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

const grace = time.Minute

func alive(name string, labels ...string) Node {
	return Node{Name: name, State: NodeAlive, Labels: pairs(labels), Since: t0.Add(-time.Hour)}
}

func inState(name string, state NodeState, since time.Duration, labels ...string) Node {
	return Node{Name: name, State: state, Labels: pairs(labels), Since: t0.Add(-since)}
}

func pairs(kv []string) map[string]string {
	if len(kv) == 0 {
		return nil
	}
	m := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return m
}

// deploy builds a validated-looking Deployment in namespace "default".
func deploy(name string, replicas int, opts ...func(*appsv1.Deployment)) *appsv1.Deployment {
	r := int32(replicas)
	d := &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "default"},
		Spec: appsv1.DeploymentSpec{
			Replicas: &r,
			Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": name}},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": name}},
				Spec: corev1.PodSpec{Containers: []corev1.Container{
					{Name: "app", Image: "example.org/" + name + ":1"},
				}},
			},
		},
	}
	for _, o := range opts {
		o(d)
	}
	return d
}

func image(img string) func(*appsv1.Deployment) {
	return func(d *appsv1.Deployment) { d.Spec.Template.Spec.Containers[0].Image = img }
}

func selector(kv ...string) func(*appsv1.Deployment) {
	return func(d *appsv1.Deployment) { d.Spec.Template.Spec.NodeSelector = pairs(kv) }
}

// port publishes p on the node as an explicit hostPort: only those are a per-node resource
// (see claimedPorts).
func port(p int32) func(*appsv1.Deployment) {
	return func(d *appsv1.Deployment) {
		c := &d.Spec.Template.Spec.Containers[0]
		c.Ports = append(c.Ports, corev1.ContainerPort{ContainerPort: p, HostPort: p})
	}
}

func recreate(d *appsv1.Deployment) {
	d.Spec.Strategy = appsv1.DeploymentStrategy{Type: appsv1.RecreateDeploymentStrategyType}
}

// barePodManifest builds a Pod manifest in namespace "default", each of ports an explicit
// hostPort.
func barePodManifest(name string, ports ...int32) *corev1.Pod {
	c := corev1.Container{Name: "app", Image: "example.org/" + name + ":1"}
	for _, p := range ports {
		c.Ports = append(c.Ports, corev1.ContainerPort{ContainerPort: p, HostPort: p})
	}
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "default"},
		Spec:       corev1.PodSpec{Containers: []corev1.Container{c}},
	}
}

// on assigns the ordinal-th pod of d to a node, ready and running.
func on(d *appsv1.Deployment, ordinal int, nodeName string) Assignment {
	return Assignment{
		Pod:    manifest.DeploymentPod(d, ordinal),
		Node:   nodeName,
		Status: PodStatus{Phase: corev1.PodRunning, Ready: true},
	}
}

func notReady(a Assignment) Assignment {
	a.Status = PodStatus{Phase: corev1.PodRunning}
	return a
}

func input(nodes []Node, deps []*appsv1.Deployment, as ...Assignment) Input {
	return Input{Deployments: deps, Assignments: as, Nodes: nodes, Now: t0, DeadGrace: grace, Seed: 1}
}

// apply returns in with out written into its assignments, the way the caller writes them
// into the store: deletions first, then creations, which carry no status yet.
func apply(in Input, out Output) Input {
	type slot struct{ key, node string }
	gone := map[slot]bool{}
	for _, r := range out.Delete {
		gone[slot{r.Pod.Key(), r.Node}] = true
	}
	replaced := map[string]bool{}
	for _, c := range out.Create {
		replaced[c.Pod.Key()] = true
	}
	var as []Assignment
	for _, a := range in.Assignments {
		if !gone[slot{a.Pod.Key(), a.Node}] && !replaced[a.Pod.Key()] {
			as = append(as, a)
		}
	}
	as = append(as, out.Create...)
	in.Assignments = as
	return in
}

// markReady reports every assignment on an alive node as running and ready.
func markReady(in Input) Input {
	state := map[string]NodeState{}
	for _, n := range in.Nodes {
		state[n.Name] = n.State
	}
	as := make([]Assignment, len(in.Assignments))
	for i, a := range in.Assignments {
		if state[a.Node] == NodeAlive {
			a.Status = PodStatus{Phase: corev1.PodRunning, Ready: true}
		}
		as[i] = a
	}
	in.Assignments = as
	return in
}

// placement is pod key -> node.
func placement(as []Assignment) map[string]string {
	m := map[string]string{}
	for _, a := range as {
		m[a.Pod.Key()] = a.Node
	}
	return m
}

// keys lists the pod keys of assignments, sorted.
func keys(as []Assignment) []string {
	var ks []string
	for _, a := range as {
		ks = append(ks, a.Pod.Key())
	}
	sort.Strings(ks)
	return ks
}

func removedKeys(rs []Removal) []string {
	var ks []string
	for _, r := range rs {
		ks = append(ks, r.Pod.Key())
	}
	sort.Strings(ks)
	return ks
}

// perNode counts the pods of one owner (all pods when owner is "") on each node.
func perNode(as []Assignment, owner string) map[string]int {
	m := map[string]int{}
	for _, a := range as {
		if owner == "" || a.Pod.Owner == owner {
			m[a.Node]++
		}
	}
	return m
}

func key(d *appsv1.Deployment, ordinal int) string {
	return d.Namespace + "/" + manifest.PodName(d.Name, manifest.TemplateHash(&d.Spec.Template), ordinal)
}

// mustBeFixedPoint fails the test unless planning again after applying out changes nothing.
func mustBeFixedPoint(t *testing.T, in Input, out Output) {
	t.Helper()
	again := Plan(apply(in, out))
	if !again.Empty() {
		t.Fatalf("not a fixed point: second plan creates %v, deletes %v", keys(again.Create), removedKeys(again.Delete))
	}
}

func publish(ip string, p int32, proto string) []manifest.PublishedPort {
	return []manifest.PublishedPort{{HostIP: ip, HostPort: p, ContainerPort: p, Protocol: corev1.Protocol(proto)}}
}

func deploymentHash(d *appsv1.Deployment) string { return manifest.TemplateHash(&d.Spec.Template) }
