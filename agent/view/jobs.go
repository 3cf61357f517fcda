package view

import (
	"maps"
	"slices"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/podman-swarm/podman-swarm/agent/store"
	"github.com/podman-swarm/podman-swarm/manifest"
	"github.com/podman-swarm/podman-swarm/scheduler"
)

// JobShape is a Job as the API shows it: as applied (or as its CronJob made it), with the
// status the leader's record gives it (none before the leader saw it); ready counts its
// pods that run and are ready.
func JobShape(j *batchv1.Job, rec store.JobRecord, recorded bool, ready int) *batchv1.Job {
	out := j.DeepCopy()
	out.APIVersion, out.Kind = "batch/v1", "Job"
	if recorded && rec.JobCreated.Equal(j.CreationTimestamp.Time) {
		out.Status = scheduler.JobStatus(rec, ready)
	}
	return out
}

// CronJobShape is a CronJob as the API shows it: with its record's times and its Jobs that
// have not finished as its active ones.
func CronJobShape(cj *batchv1.CronJob, rec store.CronRecord, active []*batchv1.Job) *batchv1.CronJob {
	out := cj.DeepCopy()
	out.APIVersion, out.Kind = "batch/v1", "CronJob"
	if rec.CronCreated.Equal(cj.CreationTimestamp.Time) {
		if !rec.LastScheduleTime.IsZero() {
			t := metav1.NewTime(rec.LastScheduleTime)
			out.Status.LastScheduleTime = &t
		}
		if !rec.LastSuccessfulTime.IsZero() {
			t := metav1.NewTime(rec.LastSuccessfulTime)
			out.Status.LastSuccessfulTime = &t
		}
	}
	for _, j := range active {
		out.Status.Active = append(out.Status.Active, corev1.ObjectReference{Kind: "Job", APIVersion: "batch/v1",
			Namespace: j.Namespace, Name: j.Name, UID: j.UID})
	}
	return out
}

// applyJobRecord takes a record of a Job or a CronJob, or one of the objects, and marks
// what is made of it: a Job's record and object make the Job, and the CronJob that owns
// it counts it active until it finished.
func (r *records) applyJobRecord(prefix, name string, value []byte, d dirty, bad func(error)) {
	switch prefix {
	case store.PrefixJob:
		if old, ok := r.st.Jobs[name]; ok {
			r.markCronOf(d, old)
		}
		setObject(r.st.Jobs, name, value, bad)
		d.mark(Jobs, name)
		if j, ok := r.st.Jobs[name]; ok {
			r.markCronOf(d, j)
		}
	case store.PrefixJobRecord:
		setValue(r.st.JobRecords, name, value, bad)
		d.mark(Jobs, name)
		if j, ok := r.st.Jobs[name]; ok {
			r.markCronOf(d, j)
		}
	case store.PrefixCronJob:
		setObject(r.st.CronJobs, name, value, bad)
		d.mark(CronJobs, name)
	case store.PrefixCronRecord:
		setValue(r.st.CronRecords, name, value, bad)
		d.mark(CronJobs, name)
	}
}

func (r *records) markCronOf(d dirty, j *batchv1.Job) {
	if owner := scheduler.CronOwner(j); owner != "" {
		d.mark(CronJobs, j.Namespace+"/"+owner)
	}
}

// markJobOf marks the Job whose pod's assignment or status changed: its ready count.
func (r *records) markJobOf(d dirty, podKey string) {
	if a, ok := r.st.Assignments[podKey]; ok {
		if job := a.Pod.Labels[manifest.JobNameLabel]; job != "" {
			d.mark(Jobs, a.Pod.Namespace+"/"+job)
		}
	}
}

// reshapeJobs makes again the Jobs and CronJobs marked in d.
func (v *View) reshapeJobs(d dirty) {
	st := &v.rec.st
	for _, key := range slices.Sorted(maps.Keys(d[Jobs])) {
		j, ok := st.Jobs[key]
		if !ok {
			v.remove(Jobs, key)
			continue
		}
		rec, recorded := st.JobRecords[key]
		v.put(Jobs, key, JobShape(j, rec, recorded, readyJobPods(st, j, rec)), "")
	}
	for _, key := range slices.Sorted(maps.Keys(d[CronJobs])) {
		cj, ok := st.CronJobs[key]
		if !ok {
			v.remove(CronJobs, key)
			continue
		}
		v.put(CronJobs, key, CronJobShape(cj, st.CronRecords[key], ActiveCronJobs(st, cj)), "")
	}
}

// readyJobPods counts a Job's active pods that are ready on the node they are assigned
// to.
func readyJobPods(st *store.State, j *batchv1.Job, rec store.JobRecord) int {
	n := 0
	for _, i := range rec.Active {
		key := j.Namespace + "/" + manifest.JobPodName(j, i)
		a, placed := st.Assignments[key]
		if s, ok := st.Status[key]; placed && ok && s.Describes(a) && s.Ready {
			n++
		}
	}
	return n
}

// ActiveCronJobs are the Jobs a CronJob made that have not finished, oldest first.
func ActiveCronJobs(st *store.State, cj *batchv1.CronJob) []*batchv1.Job {
	var out []*batchv1.Job
	for _, key := range sortedJobKeys(st) {
		j := st.Jobs[key]
		if j.Namespace != cj.Namespace || scheduler.CronOwner(j) != cj.Name {
			continue
		}
		if rec, ok := st.JobRecords[key]; ok && rec.JobCreated.Equal(j.CreationTimestamp.Time) {
			if done, _ := scheduler.JobFinished(rec); done {
				continue
			}
		}
		out = append(out, j)
	}
	return out
}

func sortedJobKeys(st *store.State) []string {
	return slices.Sorted(maps.Keys(st.Jobs))
}
