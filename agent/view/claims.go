package view

import (
	corev1 "k8s.io/api/core/v1"

	"github.com/podman-swarm/podman-swarm/agent/store"
	"github.com/podman-swarm/podman-swarm/manifest"
	"github.com/podman-swarm/podman-swarm/quadlet"
)

// SelectedNodeAnnotation is the annotation Kubernetes puts on a claim whose volume waits
// for its first pod, naming the node chosen: here, the node the claim is bound to.
const SelectedNodeAnnotation = "volume.kubernetes.io/selected-node"

// ClaimShape is a PersistentVolumeClaim as the API shows it: as applied, with its
// binding turned into Kubernetes' status. Pending until its first pod's node is chosen;
// then Bound, with that node's name in the selected-node annotation, the claim's podman
// volume as its volumeName, and its request as its capacity (a local volume has no size of
// its own). A claim being deleted keeps its binding and the pvc-protection finalizer.
func ClaimShape(c *corev1.PersistentVolumeClaim, b store.ClaimBinding, bound bool) *corev1.PersistentVolumeClaim {
	out := c.DeepCopy()
	out.APIVersion, out.Kind = "v1", "PersistentVolumeClaim"
	if out.Spec.StorageClassName == nil || *out.Spec.StorageClassName == "" {
		sc := manifest.StorageClassLocal
		out.Spec.StorageClassName = &sc
	}
	if out.Spec.VolumeMode == nil {
		fs := corev1.PersistentVolumeFilesystem
		out.Spec.VolumeMode = &fs
	}
	out.Status = corev1.PersistentVolumeClaimStatus{Phase: corev1.ClaimPending}
	if !bound || !b.Released.IsZero() {
		return out
	}
	if out.Annotations == nil {
		out.Annotations = map[string]string{}
	}
	out.Annotations[SelectedNodeAnnotation] = b.Node
	out.Spec.VolumeName = quadlet.ClaimVolumeName(c.Namespace, c.Name)
	out.Status = corev1.PersistentVolumeClaimStatus{
		Phase:       corev1.ClaimBound,
		AccessModes: c.Spec.AccessModes,
		Capacity:    corev1.ResourceList{corev1.ResourceStorage: c.Spec.Resources.Requests[corev1.ResourceStorage]},
	}
	return out
}

// reshapeClaim makes the claim of key from its record and its binding.
func (v *View) reshapeClaim(key string) {
	c, ok := v.rec.st.Claims[key]
	if !ok {
		v.remove(Claims, key)
		return
	}
	b, bound := v.rec.st.ClaimBindings[key]
	v.put(Claims, key, ClaimShape(c, b, bound), "")
}
