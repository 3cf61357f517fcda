package view_test

import (
	"testing"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/podman-swarm/podman-swarm/agent/store"
	"github.com/podman-swarm/podman-swarm/agent/view"
	"github.com/podman-swarm/podman-swarm/manifest"
	"github.com/podman-swarm/podman-swarm/scheduler"
)

// A Job's status follows its record and its pods' readiness; a CronJob's follows its
// record and its Jobs, active until their record says they finished.
func TestJobsInTheView(t *testing.T) {
	n := startNode(t)
	v := newView(t, n, nil)
	run(t, v)
	created := time.Date(2026, 4, 1, 10, 0, 0, 0, time.UTC)
	cj := &batchv1.CronJob{ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "tick", CreationTimestamp: metav1.NewTime(created)},
		Spec: batchv1.CronJobSpec{Schedule: "* * * * *"}}
	put(t, n, v, store.ObjectKey(store.PrefixCronJob, "default", "tick"), cj)
	j := &batchv1.Job{ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "tick-1", CreationTimestamp: metav1.NewTime(created),
		OwnerReferences: []metav1.OwnerReference{{APIVersion: "batch/v1", Kind: "CronJob", Name: "tick"}}},
		Spec: batchv1.JobSpec{Template: corev1.PodTemplateSpec{Spec: corev1.PodSpec{RestartPolicy: corev1.RestartPolicyNever,
			Containers: []corev1.Container{{Name: "c", Image: "localhost/x:1"}}}}}}
	put(t, n, v, store.ObjectKey(store.PrefixJob, "default", "tick-1"), j)
	get := func() (*batchv1.Job, *batchv1.CronJob) {
		jo, ok := v.Get(view.Jobs, "default/tick-1")
		co, ok2 := v.Get(view.CronJobs, "default/tick")
		if !ok || !ok2 {
			t.Fatalf("job %v, cronjob %v in the view", ok, ok2)
		}
		return valueOf[*batchv1.Job](t, jo), valueOf[*batchv1.CronJob](t, co)
	}
	gj, gc := get()
	if gj.Status.StartTime != nil || len(gc.Status.Active) != 1 || gc.Status.Active[0].Name != "tick-1" || gj.Kind != "Job" {
		t.Fatalf("before the leader's records: job %+v, cronjob %+v", gj.Status, gc.Status)
	}
	pod := manifest.JobPod(j, 0)
	put(t, n, v, store.AssignmentKey(pod.Key()), store.Assignment{Pod: pod, Node: "n1"})
	rec := store.JobRecord{JobCreated: created, Made: 1, Active: []int{0}, StartTime: created}
	put(t, n, v, store.JobRecordKey("default/tick-1"), rec)
	put(t, n, v, store.StatusKey(pod.Key()), store.PodStatus{Node: "n1", Phase: corev1.PodRunning, Ready: true})
	gj, _ = get()
	if gj.Status.Active != 1 || gj.Status.Ready == nil || *gj.Status.Ready != 1 || gj.Status.StartTime == nil {
		t.Fatalf("running: %+v", gj.Status)
	}
	done := scheduler.StepJob(j, rec, []scheduler.JobPodState{{Name: pod.Name, Node: "n1", Phase: corev1.PodSucceeded}}, created.Add(time.Minute)).Record
	put(t, n, v, store.JobRecordKey("default/tick-1"), done)
	put(t, n, v, store.CronRecordKey("default/tick"), store.CronRecord{CronCreated: created, LastScheduleTime: created.Add(time.Minute)})
	gj, gc = get()
	if gj.Status.Succeeded != 1 || gj.Status.Active != 0 || gj.Status.CompletionTime == nil || len(gj.Status.Conditions) != 1 {
		t.Errorf("complete: %+v", gj.Status)
	}
	if len(gc.Status.Active) != 0 || gc.Status.LastScheduleTime == nil || gc.Kind != "CronJob" {
		t.Errorf("cronjob after its job completed: %+v", gc.Status)
	}
	del(t, n, v, store.ObjectKey(store.PrefixJob, "default", "tick-1"))
	if _, ok := v.Get(view.Jobs, "default/tick-1"); ok {
		t.Error("a deleted Job still in the view")
	}
}
