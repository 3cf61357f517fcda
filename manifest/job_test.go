package manifest

import (
	"strings"
	"testing"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// job is a valid Job document; tests break one field at a time.
const job = `apiVersion: batch/v1
kind: Job
metadata:
  name: migrate
spec:
  completions: 3
  parallelism: 2
  backoffLimit: 4
  template:
    spec:
      restartPolicy: Never
      containers:
        - name: migrate
          image: localhost/migrate:1
`

// cronJob is a valid CronJob document.
const cronJob = `apiVersion: batch/v1
kind: CronJob
metadata:
  name: nightly
spec:
  schedule: "30 2 * * *"
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: OnFailure
          containers:
            - name: backup
              image: localhost/backup:1
`

func TestParseJobAndCronJob(t *testing.T) {
	set, err := parseString(t, job+"---\n"+cronJob)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	if len(set.Objects) != 2 || set.Objects[0].Job == nil || set.Objects[1].CronJob == nil {
		t.Fatalf("objects = %+v, want a Job and a CronJob", set.Objects)
	}
	j := set.Objects[0].Job
	if j.Namespace != DefaultNamespace || JobCompletions(j) != 3 || JobParallelism(j) != 2 || JobBackoffLimit(j) != 4 {
		t.Errorf("job = %s/%s completions %d parallelism %d backoffLimit %d", j.Namespace, j.Name,
			JobCompletions(j), JobParallelism(j), JobBackoffLimit(j))
	}
	if set.Objects[1].Meta().Name != "nightly" {
		t.Errorf("cronjob name = %s", set.Objects[1].Meta().Name)
	}
}

func TestJobDefaults(t *testing.T) {
	j := &batchv1.Job{}
	if JobCompletions(j) != 1 || JobParallelism(j) != 1 || JobBackoffLimit(j) != 6 {
		t.Errorf("defaults = %d %d %d, want Kubernetes' 1 1 6", JobCompletions(j), JobParallelism(j), JobBackoffLimit(j))
	}
}

func TestValidateJob(t *testing.T) {
	src := "app.yaml: document 1 (Job migrate): "
	tests := []edit{
		{"valid", "", "", ""},
		{"on failure", "restartPolicy: Never", "restartPolicy: OnFailure", ""},
		{"always", "restartPolicy: Never", "restartPolicy: Always",
			src + `spec.template.spec.restartPolicy: Unsupported value: "Always": supported values: "OnFailure", "Never"`},
		{"no restart policy", "      restartPolicy: Never\n", "",
			src + `spec.template.spec.restartPolicy: Required value: valid values: "OnFailure", "Never"`},
		{"negative completions", "completions: 3", "completions: -1",
			src + "spec.completions: Invalid value: -1: must be greater than or equal to 0"},
		{"negative parallelism", "parallelism: 2", "parallelism: -2",
			src + "spec.parallelism: Invalid value: -2: must be greater than or equal to 0"},
		{"negative backoff", "backoffLimit: 4", "backoffLimit: -4",
			src + "spec.backoffLimit: Invalid value: -4: must be greater than or equal to 0"},
		{"zero deadline", "backoffLimit: 4", "activeDeadlineSeconds: 0",
			src + "spec.activeDeadlineSeconds: Invalid value: 0: must be greater than 0"},
		{"negative ttl", "backoffLimit: 4", "ttlSecondsAfterFinished: -1",
			src + "spec.ttlSecondsAfterFinished: Invalid value: -1: must be greater than or equal to 0"},
		{"indexed", "backoffLimit: 4", "completionMode: Indexed",
			src + `spec.completionMode: Unsupported value: "Indexed": supported values: "NonIndexed"`},
		{"selector", "backoffLimit: 4", "selector: {matchLabels: {a: b}}",
			src + "spec.selector: Forbidden: `selector` will be auto-generated"},
		{"pod failure policy", "backoffLimit: 4", "podFailurePolicy: {rules: []}",
			src + "spec.podFailurePolicy: Forbidden: not supported by this cluster"},
		{"too many", "completions: 3", "completions: 5000",
			src + "spec.completions: Invalid value: 5000: must be at most 1000: every pod is kept in the store that all nodes replicate"},
		{"bad container", "name: migrate\n          image", "name: Migrate\n          image",
			src + `spec.template.spec.containers[0].name: Invalid value: "Migrate": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')`},
		{"wrong api version", "apiVersion: batch/v1", "apiVersion: v1",
			src + `apiVersion: Unsupported value: "v1": a Job must have apiVersion batch/v1`},
		{"unknown field", "backoffLimit: 4", "backofLimit: 4",
			src + "spec.backofLimit: Unknown field: not part of this kind's schema (check spelling and indentation)"},
	}
	checkEdits(t, job, tests)
}

func TestValidateCronJob(t *testing.T) {
	src := "app.yaml: document 1 (CronJob nightly): "
	tests := []edit{
		{"valid", "", "", ""},
		{"descriptor", `"30 2 * * *"`, "'@hourly'", ""},
		{"policies", "jobTemplate:", "concurrencyPolicy: Forbid\n  startingDeadlineSeconds: 200\n  suspend: true\n  successfulJobsHistoryLimit: 1\n  failedJobsHistoryLimit: 0\n  timeZone: Europe/Berlin\n  jobTemplate:", ""},
		{"no schedule", "  schedule: \"30 2 * * *\"\n", "", src + "spec.schedule: Required value"},
		{"bad schedule", `"30 2 * * *"`, `"61 * * * *"`,
			src + `spec.schedule: Invalid value: "61 * * * *": end of range (61) above maximum (59): 61`},
		{"six fields", `"30 2 * * *"`, `"0 30 2 * * *"`,
			src + `spec.schedule: Invalid value: "0 30 2 * * *": expected exactly 5 fields, found 6: [0 30 2 * * *]`},
		{"tz in schedule", `"30 2 * * *"`, `"CRON_TZ=UTC 30 2 * * *"`,
			src + `spec.schedule: Invalid value: "CRON_TZ=UTC 30 2 * * *": cannot use TZ or CRON_TZ in schedule, use timeZone field instead`},
		{"bad zone", "jobTemplate:", "timeZone: Mars/Olympus\n  jobTemplate:",
			src + `spec.timeZone: Invalid value: "Mars/Olympus": unknown time zone Mars/Olympus`},
		{"bad policy", "jobTemplate:", "concurrencyPolicy: Sometimes\n  jobTemplate:",
			src + `spec.concurrencyPolicy: Unsupported value: "Sometimes": supported values: "Allow", "Forbid", "Replace"`},
		{"negative deadline", "jobTemplate:", "startingDeadlineSeconds: -5\n  jobTemplate:",
			src + "spec.startingDeadlineSeconds: Invalid value: -5: must be greater than or equal to 0"},
		{"negative history", "jobTemplate:", "failedJobsHistoryLimit: -1\n  jobTemplate:",
			src + "spec.failedJobsHistoryLimit: Invalid value: -1: must be greater than or equal to 0"},
		{"always", "restartPolicy: OnFailure", "restartPolicy: Always",
			src + `spec.jobTemplate.spec.template.spec.restartPolicy: Unsupported value: "Always": supported values: "OnFailure", "Never"`},
		{"long name", "name: nightly", "name: " + strings.Repeat("n", 53),
			"app.yaml: document 1 (CronJob " + strings.Repeat("n", 53) + "): metadata.name: Invalid value: \"" + strings.Repeat("n", 53) + "\": must be no more than 52 characters"},
	}
	checkEdits(t, cronJob, tests)
}

// TestOneBadJobRefusesManifest: a bad Job refuses the Deployment beside it too.
func TestOneBadJobRefusesManifest(t *testing.T) {
	set, err := parseString(t, deployment+"---\n"+strings.Replace(job, "restartPolicy: Never", "restartPolicy: Always", 1))
	if err == nil || set != nil {
		t.Fatalf("Parse = %v, %v; want the whole manifest refused", set, err)
	}
}

// TestDeploymentRefusesOnFailure: Deployments keep refusing OnFailure, as Kubernetes does.
func TestDeploymentRefusesOnFailure(t *testing.T) {
	in := strings.Replace(deployment, "      containers:", "      restartPolicy: OnFailure\n      containers:", 1)
	_, err := parseString(t, in)
	want := `app.yaml: document 1 (Deployment web): spec.template.spec.restartPolicy: Unsupported value: "OnFailure": supported values: "Always"`
	if err == nil || err.Error() != want {
		t.Errorf("error = %v, want %s", err, want)
	}
}

func TestJobPod(t *testing.T) {
	set, err := parseString(t, job)
	if err != nil {
		t.Fatal(err)
	}
	j := set.Objects[0].Job
	j.CreationTimestamp = metav1.NewTime(time.Unix(1700000000, 0))
	p0, p1 := JobPod(j, 0), JobPod(j, 1)
	if p0.Name == p1.Name || !strings.HasPrefix(p0.Name, "migrate-") || len(p0.Name) != len("migrate-")+5 {
		t.Errorf("pod names %s %s, want migrate-<5> and distinct", p0.Name, p1.Name)
	}
	if p0.Labels[JobNameLabel] != "migrate" || p0.Labels[LegacyJobNameLabel] != "migrate" || p0.Owner != "" {
		t.Errorf("pod = %+v, want job-name labels and no Deployment owner", p0)
	}
	if again := JobPod(j, 0); again.Name != p0.Name {
		t.Errorf("name not stable: %s then %s", p0.Name, again.Name)
	}
	j.CreationTimestamp = metav1.NewTime(time.Unix(1700000060, 0))
	if JobPod(j, 0).Name == p0.Name {
		t.Error("a Job created again names its pods the same as the one before")
	}
}

func TestScheduleAndJobName(t *testing.T) {
	tz := "Europe/Berlin"
	cj := &batchv1.CronJob{Spec: batchv1.CronJobSpec{Schedule: "30 2 * * *", TimeZone: &tz}}
	s, err := ParseSchedule(cj)
	if err != nil {
		t.Fatal(err)
	}
	from := time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC)
	// 02:30 in Berlin in summer is 00:30 UTC.
	if next := s.NextAfter(from); !next.Equal(time.Date(2026, 7, 1, 0, 30, 0, 0, time.UTC)) {
		t.Errorf("next = %s, want 00:30 UTC", next.UTC())
	}
	at := time.Date(2026, 7, 1, 0, 30, 0, 0, time.UTC)
	if got, want := CronJobJobName("nightly", at), "nightly-29714430"; got != want {
		t.Errorf("job name = %s, want %s", got, want)
	}
}

func TestValidateJobUpdate(t *testing.T) {
	set, err := parseString(t, job)
	if err != nil {
		t.Fatal(err)
	}
	stored := set.Objects[0].Job
	same := stored.DeepCopy()
	same.Spec.Parallelism = nil // parallelism may change, as in Kubernetes
	if errs := ValidateJobUpdate(same, stored); len(errs) != 0 {
		t.Errorf("errors = %v, want none", errs)
	}
	changed := stored.DeepCopy()
	changed.Spec.Template.Spec.Containers[0].Image = "localhost/migrate:2"
	four := int32(4)
	changed.Spec.Completions = &four
	got := FieldErrors(Source{File: "app.yaml", Index: 1, Kind: "Job", Name: "migrate"}, ValidateJobUpdate(changed, stored)).Error()
	want := "2 problems in the manifest:\n" +
		"  app.yaml: document 1 (Job migrate): spec.completions: Invalid value: 4: field is immutable\n" +
		"  app.yaml: document 1 (Job migrate): spec.template: Forbidden: field is immutable"
	if got != want {
		t.Errorf("error =\n%s\nwant\n%s", got, want)
	}
}
