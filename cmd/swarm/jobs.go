package main

import (
	"context"
	"fmt"
	"io"
	"net/url"
	"strings"
	"text/tabwriter"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/duration"

	"github.com/podman-swarm/podman-swarm/api"
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

// describeJob writes a Job as `kubectl describe job` does, with its pods and their nodes.
func describeJob(out io.Writer, j *batchv1.Job, pods []api.JobPod, now time.Time) error {
	tw := tabwriter.NewWriter(out, 0, 8, 1, ' ', 0)
	fmt.Fprintf(tw, "Name:\t%s\n", j.Name)
	fmt.Fprintf(tw, "Namespace:\t%s\n", j.Namespace)
	fmt.Fprintf(tw, "Selector:\t%s=%s\n", manifest.JobNameLabel, j.Name)
	fmt.Fprintf(tw, "Labels:\t%s\n", labelsString(j.Labels))
	describeAnnotations(tw, j.Annotations)
	for _, o := range j.OwnerReferences {
		fmt.Fprintf(tw, "Controlled By:\t%s/%s\n", o.Kind, o.Name)
	}
	fmt.Fprintf(tw, "Parallelism:\t%d\n", manifest.JobParallelism(j))
	completions := "<unset>"
	if j.Spec.Completions != nil {
		completions = fmt.Sprint(*j.Spec.Completions)
	}
	fmt.Fprintf(tw, "Completions:\t%s\n", completions)
	fmt.Fprintf(tw, "Completion Mode:\tNonIndexed\n")
	fmt.Fprintf(tw, "Suspend:\t%v\n", j.Spec.Suspend != nil && *j.Spec.Suspend)
	fmt.Fprintf(tw, "Backoff Limit:\t%d\n", manifest.JobBackoffLimit(j))
	if t := j.Spec.TTLSecondsAfterFinished; t != nil {
		fmt.Fprintf(tw, "TTL Seconds After Finished:\t%d\n", *t)
	}
	if j.Status.StartTime != nil {
		fmt.Fprintf(tw, "Start Time:\t%s\n", j.Status.StartTime.Format(time.RFC1123Z))
	}
	if j.Status.CompletionTime != nil {
		fmt.Fprintf(tw, "Completed At:\t%s\n", j.Status.CompletionTime.Format(time.RFC1123Z))
	}
	if d := jobDuration(j, now); d != "" {
		fmt.Fprintf(tw, "Duration:\t%s\n", d)
	}
	if d := j.Spec.ActiveDeadlineSeconds; d != nil {
		fmt.Fprintf(tw, "Active Deadline Seconds:\t%ds\n", *d)
	}
	ready := int32(0)
	if j.Status.Ready != nil {
		ready = *j.Status.Ready
	}
	fmt.Fprintf(tw, "Pods Statuses:\t%d Active (%d Ready) / %d Succeeded / %d Failed\n", j.Status.Active, ready, j.Status.Succeeded, j.Status.Failed)
	for _, c := range j.Status.Conditions {
		fmt.Fprintf(tw, "Condition:\t%s=%s %s %s\n", c.Type, c.Status, c.Reason, c.Message)
	}
	fmt.Fprintln(tw, "Pod Template:")
	fmt.Fprintf(tw, "  Restart Policy:\t%s\n", j.Spec.Template.Spec.RestartPolicy)
	describeContainers(tw, j.Spec.Template.Spec.Containers)
	fmt.Fprintln(tw, "Pods:")
	for _, p := range pods {
		exit := ""
		if p.Phase == string(corev1.PodFailed) || p.Phase == string(corev1.PodSucceeded) {
			exit = fmt.Sprintf("exit code %d", p.ExitCode)
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", p.Name, orNone(p.Node), p.Phase, exit)
	}
	if len(pods) == 0 {
		fmt.Fprintln(tw, "  <none>")
	}
	return tw.Flush()
}

// describeCronJob writes a CronJob as `kubectl describe cronjob` does.
func describeCronJob(out io.Writer, cj *batchv1.CronJob, now time.Time) error {
	tw := tabwriter.NewWriter(out, 0, 8, 1, ' ', 0)
	fmt.Fprintf(tw, "Name:\t%s\n", cj.Name)
	fmt.Fprintf(tw, "Namespace:\t%s\n", cj.Namespace)
	fmt.Fprintf(tw, "Labels:\t%s\n", labelsString(cj.Labels))
	describeAnnotations(tw, cj.Annotations)
	fmt.Fprintf(tw, "Schedule:\t%s\n", cj.Spec.Schedule)
	if tz := cj.Spec.TimeZone; tz != nil {
		fmt.Fprintf(tw, "Time Zone:\t%s\n", *tz)
	}
	fmt.Fprintf(tw, "Concurrency Policy:\t%s\n", orDefault(string(cj.Spec.ConcurrencyPolicy), string(batchv1.AllowConcurrent)))
	fmt.Fprintf(tw, "Suspend:\t%s\n", fmt.Sprint(cj.Spec.Suspend != nil && *cj.Spec.Suspend))
	fmt.Fprintf(tw, "Successful Job History Limit:\t%s\n", limitString(cj.Spec.SuccessfulJobsHistoryLimit, 3))
	fmt.Fprintf(tw, "Failed Job History Limit:\t%s\n", limitString(cj.Spec.FailedJobsHistoryLimit, 1))
	deadline := "<unset>"
	if d := cj.Spec.StartingDeadlineSeconds; d != nil {
		deadline = fmt.Sprintf("%ds", *d)
	}
	fmt.Fprintf(tw, "Starting Deadline Seconds:\t%s\n", deadline)
	t := cj.Spec.JobTemplate.Spec
	fmt.Fprintf(tw, "Parallelism:\t%d\n", manifest.JobParallelism(&batchv1.Job{Spec: t}))
	completions := "<unset>"
	if t.Completions != nil {
		completions = fmt.Sprint(*t.Completions)
	}
	fmt.Fprintf(tw, "Completions:\t%s\n", completions)
	fmt.Fprintln(tw, "Pod Template:")
	fmt.Fprintf(tw, "  Restart Policy:\t%s\n", t.Template.Spec.RestartPolicy)
	describeContainers(tw, t.Template.Spec.Containers)
	last := "<unset>"
	if cj.Status.LastScheduleTime != nil {
		last = cj.Status.LastScheduleTime.Format(time.RFC1123Z)
	}
	fmt.Fprintf(tw, "Last Schedule Time:\t%s\n", last)
	if cj.Status.LastSuccessfulTime != nil {
		fmt.Fprintf(tw, "Last Successful Time:\t%s\n", cj.Status.LastSuccessfulTime.Format(time.RFC1123Z))
	}
	var active []string
	for _, r := range cj.Status.Active {
		active = append(active, r.Name)
	}
	fmt.Fprintf(tw, "Active Jobs:\t%s\n", orDefault(strings.Join(active, ", "), "<none>"))
	return tw.Flush()
}

func limitString(v *int32, def int32) string {
	if v == nil {
		return fmt.Sprint(def)
	}
	return fmt.Sprint(*v)
}

// runDescribeJob fetches a Job and its pods and describes it.
func runDescribeJob(c *client, ns, name string, out io.Writer) error {
	var j batchv1.Job
	path := "/api/v1/jobs/" + url.PathEscape(ns) + "/" + url.PathEscape(name)
	if err := c.do("GET", path, nil, "", nil, &j); err != nil {
		return err
	}
	var pods []api.JobPod
	if err := c.do("GET", path+"/pods", nil, "", nil, &pods); err != nil {
		return err
	}
	if err := describeJob(out, &j, pods, time.Now()); err != nil {
		return err
	}
	return describeEvents(c, out, "Job", ns, name, time.Now())
}

// runDescribeCronJob fetches a CronJob and describes it.
func runDescribeCronJob(c *client, ns, name string, out io.Writer) error {
	var cj batchv1.CronJob
	if err := c.do("GET", "/api/v1/cronjobs/"+url.PathEscape(ns)+"/"+url.PathEscape(name), nil, "", nil, &cj); err != nil {
		return err
	}
	if err := describeCronJob(out, &cj, time.Now()); err != nil {
		return err
	}
	return describeEvents(c, out, "CronJob", ns, name, time.Now())
}

// jobLogsTarget tells whether `swarm logs` names a Job (job/NAME) rather than a pod.
func jobLogsTarget(arg string) (string, bool) {
	for _, p := range []string{"job/", "jobs/", "job.batch/"} {
		if name, ok := strings.CutPrefix(arg, p); ok {
			return name, true
		}
	}
	return "", false
}

// runJobLogs prints the logs of a Job's pods: those that finished, in the order they did,
// then those that run, each under a line naming it. Following follows the last one.
func runJobLogs(ctx context.Context, c *client, ns, job, container string, follow bool, out io.Writer) error {
	var pods []api.JobPod
	if err := c.do("GET", "/api/v1/jobs/"+url.PathEscape(ns)+"/"+url.PathEscape(job)+"/pods", nil, "", nil, &pods); err != nil {
		return err
	}
	if len(pods) == 0 {
		return fmt.Errorf("job %s/%s has no pods yet", ns, job)
	}
	for i, p := range pods {
		if len(pods) > 1 {
			fmt.Fprintf(out, "==> pod/%s (%s on %s) <==\n", p.Name, p.Phase, orNone(p.Node))
		}
		if p.Node == "" {
			fmt.Fprintln(out, "(not placed on any node yet)")
			continue
		}
		if err := runLogs(ctx, c, ns, p.Name, container, follow && i == len(pods)-1, out); err != nil {
			fmt.Fprintf(out, "error: %v\n", err)
		}
	}
	return nil
}
