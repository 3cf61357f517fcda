package manifest

import (
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metavalidation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// validateDaemonSet applies the API server's rules for an apps/v1 DaemonSet to the fields
// the cluster acts on, with its messages. Its name is a DNS-1123 label, as a Deployment's
// is, because it becomes part of its pods' unit and host names.
func validateDaemonSet(ds *appsv1.DaemonSet) field.ErrorList {
	errs := validateMeta(&ds.ObjectMeta, validation.IsDNS1123Label, "DNS-1123 label")
	spec := field.NewPath("spec")
	switch sel := ds.Spec.Selector; {
	case sel == nil:
		errs = append(errs, field.Required(spec.Child("selector"), "apps/v1 DaemonSets need a selector that matches spec.template.metadata.labels"))
	case len(sel.MatchLabels)+len(sel.MatchExpressions) == 0:
		errs = append(errs, field.Invalid(spec.Child("selector"), "{}", "empty selector is invalid for a DaemonSet: it would select every pod"))
	default:
		errs = append(errs, validateSelector(sel, ds.Spec.Template.Labels, spec)...)
	}
	if ds.Spec.MinReadySeconds < 0 {
		errs = append(errs, field.Invalid(spec.Child("minReadySeconds"), ds.Spec.MinReadySeconds, "must be greater than or equal to 0"))
	}
	if l := ds.Spec.RevisionHistoryLimit; l != nil && *l < 0 {
		errs = append(errs, field.Invalid(spec.Child("revisionHistoryLimit"), *l, "must be greater than or equal to 0"))
	}
	errs = append(errs, validateDaemonSetStrategy(ds.Spec.UpdateStrategy, spec.Child("updateStrategy"))...)
	tmpl := spec.Child("template")
	errs = append(errs, metavalidation.ValidateLabels(ds.Spec.Template.Labels, tmpl.Child("metadata", "labels"))...)
	if p := ds.Spec.Template.Spec.RestartPolicy; p != "" && p != corev1.RestartPolicyAlways {
		errs = append(errs, field.NotSupported(tmpl.Child("spec", "restartPolicy"), p, []string{string(corev1.RestartPolicyAlways)}))
	}
	return append(errs, validatePodSpec(&ds.Spec.Template.Spec, tmpl.Child("spec"))...)
}

// validateDaemonSetStrategy checks updateStrategy as Kubernetes does: RollingUpdate or
// OnDelete, and of maxUnavailable and maxSurge exactly one non-zero (maxUnavailable
// defaulting to 1, maxSurge to 0).
func validateDaemonSetStrategy(s appsv1.DaemonSetUpdateStrategy, path *field.Path) field.ErrorList {
	switch s.Type {
	case "", appsv1.RollingUpdateDaemonSetStrategyType:
	case appsv1.OnDeleteDaemonSetStrategyType:
		return nil
	default:
		return field.ErrorList{field.NotSupported(path, s.Type, []string{string(appsv1.RollingUpdateDaemonSetStrategyType), string(appsv1.OnDeleteDaemonSetStrategyType)})}
	}
	if s.RollingUpdate == nil {
		return nil
	}
	ru := path.Child("rollingUpdate")
	var errs field.ErrorList
	surgeZero, errSurge := checkIntOrPercent(s.RollingUpdate.MaxSurge, ru.Child("maxSurge"))
	unavailableZero, errUnavail := checkIntOrPercent(s.RollingUpdate.MaxUnavailable, ru.Child("maxUnavailable"))
	errs = append(errs, errSurge...)
	errs = append(errs, errUnavail...)
	if len(errs) > 0 {
		return errs
	}
	hasSurge := s.RollingUpdate.MaxSurge != nil && !surgeZero
	hasUnavailable := s.RollingUpdate.MaxUnavailable == nil || !unavailableZero
	switch {
	case hasUnavailable && hasSurge:
		errs = append(errs, field.Invalid(ru.Child("maxSurge"), s.RollingUpdate.MaxSurge.String(), "may not be set when maxUnavailable is non-zero"))
	case !hasUnavailable && !hasSurge:
		errs = append(errs, field.Required(ru.Child("maxUnavailable"), "cannot be 0 when maxSurge is 0"))
	}
	return errs
}
