package manifest

import (
	"fmt"
	"strconv"

	batchv1 "k8s.io/api/batch/v1"
)

// The labels Kubernetes puts on a Job's pods, which `swarm logs job/NAME` and the Job
// controller find them by.
const (
	JobNameLabel       = "batch.kubernetes.io/job-name"
	LegacyJobNameLabel = "job-name"
)

// JobCompletions is a Job's completions, with Kubernetes' default: nil (any one pod that
// succeeds completes the Job) counts as 1.
func JobCompletions(j *batchv1.Job) int {
	if j.Spec.Completions == nil {
		return 1
	}
	return int(*j.Spec.Completions)
}

// JobParallelism is a Job's parallelism, with Kubernetes' default of 1.
func JobParallelism(j *batchv1.Job) int {
	if j.Spec.Parallelism == nil {
		return 1
	}
	return int(*j.Spec.Parallelism)
}

// JobBackoffLimit is a Job's backoffLimit, with Kubernetes' default of 6.
func JobBackoffLimit(j *batchv1.Job) int {
	if j.Spec.BackoffLimit == nil {
		return 6
	}
	return int(*j.Spec.BackoffLimit)
}

// JobPodName names the n-th pod a Job made (0 for its first), shaped as Kubernetes names a
// Job's pods (<job>-<5 characters>) but derived from the Job's identity, so that every
// node, and a leader that takes over, names the same pod the same. The creation time tells
// a Job created again under the same name from the one before, whose pods' logs stay in
// the journal.
func JobPodName(j *batchv1.Job, n int) string {
	id := fmt.Sprintf("%s/%s/%d", j.Namespace, j.Name, j.CreationTimestamp.Unix())
	return j.Name + "-" + ordinalSuffix(id, n)
}

// JobPod returns the n-th pod of a Job: its template, labelled as Kubernetes labels a
// Job's pods. It is a bare pod to the scheduler (no Owner): placed once, and placed again
// elsewhere when its node is gone before it finished.
func JobPod(j *batchv1.Job, n int) Pod {
	labels := make(map[string]string, len(j.Spec.Template.Labels)+2)
	for k, v := range j.Spec.Template.Labels {
		labels[k] = v
	}
	labels[JobNameLabel] = j.Name
	labels[LegacyJobNameLabel] = j.Name
	annotations := make(map[string]string, len(j.Spec.Template.Annotations)+1)
	for k, v := range j.Spec.Template.Annotations {
		annotations[k] = v
	}
	annotations[JobPodIndexAnnotation] = strconv.Itoa(n)
	return Pod{
		Namespace:   j.Namespace,
		Name:        JobPodName(j, n),
		Labels:      labels,
		Annotations: annotations,
		Spec:        *j.Spec.Template.Spec.DeepCopy(),
	}
}

// JobPodIndexAnnotation carries the index of a Job's pod among the pods the Job made (0 for
// its first): the n of JobPod.
const JobPodIndexAnnotation = "swarm.podman.io/job-pod-index"

func decodeJob(data []byte, o *Object) error {
	o.Job = &batchv1.Job{}
	return decodeStrict(data, o.Job)
}

func decodeCronJob(data []byte, o *Object) error {
	o.CronJob = &batchv1.CronJob{}
	return decodeStrict(data, o.CronJob)
}

// JobTemplatePod is the first pod a Job, or the Job of a CronJob, would make: what `swarm
// render` shows and what an apply checks renders on a node.
func JobTemplatePod(o Object) Pod {
	if o.CronJob != nil {
		j := &batchv1.Job{ObjectMeta: o.CronJob.ObjectMeta, Spec: o.CronJob.Spec.JobTemplate.Spec}
		j.Name = o.CronJob.Name + "-0"
		j.Labels, j.Annotations = o.CronJob.Spec.JobTemplate.Labels, o.CronJob.Spec.JobTemplate.Annotations
		return JobPod(j, 0)
	}
	return JobPod(o.Job, 0)
}
