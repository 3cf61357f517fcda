package kubeapi

import (
	"fmt"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/duration"

	"github.com/podman-swarm/podman-swarm/manifest"
)

var deploymentColumns = columns([]string{"Name", "Ready", "Up-to-date", "Available", "Age"}, "Containers", "Images", "Selector")

func deploymentCells(d *appsv1.Deployment, now time.Time) (string, []string) {
	want := int32(1)
	if d.Spec.Replicas != nil {
		want = *d.Spec.Replicas
	}
	names, images := containerColumns(d.Spec.Template.Spec.Containers)
	sel := ""
	if d.Spec.Selector != nil {
		sel = LabelsString(d.Spec.Selector.MatchLabels)
	}
	return d.Namespace, []string{d.Name, fmt.Sprintf("%d/%d", d.Status.ReadyReplicas, want), fmt.Sprint(d.Status.UpdatedReplicas),
		fmt.Sprint(d.Status.AvailableReplicas), Age(d.CreationTimestamp.Time, now), names, images, sel}
}

// A ReplicaSet as `kubectl get rs` shows it; wide adds the containers, their images and
// the selector.
var replicaSetColumns = columns([]string{"Name", "Desired", "Current", "Ready", "Age"}, "Containers", "Images", "Selector")

func replicaSetCells(rs *appsv1.ReplicaSet, now time.Time) (string, []string) {
	want := int32(1)
	if rs.Spec.Replicas != nil {
		want = *rs.Spec.Replicas
	}
	names, images := containerColumns(rs.Spec.Template.Spec.Containers)
	sel := ""
	if rs.Spec.Selector != nil {
		sel = LabelsString(rs.Spec.Selector.MatchLabels)
	}
	return rs.Namespace, []string{rs.Name, fmt.Sprint(want), fmt.Sprint(rs.Status.Replicas), fmt.Sprint(rs.Status.ReadyReplicas),
		Age(rs.CreationTimestamp.Time, now), names, images, sel}
}

// A StatefulSet as `kubectl get sts` shows it; wide adds the containers and images.
var statefulSetColumns = columns([]string{"Name", "Ready", "Age"}, "Containers", "Images")

func statefulSetCells(s *appsv1.StatefulSet, now time.Time) (string, []string) {
	names, images := containerColumns(s.Spec.Template.Spec.Containers)
	return s.Namespace, []string{s.Name, fmt.Sprintf("%d/%d", s.Status.ReadyReplicas, manifest.StatefulSetReplicas(s)),
		Age(s.CreationTimestamp.Time, now), names, images}
}

// A DaemonSet as `kubectl get ds` shows it; wide adds the containers, their images and the
// selector.
var daemonSetColumns = columns([]string{"Name", "Desired", "Current", "Ready", "Up-to-date", "Available", "Node Selector", "Age"},
	"Containers", "Images", "Selector")

func daemonSetCells(ds *appsv1.DaemonSet, now time.Time) (string, []string) {
	s := ds.Status
	names, images := containerColumns(ds.Spec.Template.Spec.Containers)
	sel := ""
	if ds.Spec.Selector != nil {
		sel = LabelsString(ds.Spec.Selector.MatchLabels)
	}
	return ds.Namespace, []string{ds.Name, fmt.Sprint(s.DesiredNumberScheduled), fmt.Sprint(s.CurrentNumberScheduled),
		fmt.Sprint(s.NumberReady), fmt.Sprint(s.UpdatedNumberScheduled), fmt.Sprint(s.NumberAvailable),
		LabelsString(ds.Spec.Template.Spec.NodeSelector), Age(ds.CreationTimestamp.Time, now), names, images, sel}
}

// A Job as `kubectl get jobs` shows it; wide adds its containers and images.
var jobColumns = columns([]string{"Name", "Status", "Completions", "Duration", "Age"}, "Containers", "Images", "Selector")

func jobCells(j *batchv1.Job, now time.Time) (string, []string) {
	names, images := containerColumns(j.Spec.Template.Spec.Containers)
	return j.Namespace, []string{j.Name, jobStatus(j), jobCompletions(j), JobDuration(j, now), Age(j.CreationTimestamp.Time, now),
		names, images, manifest.JobNameLabel + "=" + j.Name}
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

// JobDuration is how long a Job ran, or runs so far, as kubectl words it.
func JobDuration(j *batchv1.Job, now time.Time) string {
	switch {
	case j.Status.StartTime == nil:
		return ""
	case j.Status.CompletionTime != nil:
		return duration.HumanDuration(j.Status.CompletionTime.Sub(j.Status.StartTime.Time))
	}
	return duration.HumanDuration(now.Sub(j.Status.StartTime.Time))
}

// A CronJob as `kubectl get cronjobs` shows it.
var cronJobColumns = columns([]string{"Name", "Schedule", "Timezone", "Suspend", "Active", "Last Schedule", "Age"},
	"Containers", "Images", "Selector")

func cronJobCells(cj *batchv1.CronJob, now time.Time) (string, []string) {
	tz := "<none>"
	if cj.Spec.TimeZone != nil {
		tz = *cj.Spec.TimeZone
	}
	last := "<none>"
	if cj.Status.LastScheduleTime != nil {
		last = Age(cj.Status.LastScheduleTime.Time, now)
	}
	names, images := containerColumns(cj.Spec.JobTemplate.Spec.Template.Spec.Containers)
	return cj.Namespace, []string{cj.Name, cj.Spec.Schedule, tz, fmt.Sprint(cj.Spec.Suspend != nil && *cj.Spec.Suspend),
		fmt.Sprint(len(cj.Status.Active)), last, Age(cj.CreationTimestamp.Time, now), names, images, "<none>"}
}
