package scheduler

import (
	"fmt"
	"slices"
	"time"
	"unicode/utf8"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/podman-swarm/podman-swarm/manifest"
)

// The back-off between the failed pods of a Job, as Kubernetes' Job controller spaces
// them: 10 s after the first failure, doubled with each, at most 6 minutes.
const (
	JobBackoffBase = 10 * time.Second
	JobBackoffMax  = 6 * time.Minute
)

// maxFailedKept bounds the failed pods a Job's record lists: each is a pod whose log a
// user may want, but a large backoffLimit must not grow the replicated record without
// end. The counts stay exact.
const maxFailedKept = 50

// maxMessage bounds the message kept of a finished pod, so that a Job of a thousand
// completions keeps its record well under the store's bound on one value.
const maxMessage = 200

// Kubernetes' reasons and messages for a Job that ended.
const (
	JobReasonBackoffLimit = "BackoffLimitExceeded"
	JobReasonDeadline     = "DeadlineExceeded"
	jobMessageBackoff     = "Job has reached the specified backoff limit"
	jobMessageDeadline    = "Job was active longer than specified deadline"
)

// JobRecord is what the leader keeps of a Job between plans: the pods it made, those
// that finished, and its conditions. It is what the Job's status is shown from.
type JobRecord struct {
	// JobCreated is the creationTimestamp of the Job the record is about: a Job deleted
	// and created again under the same name starts over.
	JobCreated time.Time `json:"jobCreated"`
	// Made counts the pods made so far: the index of the next one (manifest.JobPod).
	Made int `json:"made"`
	// Active lists the indexes of the pods made that have not finished.
	Active         []int     `json:"active,omitempty"`
	StartTime      time.Time `json:"startTime,omitzero"`
	CompletionTime time.Time `json:"completionTime,omitzero"`
	Succeeded      int       `json:"succeeded,omitempty"`
	Failed         int       `json:"failed,omitempty"`
	// LastFailure is when a pod last failed, which the back-off is counted from.
	LastFailure time.Time `json:"lastFailure,omitzero"`
	// Finished lists the pods that ended, in the order they did: every one that
	// succeeded, the last maxFailedKept that failed.
	Finished   []FinishedPod          `json:"finished,omitempty"`
	Conditions []batchv1.JobCondition `json:"conditions,omitempty"`
}

// FinishedPod is a Job's pod that ended: where it ran and how it ended. Its units are
// gone from its node; its log stays in that node's journal.
type FinishedPod struct {
	Name     string          `json:"name"`
	Node     string          `json:"node"`
	Phase    corev1.PodPhase `json:"phase"`
	ExitCode int             `json:"exitCode"`
	Reason   string          `json:"reason,omitempty"`
	Message  string          `json:"message,omitempty"`
	Finished time.Time       `json:"finished"`
}

// JobPodState is one of a Job's pods as its node last reported it.
type JobPodState struct {
	Name  string
	Node  string
	Phase corev1.PodPhase
	// Restarts sums its containers' restarts: with restartPolicy OnFailure each is a
	// failure that counts against the backoffLimit, as in Kubernetes.
	Restarts int
	ExitCode int
	Reason   string
	Message  string
}

// JobStep is what the Job controller decides for one Job at one time.
type JobStep struct {
	// Record is the Job's record as it is to be stored.
	Record JobRecord
	// Run lists the indexes of the pods that are to run now: the scheduler places each
	// that runs nowhere, and removes every other pod of the Job.
	Run []int
	// RecheckAt is when the decision may change with nothing else changing (a back-off
	// or a deadline ending, a finished Job's TTL running out); zero when never.
	RecheckAt time.Time
	// Expired is set when the Job finished longer than its ttlSecondsAfterFinished ago:
	// the Job is to be deleted.
	Expired bool
	// Events are what happened, for the Job's events.
	Events []JobEvent
}

// JobEvent is an event about a Job, with Kubernetes' reason.
type JobEvent struct {
	Warning bool
	Reason  string
	Message string
}

// JobFinished tells whether a record holds a Complete or Failed condition, and which.
func JobFinished(rec JobRecord) (finished bool, condition batchv1.JobConditionType) {
	for _, c := range rec.Conditions {
		if (c.Type == batchv1.JobComplete || c.Type == batchv1.JobFailed) && c.Status == corev1.ConditionTrue {
			return true, c.Type
		}
	}
	return false, ""
}

