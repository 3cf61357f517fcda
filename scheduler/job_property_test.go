package scheduler

import (
	"slices"
	"testing"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"pgregory.net/rapid"

	"github.com/podman-swarm/podman-swarm/manifest"
)

// Through a run of steps in which the Job's pods succeed, fail, restart or keep running
// and the clock jumps: no more pods run than parallelism, nor more than the completions
// missing; a pod index is never reused; no pod is made during a back-off; a finished Job
// stays finished the same way and runs nothing; and a Job ends Complete exactly when
// enough pods succeeded and Failed when more failed than its backoffLimit allows.
func TestJobProperties(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		policy := rapid.SampledFrom([]corev1.RestartPolicy{corev1.RestartPolicyNever, corev1.RestartPolicyOnFailure}).Draw(t, "policy")
		j := testJob(int32(rapid.IntRange(1, 6).Draw(t, "completions")), int32(rapid.IntRange(1, 4).Draw(t, "parallelism")),
			int32(rapid.IntRange(0, 4).Draw(t, "backoffLimit")), policy)
		if rapid.Bool().Draw(t, "deadline") {
			j.Spec.ActiveDeadlineSeconds = i64(int64(rapid.IntRange(1, 600).Draw(t, "deadlineSeconds")))
		}
		completions, parallelism, limit := manifest.JobCompletions(j), manifest.JobParallelism(j), manifest.JobBackoffLimit(j)
		now := jobEpoch
		step := StepJob(j, JobRecord{}, nil, now)
		seen := map[int]bool{}
		var ended batchv1.JobConditionType
		restarts := map[int]int{}
		for range rapid.IntRange(1, 40).Draw(t, "steps") {
			rec := step.Record
			if len(step.Run) > parallelism || len(step.Run)+rec.Succeeded > completions {
				t.Fatalf("runs %v with %d succeeded; parallelism %d, completions %d", step.Run, rec.Succeeded, parallelism, completions)
			}
			if !slices.Equal(step.Run, rec.Active) && len(step.Run) > 0 {
				t.Fatalf("runs %v, active %v", step.Run, rec.Active)
			}
			for _, i := range rec.Active {
				if i >= rec.Made {
					t.Fatalf("active index %d not made (made %d)", i, rec.Made)
				}
			}
			done, c := JobFinished(rec)
			if ended != "" && (!done || c != ended) {
				t.Fatalf("a Job that ended %s is now %v %s", ended, done, c)
			}
			if done {
				ended = c
				if len(step.Run) != 0 {
					t.Fatalf("a finished Job runs %v", step.Run)
				}
			}
			if c == batchv1.JobComplete && rec.Succeeded < completions {
				t.Fatalf("Complete with %d of %d succeeded", rec.Succeeded, completions)
			}
			if !done && rec.Succeeded >= completions {
				t.Fatalf("%d succeeded of %d, not Complete", rec.Succeeded, completions)
			}
			if !done && policy == corev1.RestartPolicyNever && rec.Failed > limit {
				t.Fatalf("%d failed over a limit of %d, not Failed", rec.Failed, limit)
			}
			// The pods' outcomes since the last step.
			var pods []JobPodState
			for _, i := range step.Run {
				p := JobPodState{Name: manifest.JobPodName(j, i), Node: "n1", Phase: corev1.PodRunning}
				switch rapid.IntRange(0, 3).Draw(t, "outcome") {
				case 0:
					p.Phase = corev1.PodSucceeded
				case 1:
					if policy == corev1.RestartPolicyNever {
						p.Phase, p.ExitCode = corev1.PodFailed, 1
					} else {
						restarts[i]++
					}
				}
				p.Restarts = restarts[i]
				pods = append(pods, p)
			}
			now = now.Add(time.Duration(rapid.IntRange(0, 400).Draw(t, "seconds")) * time.Second)
			before := step.Record
			step = StepJob(j, before, pods, now)
			made := step.Record.Made - before.Made
			for i := before.Made; i < step.Record.Made; i++ {
				if seen[i] {
					t.Fatalf("pod index %d made twice", i)
				}
				seen[i] = true
			}
			if made > 0 && step.Record.Failed > 0 && now.Before(step.Record.LastFailure.Add(JobBackoff(step.Record.Failed))) {
				t.Fatalf("made %d pods at %s, within the back-off after failure %d at %s", made, now, step.Record.Failed, step.Record.LastFailure)
			}
		}
	})
}

