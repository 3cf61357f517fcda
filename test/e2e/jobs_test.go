package e2e

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"
)

// batchJob is a Job of the test server in batch mode: each pod prints a line, waits
// runFor and exits with exit.
func batchJob(name string, completions, parallelism, backoffLimit int, runFor string, exit int) string {
	return fmt.Sprintf(`apiVersion: batch/v1
kind: Job
metadata: {name: %s}
spec:
  completions: %d
  parallelism: %d
  backoffLimit: %d
  template:
    spec:
      restartPolicy: Never
      containers:
        - name: work
          image: localhost/swarm-testserver:latest
          imagePullPolicy: Never
          args: ["--run-for", %q, "--exit-code", "%d"]
`, name, completions, parallelism, backoffLimit, runFor, exit)
}

// rigJob is what the tests read of a Job.
type rigJob struct {
	Metadata struct {
		Name              string
		CreationTimestamp time.Time
		Annotations       map[string]string
	}
	Status struct {
		Active, Succeeded, Failed int
		Conditions                []struct{ Type, Status, Reason, Message string }
	}
}

func (j rigJob) ended() (string, string) {
	for _, c := range j.Status.Conditions {
		if c.Status == "True" && (c.Type == "Complete" || c.Type == "Failed") {
			return c.Type, c.Reason
		}
	}
	return "", ""
}

func rigJobs(t *testing.T) map[string]rigJob {
	t.Helper()
	out, err := swarmCLI(1, "get", "jobs", "-o", "json")
	if err != nil {
		t.Fatalf("swarm get jobs: %v\n%s", err, out)
	}
	var l struct{ Items []rigJob }
	if err := json.Unmarshal([]byte(out), &l); err != nil {
		t.Fatalf("decode jobs: %v\n%s", err, out)
	}
	m := map[string]rigJob{}
	for _, j := range l.Items {
		m[j.Metadata.Name] = j
	}
	return m
}

// unitsOf lists the units of the pods whose names start with prefix on node i.
func unitsOf(t *testing.T, i int, prefix string) string {
	t.Helper()
	out, _ := onNode(i, "systemctl", "--user", "list-units", "--all", "--no-legend", "--plain", "swarm-default_"+prefix+"*")
	return strings.TrimSpace(out)
}

// A Job of completions 3 and parallelism 2 completes, its finished pods' units removed
// from their nodes while `swarm logs job/NAME` still shows each pod's output; a Job whose
// pods fail stops at its backoffLimit with Kubernetes' reason.
func TestJobsRunToTheirEnd(t *testing.T) {
	needRig(t)
	apply(t, batchJob("rig-batch", 3, 2, 2, "3s", 0)+"---\n"+batchJob("rig-broken", 1, 1, 1, "1s", 3))
	t.Cleanup(func() {
		_, _ = swarmCLI(1, "delete", "job", "rig-batch")
		_, _ = swarmCLI(1, "delete", "job", "rig-broken")
	})
	eventually(t, 3*time.Minute, "rig-batch Complete and rig-broken Failed", func() (bool, string) {
		jobs := rigJobs(t)
		b, _ := jobs["rig-batch"].ended()
		f, reason := jobs["rig-broken"].ended()
		return b == "Complete" && f == "Failed" && reason == "BackoffLimitExceeded", fmt.Sprintf("%+v", jobs)
	})
	jobs := rigJobs(t)
	if j := jobs["rig-batch"]; j.Status.Succeeded != 3 || j.Status.Failed != 0 || j.Status.Active != 0 {
		t.Errorf("rig-batch status %+v, want 3 succeeded", j.Status)
	}
	if j := jobs["rig-broken"]; j.Status.Failed != 2 || j.Status.Succeeded != 0 {
		t.Errorf("rig-broken status %+v, want 2 failed (backoffLimit 1)", j.Status)
	}
	out, err := swarmCLI(1, "get", "jobs")
	if err != nil || !strings.Contains(out, "rig-batch") || !strings.Contains(out, "3/3") {
		t.Errorf("swarm get jobs: %v\n%s", err, out)
	}
	out, err = swarmCLI(1, "describe", "job", "rig-broken")
	if err != nil || !strings.Contains(out, "BackoffLimitExceeded") || !strings.Contains(out, "exit code 3") {
		t.Errorf("swarm describe job rig-broken: %v\n%s", err, out)
	}
	eventually(t, time.Minute, "the finished pods' units gone from every node", func() (bool, string) {
		var left []string
		for i := 1; i <= nodeCount; i++ {
			for _, job := range []string{"rig-batch-", "rig-broken-"} {
				if u := unitsOf(t, i, job); u != "" {
					left = append(left, fmt.Sprintf("n%d: %s", i, u))
				}
			}
		}
		return len(left) == 0, strings.Join(left, "\n")
	})
	out, err = swarmCLI(2, "logs", "job/rig-batch")
	if err != nil || strings.Count(out, "==> pod/rig-batch-") != 3 || strings.Count(out, "done, exit status 0") != 3 {
		t.Errorf("swarm logs job/rig-batch: %v\n%s", err, out)
	}
	out, err = swarmCLI(3, "logs", "job/rig-broken")
	if err != nil || strings.Count(out, "done, exit status 3") != 2 {
		t.Errorf("swarm logs job/rig-broken: %v\n%s", err, out)
	}
}

