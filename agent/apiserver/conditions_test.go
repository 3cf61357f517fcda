package apiserver

import (
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"

	"github.com/podman-swarm/podman-swarm/agent/store"
	"github.com/podman-swarm/podman-swarm/manifest"
)

func deploymentCondition(d *appsv1.Deployment, t appsv1.DeploymentConditionType) *appsv1.DeploymentCondition {
	for i, c := range d.Status.Conditions {
		if c.Type == t {
			return &d.Status.Conditions[i]
		}
	}
	return nil
}

// TestDeploymentConditions: the view says the leader's rollout record in Kubernetes'
// words: the revision annotation, Progressing with its reason and message, Available from
// the available pods against maxUnavailable, and the rollback.
func TestDeploymentConditions(t *testing.T) {
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	d := testDeployment("default", "web", 4, "img:2")
	hash := manifest.TemplateHash(&d.Spec.Template)
	rs := "web-" + hash
	tests := []struct {
		name           string
		rec            *store.Rollout
		ready          int
		status, reason string
		message        string
		available      corev1.ConditionStatus
		revision       string
		rolledBack     string
	}{
		{name: "no record yet", ready: 3, available: corev1.ConditionTrue},
		{name: "new", rec: &store.Rollout{State: store.RolloutNew}, ready: 2, status: "True", reason: "NewReplicaSetCreated",
			message: `Created new replica set "` + rs + `"`, available: corev1.ConditionFalse, revision: "3"},
		{name: "progressing", rec: &store.Rollout{State: store.RolloutUpdated}, ready: 3, status: "True", reason: "ReplicaSetUpdated",
			message: `ReplicaSet "` + rs + `" is progressing.`, available: corev1.ConditionTrue, revision: "3"},
		{name: "complete", rec: &store.Rollout{State: store.RolloutComplete}, ready: 4, status: "True", reason: "NewReplicaSetAvailable",
			message: `ReplicaSet "` + rs + `" has successfully progressed.`, available: corev1.ConditionTrue, revision: "3"},
		{name: "timed out", rec: &store.Rollout{State: store.RolloutTimedOut}, ready: 3, status: "False", reason: "ProgressDeadlineExceeded",
			message: `ReplicaSet "` + rs + `" has timed out progressing.`, available: corev1.ConditionTrue, revision: "3"},
		{name: "rolled back", rec: &store.Rollout{State: store.RolloutNew, RolledBack: &store.Rollback{FromRevision: 2, ToRevision: 1}},
			ready: 3, status: "True", reason: "DeploymentRollback", message: `Rolled back deployment "web" to revision 1`,
			available: corev1.ConditionTrue, revision: "3", rolledBack: `Rolled back deployment "web" to revision 1`},
		{name: "rolled back and done", rec: &store.Rollout{State: store.RolloutComplete, RolledBack: &store.Rollback{FromRevision: 2, ToRevision: 1}},
			ready: 4, status: "True", reason: "NewReplicaSetAvailable", message: `ReplicaSet "` + rs + `" has successfully progressed.`,
			available: corev1.ConditionTrue, revision: "3", rolledBack: `Rolled back deployment "web" to revision 1`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := emptyState()
			st.Rollouts = map[string]store.Rollout{}
			st.Deployments["default/web"] = d
			for i := range 4 {
				p := manifest.DeploymentPod(d, i)
				assign(st, p, "n1")
				st.Status[p.Key()] = store.PodStatus{Node: "n1", Phase: corev1.PodRunning, Ready: i < tt.ready}
			}
			if tt.rec != nil {
				rec := *tt.rec
				rec.Hash, rec.LastProgress = hash, at
				rec.Revisions = []store.Revision{{Number: 1, Hash: "old"}, {Number: 3, Hash: hash}}
				st.Rollouts["default/web"] = rec
			}
			v := deploymentViews(st, "", "")[0].(*appsv1.Deployment)
			if got := v.Annotations[annotationRevision]; got != tt.revision {
				t.Errorf("revision %q; want %q", got, tt.revision)
			}
			if got := v.Annotations[annotationRolledBack]; got != tt.rolledBack {
				t.Errorf("rolled back %q; want %q", got, tt.rolledBack)
			}
			a := deploymentCondition(v, appsv1.DeploymentAvailable)
			if a == nil || a.Status != tt.available {
				t.Fatalf("Available %+v; want %s", a, tt.available)
			}
			wantAvail := map[corev1.ConditionStatus][2]string{
				corev1.ConditionTrue:  {"MinimumReplicasAvailable", "Deployment has minimum availability."},
				corev1.ConditionFalse: {"MinimumReplicasUnavailable", "Deployment does not have minimum availability."},
			}[tt.available]
			if a.Reason != wantAvail[0] || a.Message != wantAvail[1] {
				t.Errorf("Available %s: %s", a.Reason, a.Message)
			}
			p := deploymentCondition(v, appsv1.DeploymentProgressing)
			if tt.rec == nil {
				if p != nil {
					t.Fatalf("Progressing without a record: %+v", p)
				}
				return
			}
			if p == nil || string(p.Status) != tt.status || p.Reason != tt.reason || p.Message != tt.message || !p.LastUpdateTime.Time.Equal(at) {
				t.Fatalf("Progressing %+v; want %s %s %q", p, tt.status, tt.reason, tt.message)
			}
			if v.Status.Conditions[0].Type != appsv1.DeploymentAvailable {
				t.Errorf("conditions not in Kubernetes' order: %+v", v.Status.Conditions)
			}
		})
	}
	t.Run("a record of an older template says nothing", func(t *testing.T) {
		st := emptyState()
		st.Deployments["default/web"] = d
		st.Rollouts = map[string]store.Rollout{"default/web": {Hash: "older", State: store.RolloutComplete,
			Revisions: []store.Revision{{Number: 1, Hash: "older"}}}}
		v := deploymentViews(st, "", "")[0].(*appsv1.Deployment)
		if deploymentCondition(v, appsv1.DeploymentProgressing) != nil || v.Annotations[annotationRevision] != "" {
			t.Fatalf("view %+v, annotations %v", v.Status.Conditions, v.Annotations)
		}
	})
	t.Run("minReadySeconds: available as the leader counted", func(t *testing.T) {
		d := d.DeepCopy()
		d.Spec.MinReadySeconds = 30
		st := emptyState()
		st.Deployments["default/web"] = d
		for i := range 4 {
			p := manifest.DeploymentPod(d, i)
			assign(st, p, "n1")
			st.Status[p.Key()] = store.PodStatus{Node: "n1", Phase: corev1.PodRunning, Ready: true}
		}
		st.Rollouts = map[string]store.Rollout{"default/web": {Hash: manifest.TemplateHash(&d.Spec.Template), State: store.RolloutUpdated,
			Progress: store.RolloutCounts{Updated: 4, Available: 1, AllAvailable: 1}}}
		v := deploymentViews(st, "", "")[0].(*appsv1.Deployment)
		if v.Status.ReadyReplicas != 4 || v.Status.AvailableReplicas != 1 || v.Status.UnavailableReplicas != 3 {
			t.Fatalf("status %+v", v.Status)
		}
		if a := deploymentCondition(v, appsv1.DeploymentAvailable); a.Status != corev1.ConditionFalse {
			t.Fatalf("Available %+v", a)
		}
	})
}

