package schedule

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/podman-swarm/podman-swarm/agent/store"
	"github.com/podman-swarm/podman-swarm/manifest"
	"github.com/podman-swarm/podman-swarm/scheduler"
)

// jobPlan is what the Job and CronJob controllers decide at one plan: the Jobs' pods that
// are to run, handed to the scheduler as bare pods (placed once, placed again elsewhere
// when their node is gone before they finished; every other pod of a Job is removed, its
// units with it, once its record counts it), and the store writes that go with the pod
// plan in its atomic write.
type jobPlan struct {
	pods      []*corev1.Pod
	changes   []change
	events    []jobEvent
	recheckAt time.Time
	// errs are the Jobs a CronJob could not make (one that does not encode): the rest of
	// the plan goes on without them.
	errs []error
}

// jobEvent is an event about a Job or a CronJob.
type jobEvent struct {
	ref corev1.ObjectReference
	scheduler.JobEvent
}

// planJobs runs the CronJob controller, then the Job controller, over the store. A Job a
// CronJob makes now is stepped at the next plan, which its write wakes.
func planJobs(st *store.State, now time.Time) jobPlan {
	var p jobPlan
	now = now.UTC()
	gone := map[string]bool{} // Jobs this plan deletes
	for _, key := range sortedKeys(st.CronJobs) {
		p.stepCronJob(st, key, now, gone)
	}
	for _, key := range sortedKeys(st.CronRecords) {
		if _, ok := st.CronJobs[key]; !ok {
			p.changes = append(p.changes, change{key: store.CronRecordKey(key), delete: true})
		}
	}
	pods := jobPods(st)
	for _, key := range sortedKeys(st.Jobs) {
		j := st.Jobs[key]
		if owner := scheduler.CronOwner(j); owner != "" && st.CronJobs[j.Namespace+"/"+owner] == nil {
			gone[key] = true // its CronJob was deleted: its Jobs go with it, as Kubernetes collects them
		}
		if gone[key] {
			p.deleteJob(key)
			continue
		}
		p.stepJob(st, key, pods[key], now)
	}
	for _, key := range sortedKeys(st.JobRecords) {
		if _, ok := st.Jobs[key]; !ok {
			p.changes = append(p.changes, change{key: store.JobRecordKey(key), delete: true})
		}
	}
	return p
}

// stepJob runs the Job controller for one Job.
func (p *jobPlan) stepJob(st *store.State, key string, pods []scheduler.JobPodState, now time.Time) {
	j := st.Jobs[key]
	prev, had := st.JobRecords[key]
	step := scheduler.StepJob(j, prev, pods, now)
	ref := corev1.ObjectReference{Kind: "Job", APIVersion: "batch/v1", Namespace: j.Namespace, Name: j.Name}
	for _, e := range step.Events {
		p.events = append(p.events, jobEvent{ref: ref, JobEvent: e})
	}
	if step.Expired {
		p.deleteJob(key)
		return
	}
	if !had || !bytes.Equal(store.MustJSON(prev), store.MustJSON(step.Record)) {
		p.changes = append(p.changes, change{key: store.JobRecordKey(key), value: store.MustJSON(step.Record)})
	}
	for _, i := range step.Run {
		p.pods = append(p.pods, runningPod(st, j, i))
	}
	p.recheckAt = earliestTime(p.recheckAt, step.RecheckAt)
}

// deleteJob deletes a Job and its record.
func (p *jobPlan) deleteJob(key string) {
	ns, name := splitObjectKey(key)
	p.changes = append(p.changes, change{key: store.ObjectKey(store.PrefixJob, ns, name), delete: true},
		change{key: store.JobRecordKey(key), delete: true})
}

// runningPod is the i-th pod of a Job as it is to run: as it was placed, when it was (a
// Job's template may change under it; its pods made before keep theirs), else from the
// Job's template.
func runningPod(st *store.State, j *batchv1.Job, i int) *corev1.Pod {
	mp := manifest.JobPod(j, i)
	if a, ok := st.Assignments[mp.Key()]; ok {
		mp = a.Pod
	}
	return &corev1.Pod{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Pod"},
		ObjectMeta: metav1.ObjectMeta{Name: mp.Name, Namespace: mp.Namespace, Labels: mp.Labels, Annotations: mp.Annotations},
		Spec:       mp.Spec,
	}
}