// A CronJob every minute runs exactly once a minute, also across a minute whose leader was
// killed just before it (its agent, then its machine): the Jobs are named after their
// scheduled minute, and the minutes between the first and the last have one Job each.
func TestCronJobOncePerMinuteWhileTheLeaderIsKilled(t *testing.T) {
	needRig(t)
	apply(t, `apiVersion: batch/v1
kind: CronJob
metadata: {name: rig-tick}
spec:
  schedule: "* * * * *"
  successfulJobsHistoryLimit: 10
  failedJobsHistoryLimit: 10
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: OnFailure
          containers:
            - name: tick
              image: localhost/swarm-testserver:latest
              imagePullPolicy: Never
              args: ["--run-for", "1s"]
`)
	t.Cleanup(func() { _, _ = swarmCLI(1, "delete", "cronjob", "rig-tick") })
	ticks := func() []string {
		var names []string
		for name := range rigJobs(t) {
			if strings.HasPrefix(name, "rig-tick-") {
				names = append(names, name)
			}
		}
		sort.Strings(names)
		return names
	}
	eventually(t, 2*time.Minute, "the first run", func() (bool, string) { n := ticks(); return len(n) > 0, fmt.Sprint(n) })
	for round := 0; round < 2; round++ {
		// A few seconds before the next minute, kill the leader: first its agent, which its
		// unit restarts, then its machine (PID 1), which stays down for 20 s. The next leader
		// (or the same one, restarted) makes that minute's run, once.
		wait := time.Until(time.Now().Truncate(time.Minute).Add(time.Minute - 3*time.Second))
		if wait < 0 {
			wait += time.Minute
		}
		time.Sleep(wait)
		leader := rigLeader(t)
		if round == 0 {
			if out, err := onNode(leader, "systemctl", "--user", "kill", "-s", "KILL", "swarm-agent"); err != nil {
				t.Fatalf("kill the leader's agent on n%d: %v\n%s", leader, err, out)
			}
			t.Logf("killed the agent of the leader n%d at %s", leader, time.Now().Format(time.TimeOnly))
			time.Sleep(20 * time.Second)
			continue
		}
		t.Cleanup(func() {
			if _, err := rigCmd("pid", fmt.Sprint(leader)); err != nil {
				if out, err := rigCmd("boot", fmt.Sprint(leader)); err != nil {
					t.Errorf("rig boot %d: %v\n%s", leader, err, out)
				}
			}
		})
		if out, err := rigCmd("kill", fmt.Sprint(leader)); err != nil {
			t.Fatalf("rig kill %d: %v\n%s", leader, err, out)
		}
		t.Logf("killed the machine of the leader n%d at %s", leader, time.Now().Format(time.TimeOnly))
		time.Sleep(20 * time.Second)
		if out, err := rigCmd("boot", fmt.Sprint(leader)); err != nil {
			t.Fatalf("rig boot %d: %v\n%s", leader, err, out)
		}
		allReady(t, 1, 90*time.Second)
	}
	time.Sleep(70 * time.Second)
	names := ticks()
	minutes := make([]int64, 0, len(names))
	for _, n := range names {
		var m int64
		if _, err := fmt.Sscanf(strings.TrimPrefix(n, "rig-tick-"), "%d", &m); err != nil {
			t.Fatalf("job %s is not named after its minute", n)
		}
		minutes = append(minutes, m)
	}
	for i := 1; i < len(minutes); i++ {
		if minutes[i] != minutes[i-1]+1 {
			t.Errorf("runs %v: minute %d is followed by %d, want one run every minute", names, minutes[i-1], minutes[i])
		}
	}
	if len(minutes) < 3 {
		t.Errorf("runs %v: want at least 3 over the test's minutes", names)
	}
	jobs := rigJobs(t)
	for _, n := range names[:len(names)-1] {
		if c, _ := jobs[n].ended(); c != "Complete" || jobs[n].Status.Succeeded != 1 {
			t.Errorf("job %s: %+v, want Complete with one pod succeeded", n, jobs[n].Status)
		}
	}
}

// rigLeader is the node `swarm get nodes` marks as the leader.
func rigLeader(t *testing.T) int {
	t.Helper()
	var leader int
	eventually(t, 30*time.Second, "a leader", func() (bool, string) {
		out, err := swarmCLI(1, "get", "nodes")
		for _, line := range strings.Split(out, "\n") {
			f := strings.Fields(line)
			if len(f) >= 3 && f[2] == "leader" {
				for i := 1; i <= nodeCount; i++ {
					if f[0] == nodeName(i) {
						leader = i
						return true, ""
					}
				}
			}
		}
		return false, fmt.Sprint(out, err)
	})
	return leader
}
