package manifest

import (
	"fmt"
	"slices"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	metavalidation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// maxStatefulSetName leaves room in a 63-character pod name (and host name) for the
// ordinal of the highest replica: "-" and up to four digits.
const maxStatefulSetName = 63 - len("-1000")

// validateStatefulSet checks a StatefulSet with Kubernetes' rules and messages. Its pods'
// names (<name>-<ordinal>) become host names and unit names, so the name must leave room
// for the ordinal; its claims are validated as the claims they become.
func validateStatefulSet(s *appsv1.StatefulSet) field.ErrorList {
	errs := validateMeta(&s.ObjectMeta, validation.IsDNS1123Label, "DNS-1123 label")
	spec := field.NewPath("spec")
	if len(s.Name) > maxStatefulSetName {
		errs = append(errs, field.TooLong(field.NewPath("metadata", "name"), s.Name, maxStatefulSetName))
	}
	if s.Spec.Replicas != nil && *s.Spec.Replicas < 0 {
		errs = append(errs, field.Invalid(spec.Child("replicas"), *s.Spec.Replicas, "must be greater than or equal to 0"))
	}
	if s.Spec.Replicas != nil && *s.Spec.Replicas > MaxReplicas {
		errs = append(errs, field.Invalid(spec.Child("replicas"), *s.Spec.Replicas,
			fmt.Sprintf("must be at most %d: every pod is kept in the store that all nodes replicate", MaxReplicas)))
	}
	if s.Spec.MinReadySeconds < 0 {
		errs = append(errs, field.Invalid(spec.Child("minReadySeconds"), s.Spec.MinReadySeconds, "must be greater than or equal to 0"))
	}
	if s.Spec.ServiceName != "" {
		for _, msg := range validation.IsDNS1123Label(s.Spec.ServiceName) {
			errs = append(errs, field.Invalid(spec.Child("serviceName"), s.Spec.ServiceName, msg))
		}
	}
	switch s.Spec.PodManagementPolicy {
	case "", appsv1.OrderedReadyPodManagement, appsv1.ParallelPodManagement:
	default:
		errs = append(errs, field.NotSupported(spec.Child("podManagementPolicy"), s.Spec.PodManagementPolicy,
			[]string{string(appsv1.OrderedReadyPodManagement), string(appsv1.ParallelPodManagement)}))
	}
	errs = append(errs, validateStatefulSetStrategy(s.Spec.UpdateStrategy, spec.Child("updateStrategy"))...)
	if o := s.Spec.Ordinals; o != nil && o.Start != 0 {
		errs = append(errs, field.Forbidden(spec.Child("ordinals", "start"), "not supported: ordinals start at 0"))
	}
	if p := s.Spec.PersistentVolumeClaimRetentionPolicy; p != nil {
		path := spec.Child("persistentVolumeClaimRetentionPolicy")
		for name, v := range map[string]appsv1.PersistentVolumeClaimRetentionPolicyType{"whenDeleted": p.WhenDeleted, "whenScaled": p.WhenScaled} {
			if v != "" && v != appsv1.RetainPersistentVolumeClaimRetentionPolicyType {
				errs = append(errs, field.NotSupported(path.Child(name), v, []string{string(appsv1.RetainPersistentVolumeClaimRetentionPolicyType)}))
			}
		}
	}
	errs = append(errs, validateSelectorOf("StatefulSets", s.Spec.Selector, s.Spec.Template.Labels, spec)...)
	tmpl := spec.Child("template")
	errs = append(errs, metavalidation.ValidateLabels(s.Spec.Template.Labels, tmpl.Child("metadata", "labels"))...)
	if p := s.Spec.Template.Spec.RestartPolicy; p != "" && p != corev1.RestartPolicyAlways {
		errs = append(errs, field.NotSupported(tmpl.Child("spec", "restartPolicy"), p, []string{string(corev1.RestartPolicyAlways)}))
	}
	errs = append(errs, validateClaimTemplates(s, spec.Child("volumeClaimTemplates"))...)
	// The pod as it runs holds the claims' volumes, which its mounts may name; a template
	// without a valid name, refused above, gives none.
	valid := s.DeepCopy()
	valid.Spec.VolumeClaimTemplates = slices.DeleteFunc(valid.Spec.VolumeClaimTemplates, func(t corev1.PersistentVolumeClaim) bool {
		return len(validation.IsDNS1123Label(t.Name)) > 0
	})
	pod := StatefulSetPod(valid, 0, nil)
	errs = append(errs, validatePodSpec(&pod.Spec, tmpl.Child("spec"))...)
	return errs
}

// validateStatefulSetStrategy checks updateStrategy: RollingUpdate (with a partition and
// maxUnavailable 1, one pod at a time) or OnDelete.
func validateStatefulSetStrategy(s appsv1.StatefulSetUpdateStrategy, path *field.Path) field.ErrorList {
	switch s.Type {
	case "", appsv1.RollingUpdateStatefulSetStrategyType:
	case appsv1.OnDeleteStatefulSetStrategyType:
		if s.RollingUpdate != nil {
			return field.ErrorList{field.Forbidden(path.Child("rollingUpdate"),
				fmt.Sprintf("only allowed for updateStrategy '%s'", appsv1.RollingUpdateStatefulSetStrategyType))}
		}
		return nil
	default:
		return field.ErrorList{field.NotSupported(path.Child("type"), s.Type,
			[]string{string(appsv1.RollingUpdateStatefulSetStrategyType), string(appsv1.OnDeleteStatefulSetStrategyType)})}
	}
	ru := s.RollingUpdate
	if ru == nil {
		return nil
	}
	var errs field.ErrorList
	if ru.Partition != nil && *ru.Partition < 0 {
		errs = append(errs, field.Invalid(path.Child("rollingUpdate", "partition"), *ru.Partition, "must be greater than or equal to 0"))
	}
	if mu := ru.MaxUnavailable; mu != nil && !(mu.Type == intstr.Int && mu.IntVal == 1) {
		errs = append(errs, field.NotSupported(path.Child("rollingUpdate", "maxUnavailable"), mu.String(), []string{"1"}))
	}
	return errs
}

// validateClaimTemplates checks each volumeClaimTemplate as the claim it becomes for the
// highest ordinal (the longest name), under the template's own path.
func validateClaimTemplates(s *appsv1.StatefulSet, path *field.Path) field.ErrorList {
	var errs field.ErrorList
	names := sets.New[string]()
	highest := max(StatefulSetReplicas(s)-1, 0)
	for i, t := range s.Spec.VolumeClaimTemplates {
		tp := path.Index(i)
		if t.Name == "" {
			errs = append(errs, field.Required(tp.Child("metadata", "name"), ""))
			continue
		}
		for _, msg := range validation.IsDNS1123Label(t.Name) {
			errs = append(errs, field.Invalid(tp.Child("metadata", "name"), t.Name, msg))
		}
		if names.Has(t.Name) {
			errs = append(errs, field.Duplicate(tp.Child("metadata", "name"), t.Name))
		}
		names.Insert(t.Name)
		c := StatefulSetClaims(s, highest)[i]
		for _, e := range validateClaim(c) {
			// The claim's own metadata.name and spec.* paths, under the template.
			e.Field = tp.String() + "." + e.Field
			errs = append(errs, e)
		}
	}
	return errs
}

// validateSelectorOf checks that a workload of kinds (plural, for messages) has a
// selector and that it selects the pods of its own template, as validateSelector does for
// Deployments.
func validateSelectorOf(kinds string, sel *metav1.LabelSelector, podLabels map[string]string, spec *field.Path) field.ErrorList {
	path := spec.Child("selector")
	if sel == nil {
		return field.ErrorList{field.Required(path, "apps/v1 "+kinds+" need a selector that matches spec.template.metadata.labels")}
	}
	errs := metavalidation.ValidateLabelSelector(sel, metavalidation.LabelSelectorValidationOptions{}, path)
	if len(errs) > 0 {
		return errs
	}
	if len(sel.MatchLabels)+len(sel.MatchExpressions) == 0 {
		return field.ErrorList{field.Invalid(path, "{}", "empty selector is invalid for "+kinds+": it would select every pod")}
	}
	s, err := metav1.LabelSelectorAsSelector(sel)
	if err != nil {
		return field.ErrorList{field.Invalid(path, sel.String(), err.Error())}
	}
	if !s.Matches(labels.Set(podLabels)) {
		return field.ErrorList{field.Invalid(spec.Child("template", "metadata", "labels"), labels.Set(podLabels).String(),
			fmt.Sprintf("`selector` does not match template `labels` (selector: %s)", s.String()))}
	}
	return nil
}