// jobPods are the Jobs' pods as their nodes report them, by the Job's key. A status its
// node reported for an earlier placement of the pod (one that moved) says nothing about
// this one.
func jobPods(st *store.State) map[string][]scheduler.JobPodState {
	out := map[string][]scheduler.JobPodState{}
	for _, key := range sortedKeys(st.Assignments) {
		a := st.Assignments[key]
		job := a.Pod.Labels[manifest.JobNameLabel]
		if job == "" {
			continue
		}
		ps := scheduler.JobPodState{Name: a.Pod.Name, Node: a.Node}
		if s, ok := st.Status[key]; ok && s.Describes(a) {
			ps.Phase, ps.Restarts, ps.Message = s.Phase, int(s.RestartCount), s.Message
			ps.ExitCode, ps.Reason = exitOf(s)
		}
		jobKey := a.Pod.Namespace + "/" + job
		out[jobKey] = append(out[jobKey], ps)
	}
	return out
}

// exitOf is how a finished pod ended: the first container that failed, else the last one.
func exitOf(s store.PodStatus) (int, string) {
	code, reason := 0, ""
	for _, c := range s.Containers {
		if c.State != "terminated" {
			continue
		}
		if c.ExitCode != 0 {
			return c.ExitCode, c.Reason
		}
		code, reason = c.ExitCode, c.Reason
	}
	return code, reason
}

// stepCronJob runs the CronJob controller for one CronJob; the Jobs it deletes are added
// to gone.
func (p *jobPlan) stepCronJob(st *store.State, key string, now time.Time, gone map[string]bool) {
	cj := st.CronJobs[key]
	var runs []scheduler.CronRun
	for _, jk := range sortedKeys(st.Jobs) {
		j := st.Jobs[jk]
		if j.Namespace != cj.Namespace || scheduler.CronOwner(j) != cj.Name {
			continue
		}
		run := scheduler.CronRun{Name: j.Name, Scheduled: scheduler.CronScheduled(j)}
		if rec, ok := st.JobRecords[jk]; ok && rec.JobCreated.Equal(j.CreationTimestamp.Time) {
			finished, c := scheduler.JobFinished(rec)
			run.Finished, run.Failed, run.Completed = finished, c == batchv1.JobFailed, rec.CompletionTime
		}
		runs = append(runs, run)
	}
	prev, had := st.CronRecords[key]
	step := scheduler.StepCronJob(cj, prev, runs, now)
	ref := corev1.ObjectReference{Kind: "CronJob", APIVersion: "batch/v1", Namespace: cj.Namespace, Name: cj.Name}
	for _, e := range step.Events {
		p.events = append(p.events, jobEvent{ref: ref, JobEvent: e})
	}
	for _, name := range step.Delete {
		gone[cj.Namespace+"/"+name] = true
	}
	if j := step.Create; j != nil {
		jk := j.Namespace + "/" + j.Name
		if _, exists := st.Jobs[jk]; !exists {
			value, err := jobValue(j)
			if err != nil {
				p.errs = append(p.errs, err)
				return
			}
			p.changes = append(p.changes, change{key: store.ObjectKey(store.PrefixJob, j.Namespace, j.Name), value: value})
		}
	}
	if !had || !bytes.Equal(store.MustJSON(prev), store.MustJSON(step.Record)) {
		p.changes = append(p.changes, change{key: store.CronRecordKey(key), value: store.MustJSON(step.Record)})
	}
	p.recheckAt = earliestTime(p.recheckAt, step.RecheckAt)
}

// jobValue is a Job the leader makes, as the store keeps objects: with a lineage that has
// seen nothing (it is new), the same bytes whichever leader writes it.
func jobValue(j *batchv1.Job) ([]byte, error) {
	b, err := json.Marshal(j)
	if err != nil {
		return nil, fmt.Errorf("encode job %s/%s: %w", j.Namespace, j.Name, err)
	}
	return store.WithResourceVersion(store.ObjectKey(store.PrefixJob, j.Namespace, j.Name), b, store.Lineage{}.String())
}

// splitObjectKey splits "namespace/name".
func splitObjectKey(key string) (string, string) {
	ns, name, _ := strings.Cut(key, "/")
	return ns, name
}

func earliestTime(a, b time.Time) time.Time {
	if a.IsZero() || !b.IsZero() && b.Before(a) {
		return b
	}
	return a
}

// planJobs runs the Job and CronJob controllers, and logs the Jobs a CronJob could not
// make.
func (a *Loop) planJobs(st *store.State, now time.Time) jobPlan {
	p := planJobs(st, now)
	for _, err := range p.errs {
		a.log.Warn("make a cronjob's job", "err", err)
	}
	return p
}

// reportJobs logs the Jobs' and CronJobs' events and records them, as Kubernetes does.
func (a *Loop) reportJobs(events []jobEvent) {
	for _, e := range events {
		kind := corev1.EventTypeNormal
		if e.Warning {
			kind = corev1.EventTypeWarning
		}
		a.log.Info("job controller", "object", e.ref.Kind+" "+e.ref.Namespace+"/"+e.ref.Name, "reason", e.Reason, "message", e.Message)
		if a.recorder != nil {
			a.recorder.Event(e.ref, kind, e.Reason, e.Message)
		}
	}
}
