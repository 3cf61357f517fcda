package manifest

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// claimModes are the access modes a claim may ask for: both keep the volume on one node,
// which is what a podman volume is.
var claimModes = []string{string(corev1.ReadWriteOnce), string(corev1.ReadWriteOncePod)}

// validateClaim checks a PersistentVolumeClaim with Kubernetes' rules and messages, and
// refuses what a local podman volume cannot be: shared between nodes, of another storage
// class, bound to a volume named in advance, or filled from a source.
func validateClaim(c *corev1.PersistentVolumeClaim) field.ErrorList {
	// Kubernetes' claim names are DNS subdomains; the volume's name on the node keeps the
	// name whole, and podman takes it.
	errs := validateMeta(&c.ObjectMeta, validation.IsDNS1123Subdomain, "DNS-1123 subdomain")
	if p, ok := c.Annotations[ReclaimPolicyAnnotation]; ok && p != ReclaimDelete && p != ReclaimRetain {
		errs = append(errs, field.NotSupported(field.NewPath("metadata", "annotations").Key(ReclaimPolicyAnnotation), p,
			[]string{ReclaimDelete, ReclaimRetain}))
	}
	spec := field.NewPath("spec")
	errs = append(errs, validateAccessModes(c.Spec.AccessModes, spec.Child("accessModes"))...)
	storage := spec.Child("resources").Key(string(corev1.ResourceStorage))
	if q, ok := c.Spec.Resources.Requests[corev1.ResourceStorage]; !ok {
		errs = append(errs, field.Required(storage, ""))
	} else if q.Sign() <= 0 {
		errs = append(errs, field.Invalid(storage, q.String(), "must be greater than zero"))
	}
	if sc := c.Spec.StorageClassName; sc != nil && *sc != "" && *sc != StorageClassLocal {
		errs = append(errs, field.NotSupported(spec.Child("storageClassName"), *sc, []string{StorageClassLocal}))
	}
	if m := c.Spec.VolumeMode; m != nil && *m != corev1.PersistentVolumeFilesystem {
		errs = append(errs, field.NotSupported(spec.Child("volumeMode"), *m, []string{string(corev1.PersistentVolumeFilesystem)}))
	}
	if c.Spec.VolumeName != "" {
		errs = append(errs, field.Forbidden(spec.Child("volumeName"),
			"not supported: the cluster makes each claim's volume itself, on the node of its first pod; leave it empty"))
	}
	if c.Spec.Selector != nil {
		errs = append(errs, field.Forbidden(spec.Child("selector"),
			"not supported: there are no PersistentVolumes to select, each claim gets a volume of its own"))
	}
	if c.Spec.DataSource != nil {
		errs = append(errs, field.Forbidden(spec.Child("dataSource"), "not supported: a claim's volume starts empty"))
	}
	if c.Spec.DataSourceRef != nil {
		errs = append(errs, field.Forbidden(spec.Child("dataSourceRef"), "not supported: a claim's volume starts empty"))
	}
	if c.Spec.VolumeAttributesClassName != nil {
		errs = append(errs, field.Forbidden(spec.Child("volumeAttributesClassName"), "not supported: local volumes have no attributes classes"))
	}
	return errs
}

// validateAccessModes checks a claim's access modes as Kubernetes does, and refuses the
// two that share a volume between nodes.
func validateAccessModes(modes []corev1.PersistentVolumeAccessMode, path *field.Path) field.ErrorList {
	if len(modes) == 0 {
		return field.ErrorList{field.Required(path, "at least 1 access mode is required")}
	}
	var errs field.ErrorList
	for i, m := range modes {
		switch m {
		case corev1.ReadWriteOnce, corev1.ReadWriteOncePod:
		case corev1.ReadWriteMany, corev1.ReadOnlyMany:
			errs = append(errs, field.Invalid(path.Index(i), string(m), fmt.Sprintf(
				"not supported: a claim is a podman volume on one node's disk, which pods on other nodes cannot reach; supported values: %q, %q",
				corev1.ReadWriteOnce, corev1.ReadWriteOncePod)))
		default:
			errs = append(errs, field.NotSupported(path, m, claimModes))
		}
	}
	if len(modes) > 1 && OncePod(&corev1.PersistentVolumeClaim{Spec: corev1.PersistentVolumeClaimSpec{AccessModes: modes}}) {
		errs = append(errs, field.Forbidden(path, "may not use ReadWriteOncePod with other access modes"))
	}
	return errs
}

// ClaimWarnings are what a valid claim asks for that the cluster does not do, for the
// user to read at apply and render.
func ClaimWarnings(c *corev1.PersistentVolumeClaim) []string {
	var out []string
	if q, ok := c.Spec.Resources.Requests[corev1.ResourceStorage]; ok {
		out = append(out, fmt.Sprintf("spec.resources.requests.storage: %s is not enforced: the volume is a podman volume that may grow until its node's disk is full", q.String()))
	}
	if len(c.Spec.Resources.Limits) > 0 {
		out = append(out, "spec.resources.limits: ignored: local volumes have no size limit")
	}
	return out
}
