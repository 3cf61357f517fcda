package scheduler

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/podman-swarm/podman-swarm/manifest"
)

var jobEpoch = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func i32(v int32) *int32 { return &v }
func i64(v int64) *int64 { return &v }

func testJob(completions, parallelism, backoff int32, policy corev1.RestartPolicy) *batchv1.Job {
	return &batchv1.Job{
		ObjectMeta: metav1.ObjectMeta{Name: "migrate", Namespace: "default", CreationTimestamp: metav1.NewTime(jobEpoch)},
		Spec: batchv1.JobSpec{
			Completions: i32(completions), Parallelism: i32(parallelism), BackoffLimit: i32(backoff),
			Template: corev1.PodTemplateSpec{Spec: corev1.PodSpec{RestartPolicy: policy,
				Containers: []corev1.Container{{Name: "m", Image: "localhost/m:1"}}}},
		},
	}
}

// podsOf reports every pod of run with the given phase.
func podsOf(j *batchv1.Job, run []int, phase corev1.PodPhase, exit int) []JobPodState {
	var out []JobPodState
	for _, i := range run {
		out = append(out, JobPodState{Name: manifest.JobPodName(j, i), Node: "n1", Phase: phase, ExitCode: exit})
	}
	return out
}

func TestJobCompletesWithParallelism(t *testing.T) {
	j := testJob(3, 2, 6, corev1.RestartPolicyNever)
	now := jobEpoch
	step := StepJob(j, JobRecord{}, nil, now)
	if len(step.Run) != 2 || step.Record.Made != 2 || step.Record.StartTime != now {
		t.Fatalf("first step = %+v, want 2 pods started", step)
	}
	// Both succeed: one more is made, never more than the completions missing.
	now = now.Add(time.Minute)
	step = StepJob(j, step.Record, podsOf(j, step.Run, corev1.PodSucceeded, 0), now)
	if step.Record.Succeeded != 2 || len(step.Run) != 1 || step.Run[0] != 2 {
		t.Fatalf("second step = %+v, want 2 succeeded and pod 2 running", step.Record)
	}
	now = now.Add(time.Minute)
	step = StepJob(j, step.Record, podsOf(j, step.Run, corev1.PodSucceeded, 0), now)
	if done, c := JobFinished(step.Record); !done || c != batchv1.JobComplete || len(step.Run) != 0 {
		t.Fatalf("third step = %+v, want Complete and nothing running", step.Record)
	}
	if !step.Record.CompletionTime.Equal(now) || len(step.Record.Finished) != 3 {
		t.Errorf("record = %+v, want completion time and 3 finished pods", step.Record)
	}
	st := JobStatus(step.Record, 0)
	if st.Succeeded != 3 || st.Active != 0 || st.CompletionTime == nil {
		t.Errorf("status = %+v", st)
	}
}

func TestJobBackoffLimit(t *testing.T) {
	j := testJob(1, 1, 2, corev1.RestartPolicyNever)
	now := jobEpoch
	step := StepJob(j, JobRecord{}, nil, now)
	var waits []time.Duration
	for range 10 {
		if done, _ := JobFinished(step.Record); done {
			break
		}
		if len(step.Run) == 0 {
			// Backing off: nothing runs until the time it gives.
			if step.RecheckAt.IsZero() {
				t.Fatalf("step = %+v: nothing runs and nothing to wait for", step)
			}
			waits = append(waits, step.RecheckAt.Sub(now))
			if again := StepJob(j, step.Record, nil, step.RecheckAt.Add(-time.Second)); len(again.Run) != 0 {
				t.Fatalf("a pod made before its back-off ended: %+v", again)
			}
			now = step.RecheckAt
			step = StepJob(j, step.Record, nil, now)
			continue
		}
		now = now.Add(time.Second)
		step = StepJob(j, step.Record, podsOf(j, step.Run, corev1.PodFailed, 3), now)
	}
	done, c := JobFinished(step.Record)
	if !done || c != batchv1.JobFailed || step.Record.Failed != 3 || step.Record.Conditions[0].Reason != JobReasonBackoffLimit {
		t.Fatalf("record = %+v, want Failed BackoffLimitExceeded after 3 failed pods", step.Record)
	}
	if len(waits) != 2 || waits[0] != 10*time.Second || waits[1] != 20*time.Second {
		t.Errorf("back-offs = %v, want 10s then 20s", waits)
	}
	if f := step.Record.Finished[0]; f.ExitCode != 3 || f.Phase != corev1.PodFailed || f.Node != "n1" {
		t.Errorf("finished pod = %+v, want its exit code and node", f)
	}
}

