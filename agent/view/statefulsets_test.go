package view_test

import (
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/podman-swarm/podman-swarm/agent/store"
	"github.com/podman-swarm/podman-swarm/agent/view"
	"github.com/podman-swarm/podman-swarm/manifest"
)

func statefulSet(ns, name string, replicas int32, image string) *appsv1.StatefulSet {
	return &appsv1.StatefulSet{
		TypeMeta:   metav1.TypeMeta{APIVersion: "apps/v1", Kind: "StatefulSet"},
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: appsv1.StatefulSetSpec{
			Replicas:    &replicas,
			ServiceName: name,
			Selector:    &metav1.LabelSelector{MatchLabels: map[string]string{"app": name}},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": name}},
				Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "main", Image: image}}},
			},
		},
	}
}

// statusOf is the status of the StatefulSet of key as the view serves it.
func statusOf(t *testing.T, v *view.View, key string) appsv1.StatefulSetStatus {
	t.Helper()
	o, ok := v.Get(view.StatefulSets, key)
	if !ok {
		t.Fatalf("%s is not in the view", key)
	}
	return valueOf[*appsv1.StatefulSet](t, o).Status
}

// A StatefulSet's status counts its pods as they are assigned, report ready and change
// template; a Deployment of the same name owns none of them; a deleted StatefulSet leaves
// the view.
func TestStatefulSetStatus(t *testing.T) {
	n := startNode(t)
	v := newView(t, n, nil)
	run(t, v)
	old := statefulSet("shop", "db", 2, "localhost/db:1")
	put(t, n, v, store.ObjectKey(store.PrefixStatefulSet, "shop", "db"), old)
	put(t, n, v, store.ObjectKey(store.PrefixDeployment, "shop", "db"), deployment("shop", "db", 1))
	p0, p1 := manifest.StatefulSetPod(old, 0, nil), manifest.StatefulSetPod(old, 1, nil)
	put(t, n, v, store.AssignmentKey(p0.Key()), assign(p0, "n"))
	put(t, n, v, store.AssignmentKey(p1.Key()), assign(p1, "n"))
	put(t, n, v, store.StatusKey(p0.Key()), store.PodStatus{Node: "n", Phase: corev1.PodRunning, Ready: true})
	s := statusOf(t, v, "shop/db")
	if s.Replicas != 2 || s.ReadyReplicas != 1 || s.UpdatedReplicas != 2 || s.CurrentReplicas != 2 || s.CurrentRevision != s.UpdateRevision {
		t.Errorf("status: %+v", s)
	}
	if o, ok := v.Get(view.Deployments, "shop/db"); !ok || valueOf[*appsv1.Deployment](t, o).Status.Replicas != 0 {
		t.Errorf("the Deployment of the same name counts the StatefulSet's pods: %+v", o)
	}
	// A new template: db-1 replaced first.
	cur := statefulSet("shop", "db", 2, "localhost/db:2")
	put(t, n, v, store.ObjectKey(store.PrefixStatefulSet, "shop", "db"), cur)
	p1 = manifest.StatefulSetPod(cur, 1, nil)
	put(t, n, v, store.AssignmentKey(p1.Key()), assign(p1, "n"))
	s = statusOf(t, v, "shop/db")
	if s.Replicas != 2 || s.UpdatedReplicas != 1 || s.CurrentReplicas != 1 || s.CurrentRevision == s.UpdateRevision ||
		s.UpdateRevision != "db-"+manifest.StatefulSetHash(cur, nil) || s.CurrentRevision != "db-"+manifest.StatefulSetHash(old, nil) {
		t.Errorf("status mid-update: %+v", s)
	}
	del(t, n, v, store.AssignmentKey(p1.Key()))
	if s := statusOf(t, v, "shop/db"); s.Replicas != 1 {
		t.Errorf("status after db-1 went: %+v", s)
	}
	del(t, n, v, store.ObjectKey(store.PrefixStatefulSet, "shop", "db"))
	if _, ok := v.Get(view.StatefulSets, "shop/db"); ok {
		t.Error("a deleted StatefulSet is still served")
	}
}
