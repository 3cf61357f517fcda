package main

import (
	"fmt"
	"io"
	"net/url"
	"strings"
	"text/tabwriter"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"

	"github.com/podman-swarm/podman-swarm/api"
	"github.com/podman-swarm/podman-swarm/manifest"
)

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
