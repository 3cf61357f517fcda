package apiserver

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/labstack/echo/v4"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/podman-swarm/podman-swarm/agent/store"
	"github.com/podman-swarm/podman-swarm/cluster"
	"github.com/podman-swarm/podman-swarm/manifest"
)

// ClaimProtectionFinalizer is the finalizer Kubernetes puts on a claim being deleted while
// pods use it: the claim stays, Terminating, until they are gone.
const ClaimProtectionFinalizer = "kubernetes.io/pvc-protection"

// claimToStore is the stored form of a claim: as applied, without the status, which the
// view makes from the claim's binding.
func claimToStore(c *corev1.PersistentVolumeClaim) *corev1.PersistentVolumeClaim {
	out := c.DeepCopy()
	out.APIVersion, out.Kind = "v1", "PersistentVolumeClaim"
	out.Status = corev1.PersistentVolumeClaimStatus{}
	return out
}

// keepClaimDeletion carries over the deletion of each claim of set that is being deleted:
// as in Kubernetes, applying a claim again does not call its deletion off. current reads
// a stored object.
func keepClaimDeletion(set *manifest.Set, current func(key string) ([]byte, bool)) {
	for _, o := range set.Objects {
		if o.Claim == nil {
			continue
		}
		stored, ok := current(store.ObjectKey(store.PrefixClaim, o.Claim.Namespace, o.Claim.Name))
		if !ok {
			continue
		}
		var old corev1.PersistentVolumeClaim
		if json.Unmarshal(stored, &old) != nil || old.DeletionTimestamp == nil {
			continue
		}
		o.Claim.DeletionTimestamp = old.DeletionTimestamp
		if !slices.Contains(o.Claim.Finalizers, ClaimProtectionFinalizer) {
			o.Claim.Finalizers = append(o.Claim.Finalizers, ClaimProtectionFinalizer)
		}
	}
}

// markClaimDeleting is a stored claim marked for deletion at now, with the pvc-protection
// finalizer: the leader deletes it once no pod uses it (at once when none does), and lets
// its volume go by its reclaim policy. A claim marked already stays as it is.
func markClaimDeleting(stored []byte, now time.Time) ([]byte, error) {
	var c corev1.PersistentVolumeClaim
	if err := json.Unmarshal(stored, &c); err != nil {
		return nil, fmt.Errorf("decode the stored claim: %w", err)
	}
	if c.DeletionTimestamp != nil {
		return stored, nil
	}
	at := metav1.NewTime(now.Truncate(time.Second))
	c.DeletionTimestamp = &at
	if !slices.Contains(c.Finalizers, ClaimProtectionFinalizer) {
		c.Finalizers = append(c.Finalizers, ClaimProtectionFinalizer)
	}
	b, err := json.Marshal(&c)
	if err != nil {
		return nil, fmt.Errorf("encode the claim: %w", err)
	}
	return b, nil
}

// checkClaims refuses a pod, or a Deployment's template, that names a claim neither
// stored nor in the same manifest: `persistentvolumeclaim "x" not found`. A claim deleted
// later leaves its new pods Pending with the same words.
func checkClaims(st *store.State, set *manifest.Set) manifest.Errors {
	inSet := map[string]bool{}
	for _, o := range set.Objects {
		if o.Claim != nil {
			inSet[o.Claim.Namespace+"/"+o.Claim.Name] = true
		}
	}
	var errs manifest.Errors
	for _, o := range set.Objects {
		if o.Claim != nil {
			if old, ok := st.Claims[o.Claim.Namespace+"/"+o.Claim.Name]; ok && !sameClaimSpec(old, o.Claim) {
				errs = append(errs, manifest.FieldErrors(o.Source, field.ErrorList{field.Forbidden(field.NewPath("spec"),
					"spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims")})...)
			}
		}
		var spec *corev1.PodSpec
		var path *field.Path
		switch {
		case o.Deployment != nil:
			spec, path = &o.Deployment.Spec.Template.Spec, field.NewPath("spec", "template", "spec")
		case o.Pod != nil:
			spec, path = &o.Pod.Spec, field.NewPath("spec")
		case o.DaemonSet != nil:
			spec, path = &o.DaemonSet.Spec.Template.Spec, field.NewPath("spec", "template", "spec")
		default:
			continue
		}
		ns := o.Meta().Namespace
		for i, v := range spec.Volumes {
			if v.PersistentVolumeClaim == nil {
				continue
			}
			name := v.PersistentVolumeClaim.ClaimName
			if _, stored := st.Claims[ns+"/"+name]; stored || inSet[ns+"/"+name] {
				continue
			}
			errs = append(errs, &manifest.Error{Source: o.Source,
				Field:  path.Child("volumes").Index(i).Child("persistentVolumeClaim", "claimName").String(),
				Reason: manifest.ClaimNotFound(name)})
		}
	}
	return errs
}

// claimDeletion is the write that deletes the claim under key: the claim marked (see
// markClaimDeleting).
func (a *Server) claimDeletion(key string) (cluster.Change, error) {
	e, ok := a.node.Get(key)
	if !ok || e.Deleted {
		return cluster.Change{}, echo.NewHTTPError(http.StatusNotFound, "no object "+key)
	}
	value, err := markClaimDeleting(e.Value, time.Now())
	if err != nil {
		return cluster.Change{}, echo.NewHTTPError(http.StatusInternalServerError, err.Error())
	}
	return cluster.Change{Key: key, Value: value}, nil
}

// claimWarnings are the warnings of the claims of set, each after its document.
func claimWarnings(set *manifest.Set) []string {
	var out []string
	for _, o := range set.Objects {
		if o.Claim != nil {
			for _, w := range manifest.ClaimWarnings(o.Claim) {
				out = append(out, o.Source.String()+": "+w)
			}
		}
	}
	return out
}

// sameClaimSpec tells whether a claim applied again asks for what the stored one asked,
// its storage request aside (not enforced, so free to change), with the defaults filled
// in: a claim's volume is made once, and Kubernetes refuses any other change.
func sameClaimSpec(stored, applied *corev1.PersistentVolumeClaim) bool {
	norm := func(c *corev1.PersistentVolumeClaim) corev1.PersistentVolumeClaimSpec {
		s := *c.Spec.DeepCopy()
		s.Resources.Requests = nil
		if s.StorageClassName == nil || *s.StorageClassName == "" {
			local := manifest.StorageClassLocal
			s.StorageClassName = &local
		}
		if s.VolumeMode == nil {
			fs := corev1.PersistentVolumeFilesystem
			s.VolumeMode = &fs
		}
		return s
	}
	return equality.Semantic.DeepEqual(norm(stored), norm(applied))
}
