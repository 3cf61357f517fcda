package manifest

import (
	"fmt"
	"time"

	"github.com/robfig/cron/v3"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	metavalidation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// validateJob checks a Job with Kubernetes' rules and messages. Its name is a DNS-1123
// label, as a Deployment's, because its pods' names start with it.
func validateJob(j *batchv1.Job) field.ErrorList {
	errs := validateMeta(&j.ObjectMeta, validation.IsDNS1123Label, "DNS-1123 label")
	return append(errs, validateJobSpec(&j.Spec, field.NewPath("spec"))...)
}

// validateJobSpec checks a Job's spec, also a CronJob's jobTemplate.spec.
func validateJobSpec(s *batchv1.JobSpec, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	nonNegative := func(v *int32, name string) {
		if v != nil && *v < 0 {
			errs = append(errs, field.Invalid(p.Child(name), *v, "must be greater than or equal to 0"))
		}
	}
	nonNegative(s.Parallelism, "parallelism")
	nonNegative(s.Completions, "completions")
	nonNegative(s.BackoffLimit, "backoffLimit")
	nonNegative(s.TTLSecondsAfterFinished, "ttlSecondsAfterFinished")
	if s.ActiveDeadlineSeconds != nil && *s.ActiveDeadlineSeconds <= 0 {
		errs = append(errs, field.Invalid(p.Child("activeDeadlineSeconds"), *s.ActiveDeadlineSeconds, "must be greater than 0"))
	}
	for name, v := range map[string]*int32{"parallelism": s.Parallelism, "completions": s.Completions} {
		if v != nil && *v > MaxReplicas {
			errs = append(errs, field.Invalid(p.Child(name), *v,
				fmt.Sprintf("must be at most %d: every pod is kept in the store that all nodes replicate", MaxReplicas)))
		}
	}
	if s.Selector != nil || s.ManualSelector != nil {
		errs = append(errs, field.Forbidden(p.Child("selector"), "`selector` will be auto-generated"))
	}
	if m := s.CompletionMode; m != nil && *m != batchv1.NonIndexedCompletion {
		errs = append(errs, field.NotSupported(p.Child("completionMode"), *m, []string{string(batchv1.NonIndexedCompletion)}))
	}
	unsupported := map[string]bool{
		"podFailurePolicy":     s.PodFailurePolicy != nil,
		"successPolicy":        s.SuccessPolicy != nil,
		"backoffLimitPerIndex": s.BackoffLimitPerIndex != nil,
		"maxFailedIndexes":     s.MaxFailedIndexes != nil,
		"podReplacementPolicy": s.PodReplacementPolicy != nil,
		"managedBy":            s.ManagedBy != nil,
	}
	for _, name := range []string{"podFailurePolicy", "successPolicy", "backoffLimitPerIndex", "maxFailedIndexes", "podReplacementPolicy", "managedBy"} {
		if unsupported[name] {
			errs = append(errs, field.Forbidden(p.Child(name), "not supported by this cluster"))
		}
	}
	tmpl := p.Child("template")
	errs = append(errs, metavalidation.ValidateLabels(s.Template.Labels, tmpl.Child("metadata", "labels"))...)
	restart := tmpl.Child("spec", "restartPolicy")
	switch s.Template.Spec.RestartPolicy {
	case corev1.RestartPolicyOnFailure, corev1.RestartPolicyNever:
	case "":
		errs = append(errs, field.Required(restart, fmt.Sprintf("valid values: %q, %q", corev1.RestartPolicyOnFailure, corev1.RestartPolicyNever)))
	default:
		errs = append(errs, field.NotSupported(restart, s.Template.Spec.RestartPolicy,
			[]string{string(corev1.RestartPolicyOnFailure), string(corev1.RestartPolicyNever)}))
	}
	return append(errs, validatePodSpec(&s.Template.Spec, tmpl.Child("spec"))...)
}

// validateCronJob checks a CronJob with Kubernetes' rules and messages.
func validateCronJob(cj *batchv1.CronJob) field.ErrorList {
	errs := validateMeta(&cj.ObjectMeta, validation.IsDNS1123Label, "DNS-1123 label")
	if len(cj.Name) > MaxCronJobNameLength {
		errs = append(errs, field.Invalid(field.NewPath("metadata", "name"), cj.Name,
			fmt.Sprintf("must be no more than %d characters", MaxCronJobNameLength)))
	}
	spec := field.NewPath("spec")
	switch {
	case cj.Spec.Schedule == "":
		errs = append(errs, field.Required(spec.Child("schedule"), ""))
	case hasTZPrefix(cj.Spec.Schedule):
		errs = append(errs, field.Invalid(spec.Child("schedule"), cj.Spec.Schedule, "cannot use TZ or CRON_TZ in schedule, use timeZone field instead"))
	default:
		if _, err := cron.ParseStandard(cj.Spec.Schedule); err != nil {
			errs = append(errs, field.Invalid(spec.Child("schedule"), cj.Spec.Schedule, err.Error()))
		}
	}
	if tz := cj.Spec.TimeZone; tz != nil {
		if _, err := time.LoadLocation(*tz); err != nil || *tz == "" || *tz == "Local" {
			errs = append(errs, field.Invalid(spec.Child("timeZone"), *tz, "unknown time zone "+*tz))
		}
	}
	switch cj.Spec.ConcurrencyPolicy {
	case "", batchv1.AllowConcurrent, batchv1.ForbidConcurrent, batchv1.ReplaceConcurrent:
	default:
		errs = append(errs, field.NotSupported(spec.Child("concurrencyPolicy"), cj.Spec.ConcurrencyPolicy,
			[]string{string(batchv1.AllowConcurrent), string(batchv1.ForbidConcurrent), string(batchv1.ReplaceConcurrent)}))
	}
	for name, v := range map[string]*int32{"successfulJobsHistoryLimit": cj.Spec.SuccessfulJobsHistoryLimit, "failedJobsHistoryLimit": cj.Spec.FailedJobsHistoryLimit} {
		if v != nil && *v < 0 {
			errs = append(errs, field.Invalid(spec.Child(name), *v, "must be greater than or equal to 0"))
		}
	}
	if v := cj.Spec.StartingDeadlineSeconds; v != nil && *v < 0 {
		errs = append(errs, field.Invalid(spec.Child("startingDeadlineSeconds"), *v, "must be greater than or equal to 0"))
	}
	tmpl := spec.Child("jobTemplate")
	errs = append(errs, metavalidation.ValidateLabels(cj.Spec.JobTemplate.Labels, tmpl.Child("metadata", "labels"))...)
	return append(errs, validateJobSpec(&cj.Spec.JobTemplate.Spec, tmpl.Child("spec"))...)
}

// ValidateJobUpdate refuses, as Kubernetes does, a Job applied again with another pod
// template or completions: the pods it made and counted were made from those.
func ValidateJobUpdate(applied, stored *batchv1.Job) field.ErrorList {
	spec := field.NewPath("spec")
	errs := apivalidation.ValidateImmutableField(applied.Spec.Completions, stored.Spec.Completions, spec.Child("completions"))
	if !equality.Semantic.DeepEqual(applied.Spec.Template, stored.Spec.Template) {
		errs = append(errs, field.Forbidden(spec.Child("template"), apivalidation.FieldImmutableErrorMsg))
	}
	return errs
}