func TestJobBackoffCapped(t *testing.T) {
	want := []time.Duration{0, 10 * time.Second, 20 * time.Second, 40 * time.Second, 80 * time.Second, 160 * time.Second, 320 * time.Second, 6 * time.Minute, 6 * time.Minute}
	for n, w := range want {
		if got := JobBackoff(n); got != w {
			t.Errorf("JobBackoff(%d) = %s, want %s", n, got, w)
		}
	}
	if got := JobBackoff(1000); got != JobBackoffMax {
		t.Errorf("JobBackoff(1000) = %s", got)
	}
}

// With OnFailure the node restarts the container; its restarts count against the limit.
func TestJobOnFailureRestartsCount(t *testing.T) {
	j := testJob(1, 1, 3, corev1.RestartPolicyOnFailure)
	step := StepJob(j, JobRecord{}, nil, jobEpoch)
	pods := []JobPodState{{Name: manifest.JobPodName(j, 0), Node: "n1", Phase: corev1.PodRunning, Restarts: 3}}
	if next := StepJob(j, step.Record, pods, jobEpoch.Add(time.Minute)); len(next.Run) != 1 {
		t.Fatalf("3 restarts within a limit of 3 ended the job: %+v", next.Record)
	}
	pods[0].Restarts = 4
	next := StepJob(j, step.Record, pods, jobEpoch.Add(time.Minute))
	if done, c := JobFinished(next.Record); !done || c != batchv1.JobFailed || len(next.Run) != 0 {
		t.Fatalf("record = %+v, want Failed with the pod removed", next.Record)
	}
}

func TestJobDeadline(t *testing.T) {
	j := testJob(1, 1, 6, corev1.RestartPolicyNever)
	j.Spec.ActiveDeadlineSeconds = i64(30)
	step := StepJob(j, JobRecord{}, nil, jobEpoch)
	if !step.RecheckAt.Equal(jobEpoch.Add(30 * time.Second)) {
		t.Fatalf("recheck = %s, want the deadline", step.RecheckAt)
	}
	next := StepJob(j, step.Record, podsOf(j, step.Run, corev1.PodRunning, 0), jobEpoch.Add(30*time.Second))
	if done, c := JobFinished(next.Record); !done || c != batchv1.JobFailed || next.Record.Conditions[0].Reason != JobReasonDeadline || len(next.Run) != 0 {
		t.Fatalf("record = %+v, want Failed DeadlineExceeded, nothing running", next.Record)
	}
	if next.Record.Conditions[0].Message != "Job was active longer than specified deadline" {
		t.Errorf("message = %q", next.Record.Conditions[0].Message)
	}
}

func TestJobTTL(t *testing.T) {
	j := testJob(1, 1, 6, corev1.RestartPolicyNever)
	j.Spec.TTLSecondsAfterFinished = i32(60)
	step := StepJob(j, JobRecord{}, nil, jobEpoch)
	done := StepJob(j, step.Record, podsOf(j, step.Run, corev1.PodSucceeded, 0), jobEpoch.Add(time.Second))
	if done.Expired || !done.RecheckAt.Equal(jobEpoch.Add(61*time.Second)) {
		t.Fatalf("step = %+v, want the TTL's end to wait for", done)
	}
	if later := StepJob(j, done.Record, nil, jobEpoch.Add(61*time.Second)); !later.Expired {
		t.Fatal("the Job is not deleted once its TTL ran out")
	}
}

