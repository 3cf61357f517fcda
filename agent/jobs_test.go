package agent

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"

	"github.com/podman-swarm/podman-swarm/agent/store"
	"github.com/podman-swarm/podman-swarm/api"
	"github.com/podman-swarm/podman-swarm/manifest"
	"github.com/podman-swarm/podman-swarm/reconcile"
)

// jobYAML is a Job of one container; extra goes under spec.
func jobYAML(name string, extra string) string {
	return fmt.Sprintf(`apiVersion: batch/v1
kind: Job
metadata: {name: %s}
spec:
%s  template:
    spec:
      restartPolicy: Never
      containers:
        - name: main
          image: localhost/test:1
`, name, extra)
}

// jobPodsPlaced are the assignments of a Job's pods, pod key -> assignment.
func jobPodsPlaced(a *Agent, job string) map[string]store.Assignment {
	st := store.Read(a.Node(), testLogger())
	out := map[string]store.Assignment{}
	for key, as := range st.Assignments {
		if as.Pod.Labels[manifest.JobNameLabel] == job {
			out[key] = as
		}
	}
	return out
}

// finish reports a pod ended, from the node it is assigned to, as that node's status
// writer would: exit code 0 succeeds, any other fails.
func finish(t *testing.T, agents []*Agent, key string, as store.Assignment, exit int) {
	t.Helper()
	phase, reason := corev1.PodSucceeded, "Completed"
	if exit != 0 {
		phase, reason = corev1.PodFailed, "Error"
	}
	ps := store.PodStatus{Node: as.Node, Phase: phase, Updated: time.Now().UTC(),
		Containers: []reconcile.ContainerStatus{{Name: "main", State: reconcile.ContainerTerminated, ExitCode: exit, Reason: reason}}}
	for _, a := range agents {
		if a.cfg.NodeName == as.Node {
			if _, err := a.Node().Put(store.StatusKey(key), store.MustJSON(ps)); err != nil {
				t.Fatalf("report %s: %v", key, err)
			}
			return
		}
	}
	t.Fatalf("no agent %s", as.Node)
}

func getJob(t *testing.T, a *Agent, name string) (batchv1.Job, bool) {
	t.Helper()
	var j batchv1.Job
	code := call(t, a, "GET", "/api/v1/jobs/default/"+name, "", nil, &j)
	return j, code == http.StatusOK
}

func jobCondition(j batchv1.Job) (batchv1.JobConditionType, string) {
	for _, c := range j.Status.Conditions {
		if c.Status == corev1.ConditionTrue {
			return c.Type, c.Reason
		}
	}
	return "", ""
}

// A Job of completions 3 and parallelism 2 on a real three-node cluster: never more than
// two pods at once, each finished pod's assignment removed in the write that counts it,
// Complete once three succeeded, with its pods' nodes in the record.
func TestJobCompletesWithParallelism(t *testing.T) {
	agents := startAgents(t, 3, nil)
	apply(t, agents[0], jobYAML("migrate", "  completions: 3\n  parallelism: 2\n"))
	succeeded := map[string]bool{}
	eventually(t, 20*time.Second, "the Job Complete", func() bool {
		placed := jobPodsPlaced(agents[0], "migrate")
		if len(placed) > 2 {
			t.Fatalf("%d pods run at once, parallelism is 2", len(placed))
		}
		for key, as := range placed {
			if succeeded[key] {
				continue
			}
			succeeded[key] = true
			finish(t, agents, key, as, 0)
		}
		j, ok := getJob(t, agents[1], "migrate")
		c, _ := jobCondition(j)
		return ok && c == batchv1.JobComplete
	})
	// From the agent that saw it Complete: another may not have the leader's last record yet.
	j, _ := getJob(t, agents[1], "migrate")
	if j.Status.Succeeded != 3 || j.Status.Active != 0 || j.Status.CompletionTime == nil || len(succeeded) != 3 {
		t.Errorf("status = %+v after %d pods, want 3 succeeded, none active", j.Status, len(succeeded))
	}
	eventually(t, 10*time.Second, "the finished pods' assignments gone", func() bool {
		return len(jobPodsPlaced(agents[0], "migrate")) == 0
	})
	rec := store.Read(agents[0].Node(), testLogger()).JobRecords["default/migrate"]
	for _, f := range rec.Finished {
		if f.Node == "" || f.Phase != corev1.PodSucceeded {
			t.Errorf("finished pod %+v, want its node and phase", f)
		}
	}
	var listed []api.JobPod
	if code := call(t, agents[1], "GET", "/api/v1/jobs/default/migrate/pods", "", nil, &listed); code != http.StatusOK || len(listed) != 3 {
		t.Fatalf("job pods: HTTP %d, %+v; want the 3 pods", code, listed)
	}
	// The log of a finished pod is asked of the node it ran on, whatever node is asked:
	// here a node without a runtime, which says so.
	p := listed[0]
	for _, a := range agents {
		var e struct{ Message string }
		code := call(t, a, "GET", "/api/v1/pods/default/"+p.Name+"/logs", "", nil, &e)
		if want := "node " + p.Node + " runs no pods (--runtime none), so there are no logs"; code != http.StatusConflict || e.Message != want {
			t.Errorf("logs of %s asked of %s: HTTP %d %q, want 409 %q", p.Name, a.cfg.NodeName, code, e.Message, want)
		}
	}
}