// JobBackoff is how long a Job waits before it makes a pod again after its failed-th
// failed pod.
func JobBackoff(failed int) time.Duration {
	if failed <= 0 {
		return 0
	}
	d := JobBackoffBase
	for i := 1; i < failed && d < JobBackoffMax; i++ {
		d *= 2
	}
	return min(d, JobBackoffMax)
}

// StepJob is the Job controller, for one Job: it folds in the pods that finished (pods
// lists the Job's pods the nodes run, with what they reported), and decides which pods
// run, whether the Job completed or failed, and when to look again. It is pure.
func StepJob(j *batchv1.Job, prev JobRecord, pods []JobPodState, now time.Time) JobStep {
	rec := prev
	created := j.CreationTimestamp.Time
	if !rec.JobCreated.Equal(created) {
		rec = JobRecord{JobCreated: created}
	}
	rec.Active = slices.Clone(rec.Active)
	rec.Finished = slices.Clone(rec.Finished)
	rec.Conditions = slices.Clone(rec.Conditions)
	var step JobStep
	byName := make(map[string]JobPodState, len(pods))
	for _, p := range pods {
		byName[p.Name] = p
	}
	done, _ := JobFinished(rec)
	restarts := 0
	var active []int
	for _, i := range rec.Active {
		name := manifest.JobPodName(j, i)
		p, ok := byName[name]
		switch {
		case ok && (p.Phase == corev1.PodSucceeded || p.Phase == corev1.PodFailed):
			rec.Finished = append(rec.Finished, FinishedPod{Name: name, Node: p.Node, Phase: p.Phase, ExitCode: p.ExitCode,
				Reason: p.Reason, Message: cut(p.Message, maxMessage), Finished: now})
			if p.Phase == corev1.PodSucceeded {
				rec.Succeeded++
			} else {
				rec.Failed++
				rec.LastFailure = now
			}
		default:
			if ok && j.Spec.Template.Spec.RestartPolicy == corev1.RestartPolicyOnFailure {
				restarts += p.Restarts
			}
			active = append(active, i)
		}
	}
	rec.Active = active
	rec.Finished = trimFinished(rec.Finished)
	if done {
		// A finished Job runs nothing; its pods that were still running are gone.
		rec.Active = nil
		step.Record = rec
		step.Expired, step.RecheckAt = expiry(j, rec, now)
		return step
	}
	suspended := j.Spec.Suspend != nil && *j.Spec.Suspend
	if rec.StartTime.IsZero() && !suspended {
		rec.StartTime = now
	}
	completions := manifest.JobCompletions(j)
	switch {
	case rec.Failed+restarts > manifest.JobBackoffLimit(j):
		rec = finish(rec, batchv1.JobFailed, JobReasonBackoffLimit, jobMessageBackoff, now)
		step.Events = append(step.Events, JobEvent{Warning: true, Reason: JobReasonBackoffLimit, Message: jobMessageBackoff})
	case deadlinePassed(j, rec, now):
		rec = finish(rec, batchv1.JobFailed, JobReasonDeadline, jobMessageDeadline, now)
		step.Events = append(step.Events, JobEvent{Warning: true, Reason: JobReasonDeadline, Message: jobMessageDeadline})
	case j.Spec.Completions != nil && rec.Succeeded >= completions,
		j.Spec.Completions == nil && rec.Succeeded > 0 && len(rec.Active) == 0:
		rec = finish(rec, batchv1.JobComplete, "", "", now)
		step.Events = append(step.Events, JobEvent{Reason: "Completed", Message: "Job completed"})
	}
	if done, _ := JobFinished(rec); done {
		rec.Active = nil
		step.Record = rec
		step.Expired, step.RecheckAt = expiry(j, rec, now)
		return step
	}
	if suspended {
		rec.Active = nil
		step.Record = rec
		return step
	}
	want := wantActive(j, rec)
	if want > len(rec.Active) {
		if at := rec.LastFailure.Add(JobBackoff(rec.Failed)); rec.Failed > 0 && now.Before(at) {
			step.RecheckAt = at
		} else {
			for n := want - len(rec.Active); n > 0; n-- {
				rec.Active = append(rec.Active, rec.Made)
				step.Events = append(step.Events, JobEvent{Reason: "SuccessfulCreate", Message: "Created pod: " + manifest.JobPodName(j, rec.Made)})
				rec.Made++
			}
		}
	}
	if d := j.Spec.ActiveDeadlineSeconds; d != nil {
		step.RecheckAt = earliest(step.RecheckAt, rec.StartTime.Add(time.Duration(*d)*time.Second))
	}
	step.Record = rec
	step.Run = slices.Clone(rec.Active)
	return step
}

