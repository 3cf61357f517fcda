package scheduler

import (
	"fmt"
	"slices"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/podman-swarm/podman-swarm/manifest"
)

// maxMissed is Kubernetes' bound on the missed start times a CronJob counts: past it, it
// starts the latest one only and warns that the clock or the deadline may be off.
const maxMissed = 100

// The history limits Kubernetes gives a CronJob that sets none.
const (
	defaultSuccessfulHistory = 3
	defaultFailedHistory     = 1
)

// CronRecord is what the leader keeps of a CronJob between plans.
type CronRecord struct {
	// CronCreated is the creationTimestamp of the CronJob the record is about.
	CronCreated time.Time `json:"cronCreated"`
	// LastScheduleTime is the latest time a Job was made for (or found made).
	LastScheduleTime time.Time `json:"lastScheduleTime,omitzero"`
	// LastSuccessfulTime is when the latest of its Jobs that completed did.
	LastSuccessfulTime time.Time `json:"lastSuccessfulTime,omitzero"`
}

// CronRun is one Job a CronJob made, as it stands.
type CronRun struct {
	Name      string
	Scheduled time.Time
	// Finished says whether it ended; Failed whether it ended failed; Completed is when it
	// completed.
	Finished, Failed bool
	Completed        time.Time
}

// CronStep is what the CronJob controller decides for one CronJob at one time.
type CronStep struct {
	Record CronRecord
	// Create is the Job to make now, if any: named after its scheduled time
	// (manifest.CronJobJobName), so that two leaders make one Job.
	Create *batchv1.Job
	// Delete names the Jobs to delete: those a Replace ends and those past the history
	// limits.
	Delete []string
	// RecheckAt is the next scheduled time.
	RecheckAt time.Time
	Events    []JobEvent
}

// StepCronJob is the CronJob controller, for one CronJob: runs lists the Jobs it made. It
// is pure.
func StepCronJob(cj *batchv1.CronJob, prev CronRecord, runs []CronRun, now time.Time) CronStep {
	var step CronStep
	rec := prev
	if !rec.CronCreated.Equal(cj.CreationTimestamp.Time) {
		rec = CronRecord{CronCreated: cj.CreationTimestamp.Time}
	}
	runs = slices.Clone(runs)
	slices.SortFunc(runs, func(a, b CronRun) int { return a.Scheduled.Compare(b.Scheduled) })
	var active []CronRun
	for _, r := range runs {
		if !r.Finished {
			active = append(active, r)
		}
		if r.Finished && !r.Failed && r.Completed.After(rec.LastSuccessfulTime) {
			rec.LastSuccessfulTime = r.Completed
		}
		if r.Scheduled.After(rec.LastScheduleTime) {
			rec.LastScheduleTime = r.Scheduled
		}
	}
	step.Delete = pastHistory(cj, runs)
	step.Record = rec
	if cj.Spec.Suspend != nil && *cj.Spec.Suspend {
		return step
	}
	sched, err := manifest.ParseSchedule(cj)
	if err != nil {
		step.Events = append(step.Events, JobEvent{Warning: true, Reason: "UnparseableSchedule", Message: err.Error()})
		return step
	}
	scheduled, missed := mostRecent(sched, cj, rec, now)
	step.RecheckAt = sched.NextAfter(now)
	if scheduled.IsZero() {
		return step
	}
	if missed > maxMissed {
		step.Events = append(step.Events, JobEvent{Warning: true, Reason: "TooManyMissedTimes",
			Message: fmt.Sprintf("too many missed start times: %d. Set or decrease .spec.startingDeadlineSeconds or check clock skew", missed)})
	}
	if d := cj.Spec.StartingDeadlineSeconds; d != nil && now.After(scheduled.Add(time.Duration(*d)*time.Second)) {
		step.Events = append(step.Events, JobEvent{Warning: true, Reason: "MissSchedule",
			Message: "Missed scheduled time to start a job: " + scheduled.UTC().Format(time.RFC1123Z)})
		return step
	}
	switch cj.Spec.ConcurrencyPolicy {
	case batchv1.ForbidConcurrent:
		if len(active) > 0 {
			// Kubernetes leaves the time unrecorded: the run starts once the active one
			// ended, if its starting deadline allows.
			step.RecheckAt = time.Time{}
			return step
		}
	case batchv1.ReplaceConcurrent:
		for _, r := range active {
			step.Delete = append(step.Delete, r.Name)
			step.Events = append(step.Events, JobEvent{Reason: "SuccessfulDelete", Message: "Deleted job " + r.Name})
		}
	}
	step.Create = cronJobRun(cj, scheduled)
	step.Record.LastScheduleTime = scheduled
	step.Events = append(step.Events, JobEvent{Reason: "SuccessfulCreate", Message: "Created job " + step.Create.Name})
	return step
}