// A Job whose pod fails with backoffLimit 0 fails at once with Kubernetes' reason and an
// event; its TTL then deletes it and its record.
func TestJobFailsAtBackoffLimitThenExpires(t *testing.T) {
	agents := startAgents(t, 2, nil)
	apply(t, agents[0], jobYAML("broken", "  backoffLimit: 0\n  ttlSecondsAfterFinished: 2\n"))
	var failedPod string
	eventually(t, 20*time.Second, "the Job Failed", func() bool {
		for key, as := range jobPodsPlaced(agents[0], "broken") {
			if failedPod == "" {
				failedPod = key
				finish(t, agents, key, as, 3)
			}
		}
		j, ok := getJob(t, agents[1], "broken")
		c, reason := jobCondition(j)
		if c == batchv1.JobComplete {
			t.Fatal("a failed pod completed the Job")
		}
		return ok && c == batchv1.JobFailed && reason == "BackoffLimitExceeded"
	})
	rec := store.Read(agents[1].Node(), testLogger()).JobRecords["default/broken"]
	if len(rec.Finished) != 1 || rec.Finished[0].ExitCode != 3 || rec.Made != 1 {
		t.Errorf("record = %+v, want the one pod made, failed with exit code 3", rec)
	}
	eventually(t, 10*time.Second, "the BackoffLimitExceeded event", func() bool {
		var l struct{ Items []corev1.Event }
		call(t, agents[0], "GET", "/api/v1/events", "", nil, &l)
		for _, e := range l.Items {
			if e.InvolvedObject.Kind == "Job" && e.InvolvedObject.Name == "broken" && e.Reason == "BackoffLimitExceeded" {
				return true
			}
		}
		return false
	})
	eventually(t, 15*time.Second, "the Job deleted by its TTL", func() bool {
		st := store.Read(agents[1].Node(), testLogger())
		_, job := st.Jobs["default/broken"]
		_, rec := st.JobRecords["default/broken"]
		return !job && !rec
	})
	// As for any object deleted, what the deleting node had seen of it is kept beside the
	// tombstone.
	eventually(t, 10*time.Second, "the Job's deletion record", func() bool {
		e, ok := agents[0].Node().Get(store.DeletionKey(store.ObjectKey(store.PrefixJob, "default", "broken")))
		return ok && !e.Deleted
	})
}

// The node running a Job's pod dies before the pod finished: the pod runs again on
// another node, and the Job completes there.
func TestJobPodRerunsWhenItsNodeDies(t *testing.T) {
	agents := startAgents(t, 3, nil)
	apply(t, agents[0], jobYAML("once", ""))
	var first store.Assignment
	var key string
	eventually(t, 20*time.Second, "the pod placed", func() bool {
		for k, as := range jobPodsPlaced(agents[0], "once") {
			key, first = k, as
		}
		return key != ""
	})
	var l corev1.PodList
	call(t, agents[0], "GET", "/api/v1/pods", "", nil, &l)
	if len(l.Items) != 1 || len(l.Items[0].OwnerReferences) != 1 || l.Items[0].OwnerReferences[0].Kind != "Job" ||
		l.Items[0].OwnerReferences[0].Name != "once" {
		t.Errorf("pods = %+v, want the Job's pod owned by it", l.Items)
	}
	var rest []*Agent
	for _, a := range agents {
		if a.cfg.NodeName == first.Node {
			_ = a.Shutdown(false)
		} else {
			rest = append(rest, a)
		}
	}
	var again store.Assignment
	eventually(t, 30*time.Second, "the pod placed on another node", func() bool {
		as, ok := jobPodsPlaced(rest[0], "once")[key]
		again = as
		return ok && as.Node != first.Node
	})
	finish(t, rest, key, again, 0)
	eventually(t, 20*time.Second, "the Job Complete", func() bool {
		j, _ := getJob(t, rest[1], "once")
		c, _ := jobCondition(j)
		return c == batchv1.JobComplete && j.Status.Succeeded == 1
	})
}

