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

func TestClaimInputsAndChanges(t *testing.T) {
	now := time.Date(2026, 12, 5, 12, 0, 0, 0, time.UTC)
	deleting := metav1.NewTime(now)
	st := &store.State{
		Claims: map[string]*corev1.PersistentVolumeClaim{
			"default/new":   {ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "new"}},
			"default/bound": {ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "bound"}, Spec: corev1.PersistentVolumeClaimSpec{AccessModes: []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOncePod}}},
			"default/again": {ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "again"}},
			"default/gone": {ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "gone", DeletionTimestamp: &deleting,
				Annotations: map[string]string{"swarm.podman.io/reclaim-policy": "Retain"}}},
		},
		ClaimBindings: map[string]store.ClaimBinding{
			"default/bound": {Node: "n1"},
			"default/again": {Node: "n2", Released: now.Add(-time.Hour), Reclaim: "Delete"},
			"default/gone":  {Node: "n3"},
		},
	}
	in := claimInputs(st)
	want := map[string]scheduler.Claim{
		"default/new": {}, "default/bound": {Node: "n1", OncePod: true}, "default/again": {}, "default/gone": {Node: "n3", Deleting: true},
	}
	if len(in) != len(want) {
		t.Fatalf("claims = %+v", in)
	}
	for k, w := range want {
		if in[k] != w {
			t.Errorf("%s = %+v, want %+v", k, in[k], w)
		}
	}
	user := manifest.Pod{Namespace: "default", Name: "p", Spec: corev1.PodSpec{Volumes: []corev1.Volume{{Name: "v",
		VolumeSource: corev1.VolumeSource{PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: "new"}}}}}}
	// "again" was to be bound by a pod that was not created after all (no pod IP left).
	out := scheduler.Output{
		Create: []scheduler.Assignment{{Pod: user, Node: "n2"}},
		Bind:   map[string]string{"default/new": "n2", "default/again": "n1"},
		Unused: []string{"default/gone"},
	}
	changes := claimChanges(st, out, now)
	got := map[string]string{}
	for _, c := range changes {
		if c.delete {
			got[c.key] = "deleted"
			continue
		}
		var b store.ClaimBinding
		if err := json.Unmarshal(c.value, &b); err != nil {
			t.Fatal(err)
		}
		got[c.key] = b.Node + " " + b.Reclaim
		if c.key == "claim/default/gone" && !b.Released.Equal(now) {
			t.Errorf("released at %v, want %v", b.Released, now)
		}
	}
	wantChanges := map[string]string{
		"claim/default/new":                  "n2 ",
		"persistentvolumeclaim/default/gone": "deleted",
		"claim/default/gone":                 "n3 Retain",
	}
	if len(got) != len(wantChanges) {
		t.Fatalf("changes = %v", got)
	}
	for k, w := range wantChanges {
		if got[k] != w {
			t.Errorf("%s: %q, want %q", k, got[k], w)
		}
	}
}
