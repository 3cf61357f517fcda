package store

import (
	"reflect"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/podman-swarm/podman-swarm/manifest"
)

func TestNamespaceStates(t *testing.T) {
	at := metav1.NewTime(time.Date(2026, 12, 5, 8, 0, 0, 0, time.UTC))
	st := &State{
		Namespaces: map[string]*corev1.Namespace{
			"shop":  {ObjectMeta: metav1.ObjectMeta{Name: "shop"}},
			"gone":  {ObjectMeta: metav1.ObjectMeta{Name: "gone", DeletionTimestamp: &at}},
			"going": {ObjectMeta: metav1.ObjectMeta{Name: "going"}, Status: corev1.NamespaceStatus{Phase: corev1.NamespaceTerminating}},
		},
		Deployments: map[string]*appsv1.Deployment{"old/web": {}},
		Pending:     map[string]Pending{"older/p": {Pod: manifest.Pod{Namespace: "older", Name: "p"}}},
	}
	inUse := st.NamespacesInUse()
	if want := map[string]bool{"old": true, "older": true}; !reflect.DeepEqual(inUse, want) {
		t.Errorf("in use: %v", inUse)
	}
	for ns, want := range map[string]NamespaceState{
		"default": NamespaceActive, "shop": NamespaceActive, "old": NamespaceActive, "older": NamespaceActive,
		"gone": NamespaceTerminating, "going": NamespaceTerminating, "nope": NamespaceMissing,
	} {
		if got := st.Namespace(ns, inUse); got != want {
			t.Errorf("%s: %d, want %d", ns, got, want)
		}
	}
}