// mostRecent is the latest scheduled time not yet run, counted as Kubernetes does from the
// last one run (else the CronJob's creation), or from the starting deadline when that is
// later; zero when none came due. missed counts those times, up to maxMissed+1.
func mostRecent(sched manifest.Schedule, cj *batchv1.CronJob, rec CronRecord, now time.Time) (time.Time, int) {
	from := rec.LastScheduleTime
	if from.IsZero() {
		from = cj.CreationTimestamp.Time
	}
	if d := cj.Spec.StartingDeadlineSeconds; d != nil {
		if earliest := now.Add(-time.Duration(*d) * time.Second); earliest.After(from) {
			from = earliest
		}
	}
	var last time.Time
	missed := 0
	for t := sched.NextAfter(from); !t.IsZero() && !t.After(now); t = sched.NextAfter(t) {
		last = t
		missed++
		if missed > maxMissed {
			return latestBefore(sched, from, now), missed
		}
	}
	return last, missed
}

// latestBefore finds the latest scheduled time in (from, now] without stepping through
// every one since from (a cluster down for a year under an every-minute schedule): it
// looks back from now over a window that doubles until the window holds one.
func latestBefore(sched manifest.Schedule, from, now time.Time) time.Time {
	for w := time.Minute; ; w *= 2 {
		start := now.Add(-w)
		if !start.After(from) {
			start = from
		}
		if t := sched.NextAfter(start); !t.IsZero() && !t.After(now) {
			last := t
			for t = sched.NextAfter(t); !t.IsZero() && !t.After(now); t = sched.NextAfter(t) {
				last = t
			}
			return last
		}
		if start.Equal(from) {
			return time.Time{}
		}
	}
}

// cronJobRun is the Job a CronJob makes for a scheduled time. Everything in it is derived
// from the CronJob and the time, its creationTimestamp too, so that a leader that takes
// over at that moment writes the same Job, pods named the same.
func cronJobRun(cj *batchv1.CronJob, scheduled time.Time) *batchv1.Job {
	t := cj.Spec.JobTemplate
	j := &batchv1.Job{
		TypeMeta: metav1.TypeMeta{APIVersion: "batch/v1", Kind: "Job"},
		ObjectMeta: metav1.ObjectMeta{
			Name:              manifest.CronJobJobName(cj.Name, scheduled),
			Namespace:         cj.Namespace,
			Labels:            clone(t.Labels),
			Annotations:       clone(t.Annotations),
			CreationTimestamp: metav1.NewTime(scheduled.UTC()),
			OwnerReferences: []metav1.OwnerReference{{APIVersion: "batch/v1", Kind: "CronJob", Name: cj.Name,
				Controller: ptrTrue(), BlockOwnerDeletion: ptrTrue()}},
		},
		Spec: *t.Spec.DeepCopy(),
	}
	if j.Annotations == nil {
		j.Annotations = map[string]string{}
	}
	j.Annotations[manifest.ScheduledTimestampAnnotation] = scheduled.UTC().Format(time.RFC3339)
	return j
}

// CronOwner is the name of the CronJob that made a Job, "" for a Job a user applied.
func CronOwner(j *batchv1.Job) string {
	for _, o := range j.OwnerReferences {
		if o.Kind == "CronJob" && o.APIVersion == "batch/v1" {
			return o.Name
		}
	}
	return ""
}

// CronScheduled is when a CronJob's Job was scheduled, from its annotation.
func CronScheduled(j *batchv1.Job) time.Time {
	t, err := time.Parse(time.RFC3339, j.Annotations[manifest.ScheduledTimestampAnnotation])
	if err != nil {
		return j.CreationTimestamp.Time
	}
	return t
}

// pastHistory names the finished Jobs beyond the CronJob's history limits, oldest first;
// runs is sorted by scheduled time.
func pastHistory(cj *batchv1.CronJob, runs []CronRun) []string {
	keep := func(limit *int32, def int) int {
		if limit == nil {
			return def
		}
		return int(*limit)
	}
	var ok, failed []string
	for _, r := range runs {
		switch {
		case !r.Finished:
		case r.Failed:
			failed = append(failed, r.Name)
		default:
			ok = append(ok, r.Name)
		}
	}
	var out []string
	if n := len(ok) - keep(cj.Spec.SuccessfulJobsHistoryLimit, defaultSuccessfulHistory); n > 0 {
		out = append(out, ok[:n]...)
	}
	if n := len(failed) - keep(cj.Spec.FailedJobsHistoryLimit, defaultFailedHistory); n > 0 {
		out = append(out, failed[:n]...)
	}
	return out
}

func clone(m map[string]string) map[string]string {
	if m == nil {
		return nil
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

func ptrTrue() *bool { b := true; return &b }
