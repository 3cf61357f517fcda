package schedule

import (
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/podman-swarm/podman-swarm/agent/store"
	"github.com/podman-swarm/podman-swarm/manifest"
	"github.com/podman-swarm/podman-swarm/scheduler"
)

func secretEnv(d *appsv1.Deployment) {
	c := &d.Spec.Template.Spec.Containers[0]
	c.Env = []corev1.EnvVar{{Name: "PW", ValueFrom: &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{
		LocalObjectReference: corev1.LocalObjectReference{Name: "db"}, Key: "password"}}}}
}

func secretAt(version string) map[string]*corev1.Secret {
	return map[string]*corev1.Secret{"default/db": {ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "db", ResourceVersion: version},
		Data: map[string][]byte{"password": []byte("pw")}}}
}

// A new version of a Secret taken as env is a new revision of the record, with the same
// template, and the planner is told that the Deployment rolls out; the hash is the one the
// scheduler names the pods with. A rollout that changed only the Secret is not rolled back
// (a template cannot undo it): it stays failed.
func TestConfigChangeIsARevision(t *testing.T) {
	d := webDeployment("img:1", 2, secretEnv, deadline(10))
	st := &store.State{Deployments: map[string]*appsv1.Deployment{"default/web": d}, Rollouts: map[string]store.Rollout{},
		Secrets: secretAt("5.n1")}
	first := nextRollout(store.Rollout{}, d, configOf(st), scheduler.DeploymentCounts{Updated: 2, Available: 2}, t0)
	if first.Hash != manifest.DeploymentHash(d, configOf(st)) || first.Hash == hashOf(d) {
		t.Fatalf("record hash %s; want the Deployment's hash with its Secret", first.Hash)
	}
	st.Rollouts["default/web"] = first
	if rollingOut(st)["default/web"] {
		t.Error("rolling out before anything changed")
	}
	st.Secrets = secretAt("9.n2")
	second := nextRollout(first, d, configOf(st), scheduler.DeploymentCounts{Old: 2, AllAvailable: 2}, t0)
	if len(second.Revisions) != 2 || second.Hash != manifest.DeploymentHash(d, configOf(st)) || second.Hash == first.Hash ||
		second.State != store.RolloutNew {
		t.Fatalf("after the Secret changed: %+v", second)
	}
	st.Rollouts["default/web"] = second
	if !rollingOut(st)["default/web"] {
		t.Error("the planner is not told that the Deployment rolls out")
	}
	failed := second
	failed.State = store.RolloutTimedOut
	if rev, ok := rollbackTarget(failed, d, configOf(st), true); ok {
		t.Errorf("a rollout of a Secret's change rolled back to revision %d", rev.Number)
	}
	// A template change that fails still rolls back, past the revision of the Secret.
	d2 := webDeployment("img:2", 2, secretEnv, deadline(10))
	third := nextRollout(second, d2, configOf(st), scheduler.DeploymentCounts{}, t0)
	third.State = store.RolloutTimedOut
	if rev, ok := rollbackTarget(third, d2, configOf(st), true); !ok || rev.Hash != second.Hash {
		t.Errorf("a failed template change: target %+v, %v; want the revision %s", rev, ok, second.Hash)
	}
}