func TestJobWithoutCompletions(t *testing.T) {
	j := testJob(1, 3, 6, corev1.RestartPolicyNever)
	j.Spec.Completions = nil
	step := StepJob(j, JobRecord{}, nil, jobEpoch)
	if len(step.Run) != 3 {
		t.Fatalf("run = %v, want parallelism 3", step.Run)
	}
	pods := podsOf(j, step.Run, corev1.PodRunning, 0)
	pods[0].Phase = corev1.PodSucceeded
	step = StepJob(j, step.Record, pods, jobEpoch.Add(time.Second))
	if len(step.Run) != 2 || step.Record.Made != 3 {
		t.Fatalf("step = %+v: a work queue makes no pod once one succeeded", step.Record)
	}
	if done, _ := JobFinished(step.Record); done {
		t.Fatal("complete while pods still run")
	}
	step = StepJob(j, step.Record, podsOf(j, step.Run, corev1.PodSucceeded, 0), jobEpoch.Add(2*time.Second))
	if done, c := JobFinished(step.Record); !done || c != batchv1.JobComplete {
		t.Fatalf("record = %+v, want Complete", step.Record)
	}
}

func TestJobRecreatedStartsOver(t *testing.T) {
	j := testJob(1, 1, 6, corev1.RestartPolicyNever)
	step := StepJob(j, JobRecord{}, nil, jobEpoch)
	step = StepJob(j, step.Record, podsOf(j, step.Run, corev1.PodSucceeded, 0), jobEpoch.Add(time.Second))
	j.CreationTimestamp = metav1.NewTime(jobEpoch.Add(time.Hour))
	again := StepJob(j, step.Record, nil, jobEpoch.Add(time.Hour))
	if done, _ := JobFinished(again.Record); done || len(again.Run) != 1 || again.Record.Succeeded != 0 {
		t.Fatalf("record = %+v, want a new start", again.Record)
	}
}

func TestJobSuspended(t *testing.T) {
	j := testJob(2, 2, 6, corev1.RestartPolicyNever)
	step := StepJob(j, JobRecord{}, nil, jobEpoch)
	yes := true
	j.Spec.Suspend = &yes
	if s := StepJob(j, step.Record, podsOf(j, step.Run, corev1.PodRunning, 0), jobEpoch.Add(time.Second)); len(s.Run) != 0 {
		t.Fatalf("a suspended Job runs %v", s.Run)
	}
}

func TestTrimFinished(t *testing.T) {
	var pods []FinishedPod
	for i := range 120 {
		phase := corev1.PodFailed
		if i%10 == 0 {
			phase = corev1.PodSucceeded
		}
		pods = append(pods, FinishedPod{Name: string(rune('a' + i%26)), Phase: phase})
	}
	out := trimFinished(pods)
	ok, failed := 0, 0
	for _, p := range out {
		if p.Phase == corev1.PodSucceeded {
			ok++
		} else {
			failed++
		}
	}
	if ok != 12 || failed != maxFailedKept {
		t.Errorf("kept %d succeeded, %d failed; want 12, %d", ok, failed, maxFailedKept)
	}
}

func TestJobMessageCut(t *testing.T) {
	j := testJob(1, 1, 6, corev1.RestartPolicyNever)
	step := StepJob(j, JobRecord{}, nil, jobEpoch)
	long := strings.Repeat("é", 300)
	pods := []JobPodState{{Name: manifest.JobPodName(j, 0), Node: "n1", Phase: corev1.PodFailed, ExitCode: 1, Message: long}}
	next := StepJob(j, step.Record, pods, jobEpoch.Add(time.Second))
	m := next.Record.Finished[0].Message
	if len(m) > maxMessage+len("…") || !utf8.ValidString(m) || !strings.HasSuffix(m, "…") {
		t.Errorf("message of %d bytes kept: %q", len(m), m)
	}
}
