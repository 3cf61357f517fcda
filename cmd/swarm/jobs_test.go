package main

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/podman-swarm/podman-swarm/agent/store"
	"github.com/podman-swarm/podman-swarm/api"
	"github.com/podman-swarm/podman-swarm/manifest"
)

const jobsManifest = `apiVersion: batch/v1
kind: Job
metadata: {name: migrate}
spec:
  completions: 2
  template:
    spec:
      restartPolicy: Never
      containers:
      - name: migrate
        image: localhost/migrate:1
---
apiVersion: batch/v1
kind: CronJob
metadata: {name: nightly}
spec:
  schedule: "30 2 * * *"
  timeZone: Europe/Berlin
  suspend: true
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: OnFailure
          containers:
          - name: backup
            image: localhost/backup:1
`

// Through the CLI against a live agent: a Job and a CronJob applied, listed with
// kubectl's columns, the Job completed by its pods' reports, described with its pods,
// its logs asked for, and both deleted by kind and name.
func TestJobsThroughTheCLI(t *testing.T) {
	a, stateDir := startLiveAgent(t, "n1", t.TempDir())
	token, err := os.ReadFile(filepath.Join(stateDir, api.TokenFile))
	if err != nil {
		t.Fatal(err)
	}
	c := testClient(t, a.APIAddr(), strings.TrimSpace(string(token)))
	file := filepath.Join(t.TempDir(), "jobs.yaml")
	if err := os.WriteFile(file, []byte(jobsManifest), 0o644); err != nil {
		t.Fatal(err)
	}
	var out, warnings bytes.Buffer
	if err := applyFile(c, file, false, nil, &out, &warnings); err != nil {
		t.Fatal(err)
	}
	if out.String() != "job.batch/migrate created\ncronjob.batch/nightly created\n" {
		t.Errorf("apply printed:\n%s", out.String())
	}
	get := func(what string) string {
		var b bytes.Buffer
		if err := runGet(c, getOptions{namespace: "default"}, what, &b); err != nil {
			t.Fatal(err)
		}
		return b.String()
	}
	if cj := get("cronjobs"); !strings.Contains(cj, "NAME      SCHEDULE     TIMEZONE        SUSPEND   ACTIVE   LAST SCHEDULE   AGE") ||
		!strings.Contains(cj, "nightly   30 2 * * *   Europe/Berlin   true      0        <none>") {
		t.Errorf("get cronjobs:\n%s", cj)
	}
	// The node reports each pod of the Job succeeded, as its status writer would.
	done := map[string]bool{}
	waitFor(t, 15*time.Second, "the Job complete", func() bool {
		st := store.Read(a.Node(), slog.New(slog.DiscardHandler))
		for key, as := range st.Assignments {
			if as.Pod.Labels[manifest.JobNameLabel] == "migrate" && !done[key] {
				done[key] = true
				ps := store.PodStatus{Node: as.Node, Phase: corev1.PodSucceeded, Updated: time.Now().UTC()}
				if _, err := a.Node().Put(store.StatusKey(key), store.MustJSON(ps)); err != nil {
					t.Fatal(err)
				}
			}
		}
		return strings.Contains(get("jobs"), "Complete")
	})
	if fields := strings.Fields(strings.Split(get("jobs"), "\n")[1]); len(fields) != 5 || fields[0] != "migrate" || fields[2] != "2/2" {
		t.Errorf("get jobs:\n%s", get("jobs"))
	}
	out.Reset()
	if err := runDescribeKind(c, "job", "default", "migrate", &out); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Completions:", "Backoff Limit:", "6", "Pods Statuses:", "0 Active (0 Ready) / 2 Succeeded / 0 Failed",
		"Condition:", "Complete=True", "Pods:", "migrate-", "n1", "Succeeded", "exit code 0"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("describe job lacks %q:\n%s", want, out.String())
		}
	}
	out.Reset()
	if err := runDescribeKind(c, "cronjob", "default", "nightly", &out); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Schedule:", "30 2 * * *", "Time Zone:", "Europe/Berlin", "Concurrency Policy:", "Allow", "Suspend:", "true", "Active Jobs:"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("describe cronjob lacks %q:\n%s", want, out.String())
		}
	}
	out.Reset()
	if err := runJobLogs(context.Background(), c, "default", "migrate", logsOptions{tail: -1}, &out); err != nil {
		t.Fatal(err)
	}
	// The node has no runtime: each finished pod's log is asked of it, which says so.
	if n := strings.Count(out.String(), "==> pod/migrate-"); n != 2 || !strings.Contains(out.String(), "(Succeeded on n1)") ||
		!strings.Contains(out.String(), "node n1 runs no pods (--runtime none)") {
		t.Errorf("logs job/migrate:\n%s", out.String())
	}
	out.Reset()
	if err := deleteObject(c, "Job", "default", "migrate", &out); err != nil || out.String() != "job.batch/migrate deleted\n" {
		t.Fatalf("delete job: %v %q", err, out.String())
	}
	out.Reset()
	if err := deleteObject(c, "CronJob", "default", "nightly", &out); err != nil || out.String() != "cronjob.batch/nightly deleted\n" {
		t.Fatalf("delete cronjob: %v %q", err, out.String())
	}
	waitFor(t, 10*time.Second, "no jobs left", func() bool { return strings.Contains(get("jobs"), "No resources found") })
}

