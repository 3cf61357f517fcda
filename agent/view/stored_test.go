package view_test

import (
	"reflect"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/podman-swarm/podman-swarm/agent/store"
	"github.com/podman-swarm/podman-swarm/agent/view"
	"github.com/podman-swarm/podman-swarm/api"
)

// ConfigMaps and Secrets are listed and watched as stored, a Secret with its data.
func TestConfigMapsAndSecrets(t *testing.T) {
	n := startNode(t)
	cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: "settings"}, Data: map[string]string{"a": "1"}}
	put(t, n, nil, store.ObjectKey(store.PrefixConfigMap, "shop", "settings"), cm)
	v := newView(t, n, nil)
	run(t, v)
	if got := names(t, first(v.List(view.ConfigMaps, view.Filter{Namespace: "shop"}))); !reflect.DeepEqual(got, []string{"shop/settings"}) {
		t.Errorf("configmaps: %v", got)
	}
	secrets, _ := v.Watch(view.Secrets, view.Filter{}, 0)
	s := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "db"}, Data: map[string][]byte{"pw": []byte("x1")}}
	put(t, n, nil, store.ObjectKey(store.PrefixSecret, "default", "db"), s)
	ev := receive(t, secrets, 1)[0]
	if got := valueOf[*corev1.Secret](t, ev.Object); ev.Type != api.Added || string(got.Data["pw"]) != "x1" {
		t.Fatalf("added: %s %s", ev.Type, ev.Object.JSON)
	}
	del(t, n, nil, store.ObjectKey(store.PrefixSecret, "default", "db"))
	if ev = receive(t, secrets, 1)[0]; ev.Type != api.Deleted || ev.Object.Key != "default/db" {
		t.Fatalf("deleted: %s %s", ev.Type, ev.Object.JSON)
	}
	if _, ok := v.Get(view.Secrets, "default/db"); ok {
		t.Error("a deleted secret is still served")
	}
	nothingMore(t, secrets)
}
