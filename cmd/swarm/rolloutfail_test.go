package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestRolloutFailure(t *testing.T) {
	d := func(annotations map[string]string, conds ...appsv1.DeploymentCondition) *appsv1.Deployment {
		return &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Name: "web", Annotations: annotations},
			Status: appsv1.DeploymentStatus{Conditions: conds}}
	}
	progressing := func(status corev1.ConditionStatus, reason string) appsv1.DeploymentCondition {
		return appsv1.DeploymentCondition{Type: appsv1.DeploymentProgressing, Status: status, Reason: reason}
	}
	for _, tc := range []struct {
		d    *appsv1.Deployment
		want string
	}{
		{d(nil), ""},
		{d(nil, progressing(corev1.ConditionTrue, "ReplicaSetUpdated")), ""},
		{d(nil, appsv1.DeploymentCondition{Type: appsv1.DeploymentAvailable, Reason: "ProgressDeadlineExceeded"}), ""},
		{d(nil, progressing(corev1.ConditionFalse, "ProgressDeadlineExceeded")), `deployment "web" exceeded its progress deadline`},
		{d(map[string]string{annotationRevision: "3", annotationRolledBack: `Rolled back deployment "web" to revision 1`},
			progressing(corev1.ConditionTrue, "DeploymentRollback")),
			`deployment "web" exceeded its progress deadline: Rolled back deployment "web" to revision 1 (its template is now revision 3)`},
	} {
		err := rolloutFailure(tc.d)
		if got := ""; err != nil {
			got = err.Error()
			if got != tc.want {
				t.Errorf("rolloutFailure = %q; want %q", got, tc.want)
			}
		} else if tc.want != "" {
			t.Errorf("rolloutFailure = nil; want %q", tc.want)
		}
	}
}

// A rollout whose pods never turn ready (this agent runs nothing) fails with kubectl's
// words once the leader's Progressing condition says its deadline passed.
func TestRolloutStatusReadsTheDeadlineCondition(t *testing.T) {
	c := startAgent(t)
	data, err := os.ReadFile("../../contrib/examples/web.yaml")
	if err != nil {
		t.Fatal(err)
	}
	const spec = "kind: Deployment\nmetadata:\n  name: web\n  labels:\n    app: web\nspec:\n"
	if !strings.Contains(string(data), spec) {
		t.Fatalf("web.yaml does not start its Deployment as expected:\n%s", data)
	}
	file := filepath.Join(t.TempDir(), "web.yaml")
	if err := os.WriteFile(file, []byte(strings.Replace(string(data), spec, spec+"  progressDeadlineSeconds: 1\n", 1)), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := runApply(c, file, false, nil, &bytes.Buffer{}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := contextWithTimeout(15 * time.Second)
	defer cancel()
	var out bytes.Buffer
	err = runRolloutStatus(ctx, c, "default", "web", 100*time.Millisecond, &out)
	if err == nil || err.Error() != `deployment "web" exceeded its progress deadline` {
		t.Fatalf("err = %v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), `Waiting for deployment "web" rollout to finish: `) {
		t.Errorf("progress:\n%s", out.String())
	}
	var desc bytes.Buffer
	if err := runDescribeKind(c, "deployment", "default", "web", &desc); err != nil {
		t.Fatal(err)
	}
	for _, w := range []string{"deployment.kubernetes.io/revision: 1", "Rollout:", "Revision:", "Progressing:", "ProgressDeadlineExceeded", "has timed out progressing.", "MinReadySeconds:"} {
		if !strings.Contains(desc.String(), w) {
			t.Errorf("describe lacks %q:\n%s", w, desc.String())
		}
	}
}
