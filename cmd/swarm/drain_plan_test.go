package main

import (
	"bytes"
	"reflect"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func podOn(name, node, owner string, phase corev1.PodPhase, vols ...corev1.Volume) corev1.Pod {
	p := corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "default"},
		Spec:   corev1.PodSpec{NodeName: node, Volumes: vols, Containers: []corev1.Container{{Name: "c"}}},
		Status: corev1.PodStatus{Phase: phase}}
	if owner != "" {
		p.OwnerReferences = []metav1.OwnerReference{{Kind: owner, Name: name + "-owner"}}
	}
	return p
}

func TestPlanDrainSortsThePodsAsKubectlDoes(t *testing.T) {
	claim := corev1.Volume{Name: "data", VolumeSource: corev1.VolumeSource{PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: "data"}}}
	pods := []corev1.Pod{
		podOn("web", "n2", "Deployment", corev1.PodRunning),
		podOn("elsewhere", "n1", "Deployment", corev1.PodRunning),
		podOn("tools", "n2", "", corev1.PodRunning),
		podOn("logs", "n2", "DaemonSet", corev1.PodRunning),
		podOn("db", "n2", "Deployment", corev1.PodRunning, claim),
		podOn("kv-0", "n2", "StatefulSet", corev1.PodRunning, claim),
		podOn("migrate", "n2", "Job", corev1.PodRunning),
		podOn("done", "n2", "Job", corev1.PodSucceeded),
	}
	plan := planDrain(pods, "n2")
	want := drainPlan{move: []string{"default/web", "default/migrate"}, bare: []string{"default/tools"},
		local: []string{"default/db"}, daemon: []string{"default/logs"}, stateful: []string{"default/kv-0"}}
	if !reflect.DeepEqual(plan, want) {
		t.Fatalf("plan %+v\nwant %+v", plan, want)
	}
	if got := plan.refusals(drainOptions{ignoreDaemonSets: true, force: true, deleteLocalData: true}); len(got) != 0 {
		t.Errorf("refusals with every flag: %v", got)
	}
	if got := plan.leaving(drainOptions{force: true}); !reflect.DeepEqual(got, []string{"default/web", "default/migrate", "default/tools"}) {
		t.Errorf("leaving with --force: %v", got)
	}
	if got := len(plan.refusals(drainOptions{})); got != 3 {
		t.Errorf("%d refusals without flags, want 3", got)
	}
}

func TestDrainStatusSaysWhyAPodStays(t *testing.T) {
	web := podOn("web-a", "n2", "Deployment", corev1.PodRunning)
	web.OwnerReferences[0].Name = "web"
	pending := podOn("web-b", "", "Deployment", corev1.PodPending)
	pending.OwnerReferences[0].Name = "web"
	pending.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodScheduled, Status: corev1.ConditionFalse, Message: "0/3 nodes are available: 3 node(s) didn't match nodeSelector."}}
	tools := podOn("tools", "n2", "", corev1.PodRunning)
	tools.Status.Message = "node n2 is drained, but the pod cannot leave it"
	moved := podOn("moved", "n1", "", corev1.PodRunning)
	got := drainStatus([]corev1.Pod{web, pending, tools, moved}, "n2", []string{"default/web-a", "default/tools", "default/moved", "default/gone"})
	want := map[string]string{
		"default/web-a": "its replacement fits no other node: 0/3 nodes are available: 3 node(s) didn't match nodeSelector.",
		"default/tools": "node n2 is drained, but the pod cannot leave it",
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("status %v\nwant %v", got, want)
	}
}

func TestDescribeNodeShowsTaintsAndUnschedulable(t *testing.T) {
	n := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "n2"}, Spec: corev1.NodeSpec{Unschedulable: true,
		Taints: []corev1.Taint{{Key: corev1.TaintNodeUnschedulable, Effect: corev1.TaintEffectNoSchedule}}}}
	var out bytes.Buffer
	if err := describeNode(&out, n, nil); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"\nTaints:        node.kubernetes.io/unschedulable:NoSchedule\n", "\nUnschedulable: true\n"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("describe node lacks %q:\n%s", want, out.String())
		}
	}
}
