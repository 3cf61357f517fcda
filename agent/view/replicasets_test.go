package view_test

import (
	"reflect"
	"slices"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/podman-swarm/podman-swarm/agent/store"
	"github.com/podman-swarm/podman-swarm/agent/view"
	"github.com/podman-swarm/podman-swarm/api"
	"github.com/podman-swarm/podman-swarm/manifest"
)

// A Deployment's ReplicaSets follow its rollout record and its pods: one per revision,
// each counting its pods; a revision the history drops is deleted, and so are they all
// with the Deployment. Its pods name the ReplicaSet of their template by the Deployment's
// uid, and change with it when the Deployment is made again under its name.
func TestReplicaSetsFollowTheRevisions(t *testing.T) {
	n := startNode(t)
	v := newView(t, n, nil)
	run(t, v)
	old := deployment("default", "web", 2)
	old.UID = "uid-1"
	old.Spec.Template.Spec.Containers[0].Image = "localhost/test:0"
	web := deployment("default", "web", 2)
	web.UID = "uid-1"
	oldHash, newHash := manifest.TemplateHash(&old.Spec.Template), manifest.TemplateHash(&web.Spec.Template)
	created := time.Date(2025, 3, 1, 10, 0, 0, 0, time.UTC)
	rec := store.Rollout{Hash: newHash, Revisions: []store.Revision{
		{Number: 1, Hash: oldHash, Template: old.Spec.Template, Created: created},
		{Number: 2, Hash: newHash, Template: web.Spec.Template, ChangeCause: "new image", Created: created.Add(time.Minute)},
	}}
	put(t, n, v, store.ObjectKey(store.PrefixDeployment, "default", "web"), web)
	put(t, n, v, store.RolloutKey("default/web"), rec)
	oldPod, newPod := manifest.DeploymentPod(old, 0), podOf(web, 0)
	put(t, n, v, store.AssignmentKey(oldPod.Key()), assign(oldPod, "n"))
	put(t, n, v, store.StatusKey(oldPod.Key()), store.PodStatus{Node: "n", Phase: corev1.PodRunning, Ready: true})
	put(t, n, v, store.AssignmentKey(newPod.Key()), assign(newPod, "n"))

	want := []string{"default/web-" + newHash, "default/web-" + oldHash}
	slices.Sort(want)
	if got := names(t, first(v.List(view.ReplicaSets, view.Filter{Namespace: "default"}))); !reflect.DeepEqual(got, want) {
		t.Fatalf("replicasets: %v", got)
	}
	rsOld, rsNew := replicaSet(t, v, "default/web-"+oldHash), replicaSet(t, v, "default/web-"+newHash)
	if *rsOld.Spec.Replicas != 1 || rsOld.Status.Replicas != 1 || rsOld.Status.ReadyReplicas != 1 || rsOld.Status.AvailableReplicas != 1 ||
		rsOld.Annotations["deployment.kubernetes.io/revision"] != "1" || !rsOld.CreationTimestamp.Time.Equal(created) {
		t.Errorf("the old revision's: %+v %+v", rsOld.ObjectMeta, rsOld.Status)
	}
	if *rsNew.Spec.Replicas != 2 || rsNew.Status.Replicas != 1 || rsNew.Status.ReadyReplicas != 0 ||
		rsNew.Annotations["deployment.kubernetes.io/revision"] != "2" || rsNew.Annotations["kubernetes.io/change-cause"] != "new image" {
		t.Errorf("the current revision's: %+v %+v", rsNew.ObjectMeta, rsNew.Status)
	}
	ref := metav1.GetControllerOf(rsNew)
	if ref == nil || ref.Kind != "Deployment" || ref.Name != "web" || ref.UID != "uid-1" || rsNew.UID == "" || rsNew.UID == rsOld.UID {
		t.Errorf("owner %+v, uids %q %q", ref, rsNew.UID, rsOld.UID)
	}
	if p := pod(t, v, newPod.Key()); metav1.GetControllerOf(p) == nil || metav1.GetControllerOf(p).UID != rsNew.UID ||
		metav1.GetControllerOf(p).Name != rsNew.Name {
		t.Errorf("the new pod's owners: %+v", p.OwnerReferences)
	}

	// The old pod is replaced: its ReplicaSet wants none; then the history drops it.
	w, err := v.Watch(view.ReplicaSets, view.Filter{}, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(w.Initial()) != 2 {
		t.Fatalf("initial: %+v", eventsOf(t, w.Initial()))
	}
	del(t, n, v, store.AssignmentKey(oldPod.Key()))
	ev := receive(t, w, 1)[0]
	if got := valueOf[*appsv1.ReplicaSet](t, ev.Object); ev.Type != api.Modified || got.Name != rsOld.Name || *got.Spec.Replicas != 0 || got.Status.Replicas != 0 {
		t.Errorf("the old pod gone: %s %s", ev.Type, ev.Object.JSON)
	}
	rec.Revisions = rec.Revisions[1:]
	put(t, n, v, store.RolloutKey("default/web"), rec)
	if ev := receive(t, w, 1)[0]; ev.Type != api.Deleted || ev.Object.Key != "default/"+rsOld.Name {
		t.Errorf("the revision dropped: %s %s", ev.Type, ev.Object.Key)
	}

	// The Deployment made again under its name: a new uid, for its ReplicaSets and its
	// pods' references.
	pods, err := v.Watch(view.Pods, view.Filter{}, 0)
	if err != nil {
		t.Fatal(err)
	}
	again := web.DeepCopy()
	again.UID = "uid-2"
	put(t, n, v, store.ObjectKey(store.PrefixDeployment, "default", "web"), again)
	ev = receive(t, w, 1)[0]
	if got := valueOf[*appsv1.ReplicaSet](t, ev.Object); ev.Type != api.Modified || got.OwnerReferences[0].UID != "uid-2" || got.UID == rsNew.UID {
		t.Errorf("made again: %s %s", ev.Type, ev.Object.JSON)
	}
	newUID := valueOf[*appsv1.ReplicaSet](t, ev.Object).UID
	for _, ev := range receive(t, pods, 1) {
		if p := valueOf[*corev1.Pod](t, ev.Object); ev.Type != api.Modified || metav1.GetControllerOf(p).UID != newUID {
			t.Errorf("the pod of the Deployment made again: %s %s", ev.Type, ev.Object.JSON)
		}
	}

	del(t, n, v, store.ObjectKey(store.PrefixDeployment, "default", "web"))
	if ev := receive(t, w, 1)[0]; ev.Type != api.Deleted || ev.Object.Key != "default/"+rsNew.Name {
		t.Errorf("the Deployment deleted: %s %s", ev.Type, ev.Object.Key)
	}
	nothingMore(t, w)
	if items, _ := v.List(view.ReplicaSets, view.Filter{}); len(items) != 0 {
		t.Errorf("left: %s", items)
	}
}

func replicaSet(t *testing.T, v *view.View, key string) *appsv1.ReplicaSet {
	t.Helper()
	o, ok := v.Get(view.ReplicaSets, key)
	if !ok {
		t.Fatalf("no replicaset %s", key)
	}
	return valueOf[*appsv1.ReplicaSet](t, o)
}

func pod(t *testing.T, v *view.View, key string) *corev1.Pod {
	t.Helper()
	o, ok := v.Get(view.Pods, key)
	if !ok {
		t.Fatalf("no pod %s", key)
	}
	return valueOf[*corev1.Pod](t, o)
}
