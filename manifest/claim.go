package manifest

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"
)

// StorageClassLocal is the one storage class the cluster offers, and the default: a claim
// becomes a podman named volume on the node where its first pod runs, and stays there.
const StorageClassLocal = "local"

// ReclaimPolicyAnnotation says what happens to a claim's volume when the claim is deleted:
// "Delete" (the default, as for a dynamically provisioned volume in Kubernetes) removes it
// from its node, "Retain" keeps it there for an administrator to take.
const ReclaimPolicyAnnotation = "swarm.podman.io/reclaim-policy"

// The reclaim policies a claim may name, with Kubernetes' spelling.
const (
	ReclaimDelete = string(corev1.PersistentVolumeReclaimDelete)
	ReclaimRetain = string(corev1.PersistentVolumeReclaimRetain)
)

// ReclaimPolicy is what happens to a claim's volume once the claim is deleted: its
// annotation, else Delete.
func ReclaimPolicy(c *corev1.PersistentVolumeClaim) string {
	if p := c.Annotations[ReclaimPolicyAnnotation]; p != "" {
		return p
	}
	return ReclaimDelete
}

// OncePod reports whether a claim may be used by one pod at a time (ReadWriteOncePod);
// otherwise (ReadWriteOnce) any number of pods on its node may use it.
func OncePod(c *corev1.PersistentVolumeClaim) bool {
	for _, m := range c.Spec.AccessModes {
		if m == corev1.ReadWriteOncePod {
			return true
		}
	}
	return false
}

// ClaimNames lists the claims a pod's volumes name, in the order of spec.volumes, each
// once.
func ClaimNames(spec *corev1.PodSpec) []string {
	var out []string
	seen := map[string]bool{}
	for _, v := range spec.Volumes {
		if v.PersistentVolumeClaim == nil || seen[v.PersistentVolumeClaim.ClaimName] {
			continue
		}
		seen[v.PersistentVolumeClaim.ClaimName] = true
		out = append(out, v.PersistentVolumeClaim.ClaimName)
	}
	return out
}

// ClaimNotFound is Kubernetes' words for a pod whose claim does not exist.
func ClaimNotFound(name string) string {
	return fmt.Sprintf("persistentvolumeclaim %q not found", name)
}

// ClaimBeingDeleted is Kubernetes' words for a new pod whose claim is being deleted.
func ClaimBeingDeleted(name string) string {
	return fmt.Sprintf("persistentvolumeclaim %q is being deleted", name)
}

func decodeClaim(data []byte, o *Object) error {
	o.Claim = &corev1.PersistentVolumeClaim{}
	return decodeStrict(data, o.Claim)
}
