package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/podman-swarm/podman-swarm/agent/kubeapi"
)

// The REASON column shows what the node running a pod says of it, and why no node runs a
// pod that is not placed.
func TestPodRowReason(t *testing.T) {
	pod := func(name string, phase corev1.PodPhase, message string, conds ...corev1.PodCondition) json.RawMessage {
		p := corev1.Pod{
			ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "default"},
			Spec:       corev1.PodSpec{NodeName: "n1", Containers: []corev1.Container{{Name: "app"}}},
			Status:     corev1.PodStatus{Phase: phase, Message: message, Conditions: conds, PodIP: "10.42.0.7"},
		}
		b, err := json.Marshal(p)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	items := []json.RawMessage{
		pod("busy", corev1.PodPending, "port 8080/TCP on the node is in use by another process",
			corev1.PodCondition{Type: corev1.PodScheduled, Status: corev1.ConditionTrue},
			corev1.PodCondition{Type: corev1.PodReady, Status: corev1.ConditionFalse}),
		pod("web", corev1.PodRunning, "", corev1.PodCondition{Type: corev1.PodReady, Status: corev1.ConditionTrue}),
		pod("wait", corev1.PodPending, "", corev1.PodCondition{Type: corev1.PodScheduled, Status: corev1.ConditionFalse,
			Reason: "Unschedulable", Message: "0/1 nodes are available: 1 node(s) have port 8080/TCP in use."}),
	}
	var out bytes.Buffer
	if err := printTable(&out, items, false, mustPrinter(t, "pods"), true, time.Now()); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	want := []string{
		"NAME\tREADY\tSTATUS\tRESTARTS\tAGE\tIP\tNODE\tREASON",
		"busy\t0/1\tPending\t0\t<unknown>\t10.42.0.7\tn1\tport 8080/TCP on the node is in use by another process",
		"web\t0/1\tRunning\t0\t<unknown>\t10.42.0.7\tn1\t<none>",
		"wait\t0/1\tPending\t0\t<unknown>\t10.42.0.7\tn1\t0/1 nodes are available: 1 node(s) have port 8080/TCP in use.",
	}
	if len(lines) != len(want) {
		t.Fatalf("table:\n%s", out.String())
	}
	for i := range want {
		if lines[i] != want[i] {
			t.Errorf("line %d = %q, want %q", i, lines[i], want[i])
		}
	}
}

// Claims list as kubectl lists them: Pending until their first pod's node is chosen,
// Bound with their volume and capacity after, Terminating while their pods keep them.
func TestClaimRow(t *testing.T) {
	now := time.Date(2026, 12, 5, 12, 0, 0, 0, time.UTC)
	local := "local"
	claim := func(name string, phase corev1.PersistentVolumeClaimPhase, deleting bool) json.RawMessage {
		c := corev1.PersistentVolumeClaim{
			ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "default", CreationTimestamp: metav1.NewTime(now.Add(-3 * time.Minute))},
			Spec:       corev1.PersistentVolumeClaimSpec{StorageClassName: &local, AccessModes: []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce}},
			Status:     corev1.PersistentVolumeClaimStatus{Phase: phase},
		}
		if phase == corev1.ClaimBound {
			c.Spec.VolumeName = "swarm-default_" + name
			c.Status.AccessModes = c.Spec.AccessModes
			c.Status.Capacity = corev1.ResourceList{corev1.ResourceStorage: resource.MustParse("1Gi")}
		}
		if deleting {
			at := metav1.NewTime(now)
			c.DeletionTimestamp = &at
		}
		b, err := json.Marshal(c)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	var out bytes.Buffer
	items := []json.RawMessage{claim("data", corev1.ClaimBound, false), claim("new", corev1.ClaimPending, false), claim("old", corev1.ClaimBound, true)}
	if err := printTable(&out, items, false, mustPrinter(t, "persistentvolumeclaims"), false, now); err != nil {
		t.Fatal(err)
	}
	want := []string{
		"NAME\tSTATUS\tVOLUME\tCAPACITY\tACCESS MODES\tSTORAGECLASS\tAGE",
		"data\tBound\tswarm-default_data\t1Gi\tRWO\tlocal\t3m",
		"new\tPending\t\t\t\tlocal\t3m",
		"old\tTerminating\tswarm-default_old\t1Gi\tRWO\tlocal\t3m",
	}
	if got := strings.Split(strings.TrimSpace(out.String()), "\n"); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("table:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	out.Reset()
	if err := printTable(&out, items[:1], false, mustPrinter(t, "persistentvolumeclaims"), true, now); err != nil {
		t.Fatal(err)
	}
	if got := strings.Split(strings.TrimSpace(out.String()), "\n"); len(got) != 2 || !strings.HasSuffix(got[0], "\tVOLUMEMODE") || !strings.HasSuffix(got[1], "\tFilesystem") {
		t.Errorf("wide table:\n%s", out.String())
	}
}

// mustPrinter is the table of resource.
func mustPrinter(t *testing.T, resource string) kubeapi.Printer {
	t.Helper()
	p, ok := kubeapi.PrinterFor(resource)
	if !ok {
		t.Fatalf("no table of %s", resource)
	}
	return p
}

// rowOf is obj's line in the table of resource.
func rowOf(t *testing.T, resource string, obj any, wide bool, now time.Time) []string {
	t.Helper()
	data, err := json.Marshal(obj)
	if err != nil {
		t.Fatal(err)
	}
	_, cells, err := mustPrinter(t, resource).Row(data, wide, now)
	if err != nil {
		t.Fatal(err)
	}
	return cells
}
