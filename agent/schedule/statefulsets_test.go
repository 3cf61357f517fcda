package schedule

import (
	"encoding/json"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/podman-swarm/podman-swarm/agent/store"
	"github.com/podman-swarm/podman-swarm/manifest"
	"github.com/podman-swarm/podman-swarm/scheduler"
)

// The leader writes the claims a plan made for StatefulSets, unless one of that name is
// stored already, with an empty lineage; it marks the pod deletions it served with the time
// before which the pod is not made again (the node's drain, the pod's grace period and a
// second), deletes those past that time and those about no StatefulSet's pod, and keeps
// the others for a later plan.
func TestStatefulSetChanges(t *testing.T) {
	now := time.Date(2026, 12, 5, 9, 0, 0, 0, time.UTC)
	stored := &corev1.PersistentVolumeClaim{ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "data-db-0"}}
	sts := func(name string) store.Assignment {
		return store.Assignment{Pod: manifest.Pod{Namespace: "default", Name: name, Owner: "db", OwnerKind: manifest.KindStatefulSet}, Node: "n1"}
	}
	st := &store.State{
		Claims: map[string]*corev1.PersistentVolumeClaim{"default/data-db-0": stored},
		Assignments: map[string]store.Assignment{
			"default/db-0": sts("db-0"), "default/db-1": sts("db-1"),
			"default/web-x": {Pod: manifest.Pod{Namespace: "default", Name: "web-x", Owner: "web"}, Node: "n1"},
		},
		PodDeletions: map[string]store.PodDeletion{
			"default/db-0": {Node: "n1"}, "default/db-1": {Node: "n1"}, "default/db-7": {Node: "n1"}, "default/web-x": {Node: "n1"},
			"default/db-2": {Node: "n1", Until: now.Add(-time.Millisecond)}, "default/db-3": {Node: "n1", Until: now.Add(time.Second)},
		},
	}
	out := scheduler.Output{
		NewClaims: []*corev1.PersistentVolumeClaim{
			{ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "data-db-0"}},
			{ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "data-db-1"}},
		},
		DeletedPods: []string{"default/db-0"},
	}
	claims := statefulSetClaimChanges(st, out)
	if len(claims) != 1 || claims[0].key != "persistentvolumeclaim/default/data-db-1" {
		t.Fatalf("claim writes %+v, want data-db-1 alone", claims)
	}
	var c corev1.PersistentVolumeClaim
	if err := json.Unmarshal(claims[0].value, &c); err != nil {
		t.Fatal(err)
	}
	if c.Kind != "PersistentVolumeClaim" || c.APIVersion != "v1" || c.ResourceVersion != (store.Lineage{}).String() {
		t.Errorf("claim written as %+v", c.TypeMeta)
	}
	var deleted []string
	for _, ch := range podDeletionChanges(st, out, now) {
		if !ch.delete {
			var d store.PodDeletion
			if err := json.Unmarshal(ch.value, &d); err != nil {
				t.Fatal(err)
			}
			// db-0's pod has Kubernetes' default grace period, 30 s.
			if ch.key != "poddeletion/default/db-0" || !d.Until.Equal(now.Add(33*time.Second)) {
				t.Errorf("%s written as %+v, want db-0's served request held until 33 s from now", ch.key, d)
			}
			continue
		}
		deleted = append(deleted, ch.key)
	}
	want := []string{"poddeletion/default/db-2", "poddeletion/default/db-7", "poddeletion/default/web-x"}
	if len(deleted) != len(want) {
		t.Fatalf("deletes %v, want %v", deleted, want)
	}
	for i := range want {
		if deleted[i] != want[i] {
			t.Errorf("deletes %v, want %v", deleted, want)
		}
	}
	if in, held := podDeletionInputs(st), heldPodInputs(st); len(in) != 4 || in["default/db-3"] || !held["default/db-3"].Equal(now.Add(time.Second)) {
		t.Errorf("requests to serve %v, held %v", in, held)
	}
}
