package manifest

import (
	"fmt"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	metavalidation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// MaxReplicas bounds a Deployment: a typo such as 100000 would otherwise flood the replicated
// store with pending pods. Clusters of tens of nodes run far fewer.
const MaxReplicas = 1000

// validateObject applies the rules Kubernetes users expect to one decoded object.
func validateObject(o Object) Errors {
	var errs field.ErrorList
	switch {
	case o.Deployment != nil:
		errs = validateDeployment(o.Deployment)
	case o.Service != nil:
		errs = validateService(o.Service)
	case o.Ingress != nil:
		errs = validateIngress(o.Ingress)
	case o.Pod != nil:
		errs = validatePod(o.Pod)
	case o.Claim != nil:
		errs = validateClaim(o.Claim)
	case o.ConfigMap != nil:
		errs = validateConfigMap(o.ConfigMap)
	case o.Secret != nil:
		errs = validateSecret(o.Secret)
	case o.DaemonSet != nil:
		errs = validateDaemonSet(o.DaemonSet)
	case o.Namespace != nil:
		errs = validateNamespace(o.Namespace)
	case o.StatefulSet != nil:
		errs = validateStatefulSet(o.StatefulSet)
	case o.Job != nil:
		errs = validateJob(o.Job)
	case o.CronJob != nil:
		errs = validateCronJob(o.CronJob)
	}
	return fieldErrors(o.Source, errs)
}

// nameRule checks a metadata.name.
type nameRule func(string) []string

// validateMeta checks name, namespace, labels and annotations. Deployment and Pod names
// must be DNS-1123 labels (63 characters at most), stricter than Kubernetes' subdomains,
// because they become parts of unit, container and host names on the node.
func validateMeta(m *metav1.ObjectMeta, rule nameRule, ruleName string) field.ErrorList {
	var errs field.ErrorList
	path := field.NewPath("metadata")
	if m.Name == "" {
		errs = append(errs, field.Required(path.Child("name"), "every object needs a name"))
	} else {
		for _, msg := range rule(m.Name) {
			errs = append(errs, field.Invalid(path.Child("name"), m.Name, "must be a "+ruleName+": "+msg))
		}
	}
	for _, msg := range validation.IsDNS1123Label(m.Namespace) {
		errs = append(errs, field.Invalid(path.Child("namespace"), m.Namespace, "must be a DNS-1123 label: "+msg))
	}
	if m.GenerateName != "" {
		errs = append(errs, field.Forbidden(path.Child("generateName"), "not supported: give the object a name"))
	}
	errs = append(errs, metavalidation.ValidateLabels(m.Labels, path.Child("labels"))...)
	for k := range m.Annotations {
		for _, msg := range validation.IsQualifiedName(strings.ToLower(k)) {
			errs = append(errs, field.Invalid(path.Child("annotations"), k, msg))
		}
	}
	return errs
}

func validateDeployment(d *appsv1.Deployment) field.ErrorList {
	errs := validateMeta(&d.ObjectMeta, validation.IsDNS1123Label, "DNS-1123 label")
	spec := field.NewPath("spec")
	if d.Spec.Replicas != nil && *d.Spec.Replicas < 0 {
		errs = append(errs, field.Invalid(spec.Child("replicas"), *d.Spec.Replicas, "must be greater than or equal to 0"))
	}
	if d.Spec.Replicas != nil && *d.Spec.Replicas > MaxReplicas {
		errs = append(errs, field.Invalid(spec.Child("replicas"), *d.Spec.Replicas,
			fmt.Sprintf("must be at most %d: every pod is kept in the store that all nodes replicate", MaxReplicas)))
	}
	errs = append(errs, validateSelector(d.Spec.Selector, d.Spec.Template.Labels, spec)...)
	errs = append(errs, validateStrategy(d.Spec.Strategy, spec.Child("strategy"))...)
	tmpl := spec.Child("template")
	errs = append(errs, metavalidation.ValidateLabels(d.Spec.Template.Labels, tmpl.Child("metadata", "labels"))...)
	if p := d.Spec.Template.Spec.RestartPolicy; p != "" && p != corev1.RestartPolicyAlways {
		errs = append(errs, field.NotSupported(tmpl.Child("spec", "restartPolicy"), p, []string{string(corev1.RestartPolicyAlways)}))
	}
	errs = append(errs, validatePodSpec(&d.Spec.Template.Spec, tmpl.Child("spec"))...)
	return errs
}

// validateSelector checks that a Deployment has a selector and that it selects the pods of
// its own template: otherwise the Deployment would never see the pods it makes.
func validateSelector(sel *metav1.LabelSelector, podLabels map[string]string, spec *field.Path) field.ErrorList {
	path := spec.Child("selector")
	if sel == nil {
		return field.ErrorList{field.Required(path, "apps/v1 Deployments need a selector that matches spec.template.metadata.labels")}
	}
	errs := metavalidation.ValidateLabelSelector(sel, metavalidation.LabelSelectorValidationOptions{}, path)
	if len(errs) > 0 {
		return errs
	}
	if len(sel.MatchLabels)+len(sel.MatchExpressions) == 0 {
		return field.ErrorList{field.Invalid(path, "{}", "empty selector is invalid for a Deployment: it would select every pod")}
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

func validateStrategy(s appsv1.DeploymentStrategy, path *field.Path) field.ErrorList {
	switch s.Type {
	case "", appsv1.RollingUpdateDeploymentStrategyType:
	case appsv1.RecreateDeploymentStrategyType:
		if s.RollingUpdate != nil {
			return field.ErrorList{field.Forbidden(path.Child("rollingUpdate"), "may not be specified when strategy `type` is 'Recreate'")}
		}
		return nil
	default:
		return field.ErrorList{field.NotSupported(path.Child("type"), s.Type, []string{"RollingUpdate", "Recreate"})}
	}
	if s.RollingUpdate == nil {
		return nil
	}
	var errs field.ErrorList
	surge, errSurge := checkIntOrPercent(s.RollingUpdate.MaxSurge, path.Child("rollingUpdate", "maxSurge"))
	unavailable, errUnavail := checkIntOrPercent(s.RollingUpdate.MaxUnavailable, path.Child("rollingUpdate", "maxUnavailable"))
	errs = append(errs, errSurge...)
	errs = append(errs, errUnavail...)
	if len(errs) == 0 && surge && unavailable {
		errs = append(errs, field.Invalid(path.Child("rollingUpdate", "maxUnavailable"), s.RollingUpdate.MaxUnavailable.String(),
			"may not be 0 when `maxSurge` is 0: the rollout could never make progress"))
	}
	return errs
}

// checkIntOrPercent checks a maxSurge/maxUnavailable value and tells whether it is zero.
func checkIntOrPercent(v *intstr.IntOrString, path *field.Path) (zero bool, errs field.ErrorList) {
	if v == nil {
		return false, nil
	}
	if v.Type == intstr.Int {
		if v.IntVal < 0 {
			return false, field.ErrorList{field.Invalid(path, v.IntVal, "must be greater than or equal to 0")}
		}
		return v.IntVal == 0, nil
	}
	if msgs := validation.IsValidPercent(v.StrVal); len(msgs) > 0 {
		return false, field.ErrorList{field.Invalid(path, v.StrVal, "must be an integer or a percentage such as '25%'")}
	}
	var pct int
	fmt.Sscanf(v.StrVal, "%d%%", &pct)
	if pct > 100 && strings.HasSuffix(path.String(), "maxUnavailable") {
		return false, field.ErrorList{field.Invalid(path, v.StrVal, "must not be greater than 100%")}
	}
	return pct == 0, nil
}

func validatePod(p *corev1.Pod) field.ErrorList {
	errs := validateMeta(&p.ObjectMeta, validation.IsDNS1123Label, "DNS-1123 label")
	spec := field.NewPath("spec")
	switch p.Spec.RestartPolicy {
	case "", corev1.RestartPolicyAlways, corev1.RestartPolicyOnFailure, corev1.RestartPolicyNever:
	default:
		errs = append(errs, field.NotSupported(spec.Child("restartPolicy"), p.Spec.RestartPolicy, []string{"Always", "OnFailure", "Never"}))
	}
	return append(errs, validatePodSpec(&p.Spec, spec)...)
}

// objectKey identifies an object within one apply.
type objectKey struct{ kind, namespace, name string }

// checkUnique refuses two objects of the same kind, namespace and name in one apply: which
// one should win would be a guess.
func checkUnique(objs []Object) Errors {
	seen := map[objectKey]Source{}
	var errs Errors
	for _, o := range objs {
		m := o.Meta()
		if m.Name == "" {
			continue
		}
		k := objectKey{o.Kind, m.Namespace, m.Name}
		if first, dup := seen[k]; dup {
			full := m.Namespace + "/" + m.Name
			if m.Namespace == "" {
				full = m.Name // cluster-scoped
			}
			errs = append(errs, &Error{Source: o.Source, Field: "metadata.name",
				Reason: fmt.Sprintf("Duplicate value: %q: %s %s is already defined in %s", m.Name, o.Kind, full, first)})
			continue
		}
		seen[k] = o.Source
	}
	return errs
}
