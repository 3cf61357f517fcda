package view_test

import (
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/podman-swarm/podman-swarm/agent/store"
	"github.com/podman-swarm/podman-swarm/agent/view"
)

func TestClaimShape(t *testing.T) {
	c := &corev1.PersistentVolumeClaim{
		ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: "data"},
		Spec: corev1.PersistentVolumeClaimSpec{
			AccessModes: []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOncePod},
			Resources:   corev1.VolumeResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceStorage: resource.MustParse("2Gi")}},
		},
	}
	pending := view.ClaimShape(c, store.ClaimBinding{}, false)
	if pending.Status.Phase != corev1.ClaimPending || *pending.Spec.StorageClassName != "local" || pending.Spec.VolumeName != "" ||
		pending.Kind != "PersistentVolumeClaim" {
		t.Errorf("unbound: %+v %+v", pending.Spec, pending.Status)
	}
	bound := view.ClaimShape(c, store.ClaimBinding{Node: "n1"}, true)
	if bound.Status.Phase != corev1.ClaimBound || bound.Spec.VolumeName != "swarm-shop_data" ||
		bound.Annotations[view.SelectedNodeAnnotation] != "n1" || bound.Status.Capacity.Storage().String() != "2Gi" ||
		len(bound.Status.AccessModes) != 1 {
		t.Errorf("bound: %+v %+v", bound.ObjectMeta, bound.Status)
	}
	if c.Annotations != nil || c.Status.Phase != "" {
		t.Error("ClaimShape changed the stored claim")
	}
	released := view.ClaimShape(c, store.ClaimBinding{Node: "n1", Released: time.Now(), Reclaim: "Delete"}, true)
	if released.Status.Phase != corev1.ClaimPending {
		t.Errorf("a claim made again after its namesake was deleted: %+v", released.Status)
	}
}