// A CronJob makes its Jobs named after their scheduled minute, each at most once, also
// while its leader is killed; `swarm delete cronjob` takes its Jobs with it.
func TestCronJobOneJobPerMinuteAcrossLeaders(t *testing.T) {
	agents := startAgents(t, 3, nil)
	apply(t, agents[0], `apiVersion: batch/v1
kind: CronJob
metadata: {name: tick}
spec:
  schedule: "@every 2s"
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: OnFailure
          containers:
            - name: main
              image: localhost/test:1
`)
	eventually(t, 20*time.Second, "a Job made", func() bool {
		return len(store.Read(agents[1].Node(), testLogger()).Jobs) > 0
	})
	leader := leaderOf(agents)
	var rest []*Agent
	for _, a := range agents {
		if a.cfg.NodeName == leader {
			_ = a.Shutdown(false)
		} else {
			rest = append(rest, a)
		}
	}
	eventually(t, 15*time.Second, "a new leader", func() bool { l := leaderOf(rest); return l != "" && l != leader })
	time.Sleep(3 * time.Second)
	st := store.Read(rest[0].Node(), testLogger())
	for key, j := range st.Jobs {
		want := manifest.CronJobJobName("tick", j.CreationTimestamp.Time)
		if !strings.HasSuffix(key, "/"+want) || j.OwnerReferences[0].Name != "tick" {
			t.Errorf("job %s (created %s), want it named %s and owned by tick", key, j.CreationTimestamp, want)
		}
	}
	var cj batchv1.CronJob
	if code := call(t, rest[0], "GET", "/api/v1/cronjobs/default/tick", "", nil, &cj); code != http.StatusOK || cj.Status.LastScheduleTime == nil {
		t.Errorf("cronjob: HTTP %d, status %+v; want its last schedule time", code, cj.Status)
	}
	if code := call(t, rest[0], "DELETE", "/api/v1/manifests/default/tick?kind=CronJob", "", nil, nil); code != http.StatusOK {
		t.Fatalf("delete: HTTP %d", code)
	}
	eventually(t, 15*time.Second, "its Jobs and their pods gone", func() bool {
		st := store.Read(rest[1].Node(), testLogger())
		return len(st.Jobs) == 0 && len(st.JobRecords) == 0 && len(st.CronRecords) == 0 && !anyJobPod(st)
	})
}

// anyJobPod tells whether any pod of a Job is assigned.
func anyJobPod(st *store.State) bool {
	for _, as := range st.Assignments {
		if as.Pod.Labels[manifest.JobNameLabel] != "" {
			return true
		}
	}
	return false
}

// A watch of the Jobs sees a Job added, then modified as its status changes.
func TestWatchJobs(t *testing.T) {
	a := startAgent(t, testConfig(t, "n0"))
	w := mustWatch(t, a, "/api/v1/jobs", nil)
	apply(t, a, jobYAML("watched", ""))
	w.until(func(e watched) bool { return e.Type == api.Added && e.Name == "default/watched" })
	ev := w.until(func(e watched) bool { return e.Type == api.Modified && e.Name == "default/watched" })
	var j batchv1.Job
	if err := json.Unmarshal(w.raw.Object, &j); err != nil || j.Status.Active != 1 || j.Kind != "Job" {
		t.Errorf("after %v: %v, %+v; want the Job with its active pod", ev, err, j)
	}
}

// A Job applied again unchanged is unchanged; with another template it is refused, as
// Kubernetes refuses it.
func TestJobTemplateIsImmutable(t *testing.T) {
	a := startAgent(t, testConfig(t, "n0"))
	apply(t, a, jobYAML("fixed", ""))
	if res := apply(t, a, jobYAML("fixed", "")); len(res.Applied) != 1 || res.Applied[0].Result != "unchanged" {
		t.Errorf("apply again = %+v, want unchanged", res)
	}
	got := refusal(t, a, strings.Replace(jobYAML("fixed", ""), "localhost/test:1", "localhost/test:2", 1))
	want := "manifest: document 1 (Job fixed): spec.template: Forbidden: field is immutable"
	if len(got) != 1 || got[0] != want {
		t.Errorf("refusal = %q, want %q", got, want)
	}
}