// A CronJob's runs through a clock that jumps (a cluster down for hours) with its Jobs
// ending at random: each scheduled time gets one Job at most, ever, also once its Job was
// deleted by the history limits; a Job is made only for a time that came due and is later
// than the last one run; Forbid never makes one while another is active; and the Jobs
// kept finished never exceed the history limits.
func TestCronJobProperties(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		cj := &batchv1.CronJob{
			ObjectMeta: metav1.ObjectMeta{Name: "tick", Namespace: "default", CreationTimestamp: metav1.NewTime(jobEpoch)},
			Spec: batchv1.CronJobSpec{
				Schedule:                   rapid.SampledFrom([]string{"* * * * *", "*/5 * * * *", "0 * * * *", "@hourly", "30 2 * * *"}).Draw(t, "schedule"),
				ConcurrencyPolicy:          rapid.SampledFrom([]batchv1.ConcurrencyPolicy{"", batchv1.ForbidConcurrent, batchv1.ReplaceConcurrent}).Draw(t, "policy"),
				SuccessfulJobsHistoryLimit: i32(int32(rapid.IntRange(0, 3).Draw(t, "keepOK"))),
				FailedJobsHistoryLimit:     i32(int32(rapid.IntRange(0, 2).Draw(t, "keepFailed"))),
			},
		}
		if rapid.Bool().Draw(t, "startingDeadline") {
			cj.Spec.StartingDeadlineSeconds = i64(int64(rapid.IntRange(10, 7200).Draw(t, "deadlineSeconds")))
		}
		sched, err := manifest.ParseSchedule(cj)
		if err != nil {
			t.Fatal(err)
		}
		made := map[string]bool{}
		runs := map[string]*CronRun{}
		var rec CronRecord
		now := jobEpoch
		for range rapid.IntRange(1, 30).Draw(t, "steps") {
			now = now.Add(time.Duration(rapid.IntRange(0, 6*3600).Draw(t, "seconds")) * time.Second)
			for _, name := range sortedRunNames(runs) {
				r := runs[name]
				if !r.Finished && rapid.Bool().Draw(t, "ends") {
					r.Finished, r.Failed, r.Completed = true, rapid.Bool().Draw(t, "failed"), now
				}
			}
			var list []CronRun
			active := 0
			for _, name := range sortedRunNames(runs) {
				list = append(list, *runs[name])
				if !runs[name].Finished {
					active++
				}
			}
			step := StepCronJob(cj, rec, list, now)
			for _, name := range step.Delete {
				delete(runs, name)
			}
			if c := step.Create; c != nil {
				at := CronScheduled(c)
				if made[c.Name] {
					t.Fatalf("Job %s made twice", c.Name)
				}
				if at.After(now) || !at.After(rec.LastScheduleTime) || !sched.NextAfter(at.Add(-time.Second)).Equal(at) {
					t.Fatalf("Job for %s made at %s after last %s: not a due time", at, now, rec.LastScheduleTime)
				}
				if cj.Spec.ConcurrencyPolicy == batchv1.ForbidConcurrent && active > 0 {
					t.Fatalf("Forbid made %s while %d ran", c.Name, active)
				}
				if c.Name != manifest.CronJobJobName(cj.Name, at) || CronOwner(c) != "tick" {
					t.Fatalf("Job %s owned by %q", c.Name, CronOwner(c))
				}
				made[c.Name] = true
				runs[c.Name] = &CronRun{Name: c.Name, Scheduled: at}
			}
			rec = step.Record
			ok, failed := 0, 0
			for _, r := range runs {
				if r.Finished && r.Failed {
					failed++
				} else if r.Finished {
					ok++
				}
			}
			if ok > int(*cj.Spec.SuccessfulJobsHistoryLimit) || failed > int(*cj.Spec.FailedJobsHistoryLimit) {
				// The limits apply at the next step, to the Jobs that ended since.
				again := StepCronJob(cj, rec, listRuns(runs), now)
				if len(again.Delete) == 0 {
					t.Fatalf("%d succeeded and %d failed kept, over the limits, and none deleted", ok, failed)
				}
			}
		}
	})
}

func sortedRunNames(runs map[string]*CronRun) []string {
	var out []string
	for n := range runs {
		out = append(out, n)
	}
	slices.Sort(out)
	return out
}

func listRuns(runs map[string]*CronRun) []CronRun {
	var out []CronRun
	for _, n := range sortedRunNames(runs) {
		out = append(out, *runs[n])
	}
	return out
}
