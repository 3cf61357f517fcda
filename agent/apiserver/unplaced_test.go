package apiserver

import (
	"slices"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/podman-swarm/podman-swarm/agent/nodemeta"
	"github.com/podman-swarm/podman-swarm/agent/store"
	"github.com/podman-swarm/podman-swarm/cluster"
	"github.com/podman-swarm/podman-swarm/manifest"
)

func testDeployment(ns, name string, replicas int32, image string) *appsv1.Deployment {
	return &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: appsv1.DeploymentSpec{
			Replicas: &replicas,
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": name}},
				Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "main", Image: image}}},
			},
		},
	}
}

func emptyState() *store.State {
	return &store.State{
		Deployments: map[string]*appsv1.Deployment{},
		Pods:        map[string]*corev1.Pod{},
		Assignments: map[string]store.Assignment{},
		Pending:     map[string]store.Pending{},
		Status:      map[string]store.PodStatus{},
	}
}

func assign(st *store.State, p manifest.Pod, node string) {
	st.Assignments[p.Key()] = store.Assignment{Pod: p, Node: node}
}

func podNames(pods []manifest.Pod) []string {
	var out []string
	for _, p := range pods {
		out = append(out, p.Key())
	}
	return out
}

func ordinalKeys(d *appsv1.Deployment, ordinals ...int) []string {
	var out []string
	for _, i := range ordinals {
		out = append(out, manifest.DeploymentPod(d, i).Key())
	}
	return out
}

func TestMissingPodsOfADeployment(t *testing.T) {
	d := testDeployment("default", "web", 3, "img:1")
	for _, tc := range []struct {
		name string
		// assigned and pending are ordinals of the current template.
		assigned, pending []int
		want              []int
	}{
		{name: "nothing recorded: every replica", want: []int{0, 1, 2}},
		{name: "placed and pending ones are recorded", assigned: []int{0}, pending: []int{1}, want: []int{2}},
		{name: "the lowest free ordinals, as the scheduler names them", assigned: []int{0, 2}, want: []int{1}},
		{name: "every replica recorded", assigned: []int{0, 1}, pending: []int{2}},
		{name: "more recorded than replicas (scaling down)", assigned: []int{0, 1, 2, 3}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := emptyState()
			st.Deployments["default/web"] = d
			for _, i := range tc.assigned {
				assign(st, manifest.DeploymentPod(d, i), "n1")
			}
			for _, i := range tc.pending {
				p := manifest.DeploymentPod(d, i)
				st.Pending[p.Key()] = store.Pending{Pod: p, Reason: "no room"}
			}
			got := podNames(missingPods(st, ""))
			if want := ordinalKeys(d, tc.want...); !slices.Equal(got, want) {
				t.Errorf("missing %v, want %v", got, want)
			}
			for _, p := range missingPods(st, "") {
				if p.Owner != "web" || p.TemplateHash != manifest.TemplateHash(&d.Spec.Template) {
					t.Errorf("missing pod %s: owner %q, template %q", p.Name, p.Owner, p.TemplateHash)
				}
			}
		})
	}
}

// During a rolling update the old template's pods stand in for the new ones not made yet:
// nothing is missing while the Deployment has as many pods as replicas, of any template.
// When the old ones are gone and the new ones could not be written, the new ones are.
func TestMissingPodsDuringARollout(t *testing.T) {
	old := testDeployment("default", "web", 3, "img:1")
	cur := testDeployment("default", "web", 3, "img:2")
	st := emptyState()
	st.Deployments["default/web"] = cur
	for i := range 3 {
		assign(st, manifest.DeploymentPod(old, i), "n1")
	}
	if got := missingPods(st, ""); len(got) != 0 {
		t.Errorf("before the rollout starts: missing %v", podNames(got))
	}
	assign(st, manifest.DeploymentPod(cur, 0), "n2") // the surge
	if got := missingPods(st, ""); len(got) != 0 {
		t.Errorf("during the rollout: missing %v", podNames(got))
	}
	delete(st.Assignments, manifest.DeploymentPod(old, 0).Key())
	delete(st.Assignments, manifest.DeploymentPod(old, 1).Key())
	got := podNames(missingPods(st, ""))
	if want := ordinalKeys(cur, 1); !slices.Equal(got, want) {
		t.Errorf("old pods removed, new not written: missing %v, want %v", got, want)
	}
}

