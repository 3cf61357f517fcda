package main

import (
	"fmt"
	"strings"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/duration"

	"github.com/podman-swarm/podman-swarm/manifest"
)

// jobRow is a Job as `kubectl get jobs` shows it; wide adds its containers and images.
func jobRow(wide bool, now time.Time) row[batchv1.Job] {
	return func(j *batchv1.Job) (string, []string) {
		if j == nil {
			h := []string{"NAME", "STATUS", "COMPLETIONS", "DURATION", "AGE"}
			if wide {
				h = append(h, "CONTAINERS", "IMAGES", "SELECTOR")
			}
			return "", h
		}
		cells := []string{j.Name, jobStatus(j), jobCompletions(j), jobDuration(j, now), age(j.CreationTimestamp.Time, now)}
		if wide {
			names, images := containerColumns(j.Spec.Template.Spec.Containers)
			cells = append(cells, names, images, manifest.JobNameLabel+"="+j.Name)
		}
		return j.Namespace, cells
	}
}

// jobStatus is the STATUS column of `kubectl get jobs`.
func jobStatus(j *batchv1.Job) string {
	for _, c := range j.Status.Conditions {
		if c.Status == corev1.ConditionTrue && (c.Type == batchv1.JobComplete || c.Type == batchv1.JobFailed) {
			return string(c.Type)
		}
	}
	if j.Spec.Suspend != nil && *j.Spec.Suspend {
		return "Suspended"
	}
	return "Running"
}

// jobCompletions is the COMPLETIONS column: succeeded/completions, and for a Job without
// completions the parallelism it runs at.
func jobCompletions(j *batchv1.Job) string {
	if j.Spec.Completions != nil {
		return fmt.Sprintf("%d/%d", j.Status.Succeeded, *j.Spec.Completions)
	}
	if p := manifest.JobParallelism(j); p > 1 {
		return fmt.Sprintf("%d/1 of %d", j.Status.Succeeded, p)
	}
	return fmt.Sprintf("%d/1", j.Status.Succeeded)
}

// jobDuration is how long a Job ran, or runs so far, as kubectl words it.
func jobDuration(j *batchv1.Job, now time.Time) string {
	switch {
	case j.Status.StartTime == nil:
		return ""
	case j.Status.CompletionTime != nil:
		return duration.HumanDuration(j.Status.CompletionTime.Sub(j.Status.StartTime.Time))
	}
	return duration.HumanDuration(now.Sub(j.Status.StartTime.Time))
}

// cronJobRow is a CronJob as `kubectl get cronjobs` shows it.
func cronJobRow(wide bool, now time.Time) row[batchv1.CronJob] {
	return func(cj *batchv1.CronJob) (string, []string) {
		if cj == nil {
			h := []string{"NAME", "SCHEDULE", "TIMEZONE", "SUSPEND", "ACTIVE", "LAST SCHEDULE", "AGE"}
			if wide {
				h = append(h, "CONTAINERS", "IMAGES", "SELECTOR")
			}
			return "", h
		}
		tz := "<none>"
		if cj.Spec.TimeZone != nil {
			tz = *cj.Spec.TimeZone
		}
		last := "<none>"
		if cj.Status.LastScheduleTime != nil {
			last = age(cj.Status.LastScheduleTime.Time, now)
		}
		cells := []string{cj.Name, cj.Spec.Schedule, tz, fmt.Sprint(cj.Spec.Suspend != nil && *cj.Spec.Suspend),
			fmt.Sprint(len(cj.Status.Active)), last, age(cj.CreationTimestamp.Time, now)}
		if wide {
			names, images := containerColumns(cj.Spec.JobTemplate.Spec.Template.Spec.Containers)
			cells = append(cells, names, images, "<none>")
		}
		return cj.Namespace, cells
	}
}

func containerColumns(cs []corev1.Container) (string, string) {
	var names, images []string
	for _, c := range cs {
		names, images = append(names, c.Name), append(images, c.Image)
	}
	return strings.Join(names, ","), strings.Join(images, ",")
}