// wantActive is how many pods a Job runs at once: parallelism, no more than the
// completions still missing; with no completions set, none once a pod succeeded.
func wantActive(j *batchv1.Job, rec JobRecord) int {
	want := manifest.JobParallelism(j)
	if j.Spec.Completions == nil {
		if rec.Succeeded > 0 {
			return 0
		}
		return want
	}
	return max(0, min(want, manifest.JobCompletions(j)-rec.Succeeded))
}

func deadlinePassed(j *batchv1.Job, rec JobRecord, now time.Time) bool {
	d := j.Spec.ActiveDeadlineSeconds
	return d != nil && !rec.StartTime.IsZero() && !now.Before(rec.StartTime.Add(time.Duration(*d)*time.Second))
}

// finish adds the condition a Job ends with, as Kubernetes words it.
func finish(rec JobRecord, t batchv1.JobConditionType, reason, message string, now time.Time) JobRecord {
	rec.Conditions = append(rec.Conditions, batchv1.JobCondition{Type: t, Status: corev1.ConditionTrue, Reason: reason,
		Message: message, LastProbeTime: metav1.NewTime(now), LastTransitionTime: metav1.NewTime(now)})
	if t == batchv1.JobComplete {
		rec.CompletionTime = now
	}
	return rec
}

// expiry tells whether a finished Job's TTL ran out, or when it will.
func expiry(j *batchv1.Job, rec JobRecord, now time.Time) (bool, time.Time) {
	ttl := j.Spec.TTLSecondsAfterFinished
	if ttl == nil {
		return false, time.Time{}
	}
	at := finishedAt(rec).Add(time.Duration(*ttl) * time.Second)
	if !now.Before(at) {
		return true, time.Time{}
	}
	return false, at
}

// finishedAt is when a finished Job finished: its Complete or Failed condition's time.
func finishedAt(rec JobRecord) time.Time {
	for _, c := range rec.Conditions {
		if (c.Type == batchv1.JobComplete || c.Type == batchv1.JobFailed) && c.Status == corev1.ConditionTrue {
			return c.LastTransitionTime.Time
		}
	}
	return time.Time{}
}

// trimFinished keeps every pod that succeeded and the last maxFailedKept that failed.
func trimFinished(pods []FinishedPod) []FinishedPod {
	failed := 0
	for _, p := range pods {
		if p.Phase == corev1.PodFailed {
			failed++
		}
	}
	if failed <= maxFailedKept {
		return pods
	}
	out := make([]FinishedPod, 0, len(pods))
	for _, p := range pods {
		if p.Phase == corev1.PodFailed && failed > maxFailedKept {
			failed--
			continue
		}
		out = append(out, p)
	}
	return out
}

func earliest(a, b time.Time) time.Time {
	if a.IsZero() || !b.IsZero() && b.Before(a) {
		return b
	}
	return a
}

// JobStatus is a Job's status as Kubernetes shows it, from its record and the pods that
// run now (ready counts those of them that are ready).
func JobStatus(rec JobRecord, ready int) batchv1.JobStatus {
	st := batchv1.JobStatus{
		Conditions: rec.Conditions,
		Active:     int32(len(rec.Active)),
		Succeeded:  int32(rec.Succeeded),
		Failed:     int32(rec.Failed),
	}
	r := int32(ready)
	st.Ready = &r
	if !rec.StartTime.IsZero() {
		t := metav1.NewTime(rec.StartTime)
		st.StartTime = &t
	}
	if !rec.CompletionTime.IsZero() {
		t := metav1.NewTime(rec.CompletionTime)
		st.CompletionTime = &t
	}
	return st
}

// String is a one-line summary, for logs.
func (e JobEvent) String() string { return fmt.Sprintf("%s: %s", e.Reason, e.Message) }

// cut shortens s to at most n bytes, on a rune boundary, marking the cut.
func cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}