func TestMissingBarePodsAndNamespaces(t *testing.T) {
	st := emptyState()
	for _, name := range []string{"a", "b", "c"} {
		st.Pods["default/"+name] = &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: name}}
	}
	st.Pods["shop/d"] = &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: "d"}}
	assign(st, manifest.BarePod(st.Pods["default/a"]), "n1")
	st.Pending["default/b"] = store.Pending{Pod: manifest.BarePod(st.Pods["default/b"]), Reason: "no room"}
	st.Deployments["shop/api"] = testDeployment("shop", "api", 1, "img:1")
	st.Deployments["default/none"] = testDeployment("default", "none", 0, "img:1")

	if got := podNames(missingPods(st, "default")); !slices.Equal(got, []string{"default/c"}) {
		t.Errorf("missing in default: %v", got)
	}
	want := []string{manifest.DeploymentPod(st.Deployments["shop/api"], 0).Key(), "default/c", "shop/d"}
	if got := podNames(missingPods(st, "")); !slices.Equal(got, want) {
		t.Errorf("missing everywhere: %v, want %v", got, want)
	}
}

func member(name string, state cluster.MemberState, meta map[string]string) cluster.Member {
	return cluster.Member{Name: name, State: state, Meta: meta}
}

func TestUnplacedSaysWhatTheLeaderSays(t *testing.T) {
	failing := map[string]string{}
	nodemeta.SetStoreFailure(failing, "no space left on device", time.Unix(1000, 0))
	for _, tc := range []struct {
		name            string
		members         []cluster.Member
		leader          string
		reason, message string
	}{
		{"the leader cannot write", []cluster.Member{member("n0", cluster.StateAlive, failing), member("n1", cluster.StateAlive, nil)}, "n0",
			"SchedulerError", "not placed yet: the leader n0 cannot write to its store: no space left on device"},
		{"another node cannot write", []cluster.Member{member("n0", cluster.StateAlive, nil), member("n1", cluster.StateAlive, failing)}, "n0",
			"NotScheduledYet", "not placed yet: waiting for the scheduler"},
		{"no leader", []cluster.Member{member("n0", cluster.StateDead, failing)}, "",
			"NotScheduledYet", "not placed yet: waiting for the scheduler"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := unplaced(leaderStoreFailure(tc.members, tc.leader))
			if c.Type != corev1.PodScheduled || c.Status != corev1.ConditionFalse || c.Reason != tc.reason || c.Message != tc.message {
				t.Errorf("condition %+v, want %s %q", c, tc.reason, tc.message)
			}
		})
	}
}

// The pods not recorded are listed with the others, in order, Pending with the condition.
func TestPodViewsListMissingPods(t *testing.T) {
	d := testDeployment("default", "web", 2, "img:1")
	st := emptyState()
	st.Deployments["default/web"] = d
	placed := manifest.DeploymentPod(d, 0)
	assign(st, placed, "n1")
	why := condition(corev1.PodScheduled, false, "SchedulerError", "not placed yet: the leader n0 cannot write to its store: no space left on device")
	views := podViews(st, "default", why)
	if len(views) != 2 {
		t.Fatalf("%d pods listed, want 2", len(views))
	}
	for _, v := range views {
		p := v.(*corev1.Pod)
		if p.Name == placed.Name {
			if p.Spec.NodeName != "n1" {
				t.Errorf("placed pod on %q", p.Spec.NodeName)
			}
			continue
		}
		if p.Name != manifest.DeploymentPod(d, 1).Name || p.Spec.NodeName != "" || p.Status.Phase != corev1.PodPending ||
			len(p.Status.Conditions) != 1 || p.Status.Conditions[0] != why || p.OwnerReferences[0].Name != "web" {
			t.Errorf("missing pod listed as %+v", p)
		}
	}
	if a, b := views[0].(*corev1.Pod).Name, views[1].(*corev1.Pod).Name; a > b {
		t.Errorf("pods not in order: %s, %s", a, b)
	}
}