func TestJobRowColumns(t *testing.T) {
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	start := metav1.NewTime(now.Add(-90 * time.Second))
	three := int32(3)
	j := &batchv1.Job{
		ObjectMeta: metav1.ObjectMeta{Name: "migrate", Namespace: "default", CreationTimestamp: metav1.NewTime(now.Add(-2 * time.Minute))},
		Spec:       batchv1.JobSpec{Completions: &three},
		Status:     batchv1.JobStatus{Succeeded: 1, StartTime: &start},
	}
	cells := rowOf(t, "jobs", j, false, now)
	if got := strings.Join(cells, " "); got != "migrate Running 1/3 90s 2m" {
		t.Errorf("row = %q", got)
	}
	j.Spec.Completions = nil
	two := int32(2)
	j.Spec.Parallelism = &two
	done := metav1.NewTime(now.Add(-30 * time.Second))
	j.Status.CompletionTime = &done
	j.Status.Conditions = []batchv1.JobCondition{{Type: batchv1.JobComplete, Status: corev1.ConditionTrue}}
	cells = rowOf(t, "jobs", j, true, now)
	if got := strings.Join(cells, "|"); got != "migrate|Complete|1/1 of 2|60s|2m|||batch.kubernetes.io/job-name=migrate" {
		t.Errorf("wide row = %q", got)
	}
	if name, ok := jobLogsTarget("job/migrate"); !ok || name != "migrate" {
		t.Errorf("job/migrate = %q %v", name, ok)
	}
	if _, ok := jobLogsTarget("migrate-x8k2p"); ok {
		t.Error("a pod's name taken for a Job")
	}
}

// swarm render shows the first pod of a Job and of a CronJob's Job, with the restart
// policy their template asks for.
func TestRenderJobs(t *testing.T) {
	out := t.TempDir()
	var stdout, stderr bytes.Buffer
	if err := runRender(renderOptions{file: "-", outDir: out}, strings.NewReader(jobsManifest), &stdout, &stderr); err != nil {
		t.Fatalf("render: %v\n%s", err, stderr.String())
	}
	var migrate, backup string
	entries, err := os.ReadDir(out)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(out, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		switch {
		case strings.HasPrefix(e.Name(), "swarm-default_migrate-") && strings.HasSuffix(e.Name(), "_migrate.container"):
			migrate = string(b)
		case strings.HasPrefix(e.Name(), "swarm-default_nightly-0-") && strings.HasSuffix(e.Name(), "_backup.container"):
			backup = string(b)
		}
	}
	if !strings.Contains(migrate, "Restart=no") || !strings.Contains(backup, "Restart=on-failure") {
		t.Errorf("units: %v\nmigrate:\n%s\nbackup:\n%s", names(entries), migrate, backup)
	}
}
