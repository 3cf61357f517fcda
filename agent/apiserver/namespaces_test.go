package apiserver

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/podman-swarm/podman-swarm/agent/store"
)

func TestCheckNamespaces(t *testing.T) {
	at := metav1.NewTime(time.Date(2026, 12, 5, 8, 0, 0, 0, time.UTC))
	st := &store.State{
		Namespaces: map[string]*corev1.Namespace{
			"shop": {ObjectMeta: metav1.ObjectMeta{Name: "shop"}},
			"gone": {ObjectMeta: metav1.ObjectMeta{Name: "gone", DeletionTimestamp: &at}},
		},
		Deployments: map[string]*appsv1.Deployment{"old/web": {ObjectMeta: metav1.ObjectMeta{Namespace: "old", Name: "web"}}},
	}
	stored := func(key string) bool { return key == "configmap/gone/kept" }
	set := parseSet(t, `apiVersion: v1
kind: ConfigMap
metadata: {name: a}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: b, namespace: shop}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: c, namespace: old}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: d, namespace: made}
---
apiVersion: v1
kind: Namespace
metadata: {name: made}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: e, namespace: nope}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: kept, namespace: gone}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: new, namespace: gone}
spec:
  selector: {matchLabels: {app: x}}
  template:
    metadata: {labels: {app: x}}
    spec: {containers: [{name: c, image: nginx}]}
---
apiVersion: v1
kind: Namespace
metadata: {name: gone}
`)
	var got []string
	for _, e := range checkNamespaces(st, set, stored) {
		got = append(got, e.Error())
	}
	want := []string{
		"app.yaml: document 6 (ConfigMap e): metadata.namespace: namespaces \"nope\" not found: create it first with `swarm create namespace nope`, or put a Namespace document in the same manifest",
		`app.yaml: document 8 (Deployment new): metadata.namespace: deployments.apps "new" is forbidden: unable to create new content in namespace gone because it is being terminated`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("refusals:\n  %s\nwant\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
}

func TestNamespaceDeletionMarks(t *testing.T) {
	now := time.Date(2026, 12, 5, 8, 0, 0, 0, time.UTC)
	stored := store.MustJSON(namespaceToStore(&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "shop", Labels: map[string]string{"a": "b"}}}))
	value, already, err := markNamespaceDeleting("shop", stored, now)
	if err != nil || already {
		t.Fatal(err, already)
	}
	var n corev1.Namespace
	if err := json.Unmarshal(value, &n); err != nil {
		t.Fatal(err)
	}
	if !n.DeletionTimestamp.Time.Equal(now) || n.Status.Phase != corev1.NamespaceTerminating || n.Labels["a"] != "b" ||
		len(n.Spec.Finalizers) != 1 || n.Spec.Finalizers[0] != corev1.FinalizerKubernetes {
		t.Errorf("marked: %+v", n)
	}
	if again, already, _ := markNamespaceDeleting("shop", value, now.Add(time.Minute)); !already || string(again) != string(value) {
		t.Error("a namespace marked before was marked again")
	}
	// One that held objects with no record yet gets a record, marked.
	value, already, err = markNamespaceDeleting("old", nil, now)
	if err = json.Unmarshal(value, &n); err != nil || already || n.Name != "old" || !store.Terminating(&n) || n.Kind != "Namespace" {
		t.Errorf("marked without a record: %v %+v", err, n)
	}

	// A deletion the user writes is not one: the API server ignores it.
	set := parseSet(t, "apiVersion: v1\nkind: Namespace\nmetadata: {name: shop, deletionTimestamp: \"2026-12-05T08:00:00Z\"}\n")
	keepNamespaceDeletion(set, func(string) ([]byte, bool) { return nil, false })
	if ns := namespaceToStore(set.Objects[0].Namespace); store.Terminating(ns) {
		t.Errorf("applied with a deletionTimestamp: %+v", ns)
	}
	// Applying it again keeps its deletion.
	set = parseSet(t, "apiVersion: v1\nkind: Namespace\nmetadata: {name: shop, labels: {a: c}}\n")
	keepNamespaceDeletion(set, func(key string) ([]byte, bool) { return value, key == "namespace/shop" })
	if ns := set.Objects[0].Namespace; ns.DeletionTimestamp == nil || ns.Status.Phase != corev1.NamespaceTerminating {
		t.Errorf("applied again: %+v", ns)
	}
	out := namespaceToStore(set.Objects[0].Namespace)
	if out.Status.Phase != corev1.NamespaceTerminating || out.Kind != "Namespace" || out.DeletionTimestamp == nil || out.Labels["a"] != "c" {
		t.Errorf("stored form: %+v", out)
	}
}
