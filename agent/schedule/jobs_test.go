package schedule

import (
	"encoding/json"
	"testing"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/podman-swarm/podman-swarm/agent/store"
	"github.com/podman-swarm/podman-swarm/manifest"
	"github.com/podman-swarm/podman-swarm/scheduler"
)

var created = time.Date(2026, 4, 1, 10, 0, 0, 0, time.UTC)

func job(name string, owner string) *batchv1.Job {
	j := &batchv1.Job{ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: name, CreationTimestamp: metav1.NewTime(created)},
		Spec: batchv1.JobSpec{Template: corev1.PodTemplateSpec{Spec: corev1.PodSpec{RestartPolicy: corev1.RestartPolicyNever,
			Containers: []corev1.Container{{Name: "c", Image: "localhost/x:1"}}}}}}
	if owner != "" {
		j.OwnerReferences = []metav1.OwnerReference{{APIVersion: "batch/v1", Kind: "CronJob", Name: owner}}
	}
	return j
}

func keys(changes []change) map[string]bool {
	out := map[string]bool{}
	for _, c := range changes {
		out[c.key] = c.delete
	}
	return out
}

// A pod its node reports Succeeded is counted in the record the plan writes, and is no
// longer among the pods to run, so that the same write removes its assignment; a status
// of another node (the pod ran there before it moved) counts for nothing.
func TestPlanJobsFoldsFinishedPods(t *testing.T) {
	st := emptyState()
	j := job("migrate", "")
	st.Jobs["default/migrate"] = j
	first := planJobs(st, created)
	if len(first.pods) != 1 || first.pods[0].Labels[manifest.JobNameLabel] != "migrate" {
		t.Fatalf("pods = %+v, want the Job's first pod", first.pods)
	}
	st.JobRecords["default/migrate"] = first.changes[0].decodeRecord(t)
	pod := manifest.JobPod(j, 0)
	st.Assignments[pod.Key()] = store.Assignment{Pod: pod, Node: "n2"}
	st.Status[pod.Key()] = store.PodStatus{Node: "n1", Phase: corev1.PodSucceeded}
	if again := planJobs(st, created.Add(time.Second)); len(again.pods) != 1 {
		t.Fatalf("a status of another node ended the pod: %+v", again)
	}
	st.Status[pod.Key()] = store.PodStatus{Node: "n2", Phase: corev1.PodSucceeded}
	done := planJobs(st, created.Add(2*time.Second))
	if len(done.pods) != 0 {
		t.Fatalf("the finished pod is still to run: %+v", done.pods)
	}
	rec := done.changes[0].decodeRecord(t)
	if finished, c := scheduler.JobFinished(rec); !finished || c != batchv1.JobComplete || rec.Finished[0].Node != "n2" {
		t.Errorf("record = %+v, want Complete with the pod's node", rec)
	}
}

// A CronJob's Job is written once: not when the store has it already; a CronJob deleted
// takes its Jobs and records with it.
func TestPlanJobsCronJobs(t *testing.T) {
	st := emptyState()
	st.CronJobs["default/tick"] = &batchv1.CronJob{ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "tick",
		CreationTimestamp: metav1.NewTime(created)}, Spec: batchv1.CronJobSpec{Schedule: "* * * * *",
		JobTemplate: batchv1.JobTemplateSpec{Spec: job("x", "").Spec}}}
	p := planJobs(st, created.Add(61*time.Second))
	name := manifest.CronJobJobName("tick", created.Add(time.Minute))
	jobKey := store.ObjectKey(store.PrefixJob, "default", name)
	if del, ok := keys(p.changes)[jobKey]; !ok || del {
		t.Fatalf("changes %v, want %s written", keys(p.changes), jobKey)
	}
	j := job(name, "tick")
	j.CreationTimestamp = metav1.NewTime(created.Add(time.Minute))
	j.Annotations = map[string]string{manifest.ScheduledTimestampAnnotation: created.Add(time.Minute).Format(time.RFC3339)}
	st.Jobs["default/"+name] = j
	// Another leader that has the Job but not the record writes the record only.
	if again := planJobs(st, created.Add(62*time.Second)); hasKey(again.changes, jobKey) {
		t.Errorf("the Job written again: %v", keys(again.changes))
	}
	delete(st.CronJobs, "default/tick")
	st.CronRecords["default/tick"] = store.CronRecord{CronCreated: created}
	st.JobRecords["default/"+name] = store.JobRecord{JobCreated: j.CreationTimestamp.Time}
	gone := keys(planJobs(st, created.Add(63*time.Second)).changes)
	for _, k := range []string{jobKey, store.JobRecordKey("default/" + name), store.CronRecordKey("default/tick")} {
		if del, ok := gone[k]; !ok || !del {
			t.Errorf("changes %v, want %s deleted", gone, k)
		}
	}
}

func hasKey(changes []change, key string) bool {
	for _, c := range changes {
		if c.key == key {
			return true
		}
	}
	return false
}

func (c change) decodeRecord(t *testing.T) store.JobRecord {
	t.Helper()
	var rec store.JobRecord
	if err := json.Unmarshal(c.value, &rec); err != nil {
		t.Fatalf("decode %s: %v", c.key, err)
	}
	return rec
}