func TestStoreConditionOfNodes(t *testing.T) {
	failing := map[string]string{"api": "127.0.0.1:1"}
	nodemeta.SetStoreFailure(failing, "no space left on device", time.Unix(1000, 0))
	views := nodeViews([]cluster.Member{
		member("n0", cluster.StateAlive, failing),
		member("n1", cluster.StateAlive, map[string]string{"api": "127.0.0.1:2"}),
		member("n2", cluster.StateDead, failing),
	}, "n0", nil)
	want := []struct {
		status          corev1.ConditionStatus
		reason, message string
		since           time.Time
	}{
		{corev1.ConditionTrue, "StoreWriteFailed", "the node cannot write to its store: no space left on device", time.Unix(1000, 0)},
		{corev1.ConditionFalse, "StoreWritable", "the node writes its store to disk", time.Time{}},
		{corev1.ConditionUnknown, "NodeStatusUnknown", "the node is dead", time.Time{}},
	}
	for i, v := range views {
		n := v.(*corev1.Node)
		var c *corev1.NodeCondition
		for j := range n.Status.Conditions {
			if n.Status.Conditions[j].Type == nodeStoreFailing {
				c = &n.Status.Conditions[j]
			}
		}
		if c == nil {
			t.Errorf("%s has no StoreFailing condition", n.Name)
			continue
		}
		w := want[i]
		if c.Status != w.status || c.Reason != w.reason || c.Message != w.message || !c.LastTransitionTime.Time.Equal(w.since) {
			t.Errorf("%s: %+v, want %+v", n.Name, c, w)
		}
		if n.Status.Conditions[0].Type != corev1.NodeReady {
			t.Errorf("%s: Ready is not the first condition: %+v", n.Name, n.Status.Conditions)
		}
	}
}

// While the leader cannot write, a Deployment it holds back says why; one that is where
// its spec says does not.
func TestDeploymentViewsSayWhyTheyAreHeldBack(t *testing.T) {
	const failure = "the leader n0 cannot write to its store: no space left on device"
	old := testDeployment("default", "web", 2, "img:1")
	cur := testDeployment("default", "web", 2, "img:2")
	done := testDeployment("default", "done", 1, "img:1")
	st := emptyState()
	st.Deployments["default/web"], st.Deployments["default/done"] = cur, done
	assign(st, manifest.DeploymentPod(old, 0), "n1")
	assign(st, manifest.DeploymentPod(old, 1), "n1")
	assign(st, manifest.DeploymentPod(done, 0), "n1")

	replicaFailure := func(views []any, name string) *appsv1.DeploymentCondition {
		for _, v := range views {
			d := v.(*appsv1.Deployment)
			for i, c := range d.Status.Conditions {
				if d.Name == name && c.Type == appsv1.DeploymentReplicaFailure {
					return &d.Status.Conditions[i]
				}
			}
		}
		return nil
	}
	views := deploymentViews(st, "", failure)
	if c := replicaFailure(views, "web"); c == nil || c.Status != corev1.ConditionTrue || c.Reason != "FailedCreate" || c.Message != failure {
		t.Errorf("a rollout held back: %+v", c)
	}
	if c := replicaFailure(views, "done"); c != nil {
		t.Errorf("a Deployment rolled out: %+v", c)
	}
	if c := replicaFailure(deploymentViews(st, "", ""), "web"); c != nil {
		t.Errorf("with a healthy leader: %+v", c)
	}
}