// A Deployment applied back from its view (swarm scale does so) carries the view's
// annotations; the view shows only what the record says.
func TestRolloutAnnotationsComeFromTheRecord(t *testing.T) {
	d := testDeployment("default", "web", 1, "img:1")
	d.Annotations = map[string]string{annotationRevision: "7", annotationRolledBack: "stale", "keep": "me"}
	st := emptyState()
	st.Deployments["default/web"] = d
	v := deploymentViews(st, "", "")[0].(*appsv1.Deployment)
	if _, ok := v.Annotations[annotationRevision]; ok || v.Annotations[annotationRolledBack] != "" || v.Annotations["keep"] != "me" {
		t.Fatalf("annotations without a record: %v", v.Annotations)
	}
	st.Rollouts = map[string]store.Rollout{"default/web": {Hash: manifest.TemplateHash(&d.Spec.Template),
		Revisions: []store.Revision{{Number: 2, Hash: manifest.TemplateHash(&d.Spec.Template)}}}}
	v = deploymentViews(st, "", "")[0].(*appsv1.Deployment)
	if v.Annotations[annotationRevision] != "2" || v.Annotations[annotationRolledBack] != "" {
		t.Fatalf("annotations with a record: %v", v.Annotations)
	}
	if d.Annotations[annotationRevision] != "7" {
		t.Fatal("the view changed the stored object")
	}
}
