package scheduler

import (
	"strconv"
	"strings"
	"testing"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func testCronJob(schedule string) *batchv1.CronJob {
	return &batchv1.CronJob{
		ObjectMeta: metav1.ObjectMeta{Name: "tick", Namespace: "default", CreationTimestamp: metav1.NewTime(jobEpoch)},
		Spec:       batchv1.CronJobSpec{Schedule: schedule},
	}
}

func TestCronJobRunsEachMinuteOnce(t *testing.T) {
	cj := testCronJob("* * * * *")
	step := StepCronJob(cj, CronRecord{}, nil, jobEpoch.Add(30*time.Second))
	if step.Create != nil || !step.RecheckAt.Equal(jobEpoch.Add(time.Minute)) {
		t.Fatalf("step = %+v, want nothing yet and a look at the next minute", step)
	}
	at := jobEpoch.Add(time.Minute)
	step = StepCronJob(cj, step.Record, nil, at.Add(time.Second))
	if step.Create == nil || step.Create.Name != "tick-"+itoa(at.Unix()/60) || !step.Record.LastScheduleTime.Equal(at) {
		t.Fatalf("step = %+v, want the Job of %s", step, at)
	}
	if !step.Create.CreationTimestamp.Time.Equal(at) {
		t.Errorf("creationTimestamp = %s, want the scheduled time (the same for every leader)", step.Create.CreationTimestamp)
	}
	// A second leader that did not see the record yet, but sees the Job: nothing more.
	runs := []CronRun{{Name: step.Create.Name, Scheduled: at}}
	if again := StepCronJob(cj, CronRecord{}, runs, at.Add(2*time.Second)); again.Create != nil {
		t.Fatalf("a Job made again: %s", again.Create.Name)
	}
}

func TestCronJobMissedRuns(t *testing.T) {
	cj := testCronJob("* * * * *")
	// Down for a day: one run, the latest, and a warning.
	now := jobEpoch.Add(24*time.Hour + 10*time.Second)
	step := StepCronJob(cj, CronRecord{CronCreated: jobEpoch, LastScheduleTime: jobEpoch}, nil, now)
	if step.Create == nil || !CronScheduled(step.Create).Equal(jobEpoch.Add(24*time.Hour)) {
		t.Fatalf("step = %+v, want the latest missed time run", step.Create)
	}
	if len(step.Events) == 0 || step.Events[0].Reason != "TooManyMissedTimes" || !strings.Contains(step.Events[0].Message, "too many missed start times: 101") {
		t.Errorf("events = %+v, want the warning", step.Events)
	}
	// With a starting deadline the count starts at the deadline: no warning.
	cj.Spec.StartingDeadlineSeconds = i64(120)
	step = StepCronJob(cj, CronRecord{CronCreated: jobEpoch, LastScheduleTime: jobEpoch}, nil, now)
	if step.Create == nil || len(step.Events) != 1 {
		t.Errorf("step = %+v, events %+v; want one run and no warning", step.Create, step.Events)
	}
	// A run whose starting deadline passed is missed.
	cj.Spec.StartingDeadlineSeconds = i64(5)
	step = StepCronJob(cj, CronRecord{CronCreated: jobEpoch, LastScheduleTime: jobEpoch}, nil, now)
	if step.Create != nil || !step.RecheckAt.Equal(jobEpoch.Add(24*time.Hour+time.Minute)) {
		t.Errorf("step = %+v, want the run missed and the next one waited for", step)
	}
}

func TestCronJobConcurrency(t *testing.T) {
	cj := testCronJob("* * * * *")
	active := []CronRun{{Name: "tick-1", Scheduled: jobEpoch}}
	now := jobEpoch.Add(time.Minute + time.Second)
	rec := CronRecord{CronCreated: jobEpoch, LastScheduleTime: jobEpoch}
	if s := StepCronJob(cj, rec, active, now); s.Create == nil || len(s.Delete) != 0 {
		t.Errorf("Allow: %+v", s)
	}
	cj.Spec.ConcurrencyPolicy = batchv1.ForbidConcurrent
	if s := StepCronJob(cj, rec, active, now); s.Create != nil || !s.Record.LastScheduleTime.Equal(jobEpoch) {
		t.Errorf("Forbid: %+v", s)
	}
	cj.Spec.ConcurrencyPolicy = batchv1.ReplaceConcurrent
	if s := StepCronJob(cj, rec, active, now); s.Create == nil || len(s.Delete) != 1 || s.Delete[0] != "tick-1" {
		t.Errorf("Replace: %+v", s)
	}
	yes := true
	cj.Spec.Suspend = &yes
	if s := StepCronJob(cj, rec, active, now); s.Create != nil {
		t.Errorf("suspended: %+v", s)
	}
}

func TestCronJobHistory(t *testing.T) {
	cj := testCronJob("0 0 1 1 *")
	var runs []CronRun
	for i := range 6 {
		runs = append(runs, CronRun{Name: "tick-" + itoa(int64(i)), Scheduled: jobEpoch.Add(time.Duration(i) * time.Minute),
			Finished: true, Failed: i%2 == 1, Completed: jobEpoch.Add(time.Duration(i) * time.Minute)})
	}
	s := StepCronJob(cj, CronRecord{}, runs, jobEpoch.Add(time.Hour))
	if strings.Join(s.Delete, ",") != "tick-1,tick-3" {
		t.Errorf("delete = %v, want the two oldest failed (3 succeeded kept, 1 failed)", s.Delete)
	}
	if !s.Record.LastSuccessfulTime.Equal(jobEpoch.Add(4 * time.Minute)) {
		t.Errorf("lastSuccessfulTime = %s", s.Record.LastSuccessfulTime)
	}
}

func TestCronJobTimeZone(t *testing.T) {
	cj := testCronJob("0 9 * * *")
	tz := "America/New_York"
	cj.Spec.TimeZone = &tz
	// 09:00 in New York in March (after the change to daylight time on the 8th) is 13:00 UTC.
	now := time.Date(2026, 3, 10, 13, 0, 5, 0, time.UTC)
	s := StepCronJob(cj, CronRecord{CronCreated: jobEpoch, LastScheduleTime: time.Date(2026, 3, 9, 13, 0, 0, 0, time.UTC)}, nil, now)
	if s.Create == nil || !CronScheduled(s.Create).Equal(time.Date(2026, 3, 10, 13, 0, 0, 0, time.UTC)) {
		t.Fatalf("step = %+v, want the run of 13:00 UTC", s.Create)
	}
}

func itoa(v int64) string { return strconv.FormatInt(v, 10) }
