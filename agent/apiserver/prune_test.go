package apiserver

import (
	"encoding/json"
	"sort"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/podman-swarm/podman-swarm/cluster"
	"github.com/podman-swarm/podman-swarm/manifest"
)

// listCluster is memCluster with List, enough for pruning.
type listCluster struct{ *memCluster }

func (l listCluster) List(prefix string) []cluster.Entry {
	var out []cluster.Entry
	for k, e := range l.entries {
		if strings.HasPrefix(k, prefix) {
			out = append(out, e)
		}
	}
	return out
}

// What an apply prunes: objects an apply made, with the labels, in the manifest's
// namespaces, not in the manifest, not being deleted; claims are marked, not deleted.
func TestPruneChanges(t *testing.T) {
	m := &memCluster{node: "n1", entries: map[string]cluster.Entry{}}
	store := memStore{}
	applyOnce(t, store, `apiVersion: v1
kind: ConfigMap
metadata: {name: keep, labels: {app: shop}}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: old, labels: {app: shop}}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: blog, labels: {app: blog}}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: elsewhere, namespace: other, labels: {app: shop}}
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: data, labels: {app: shop}}
spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}
---
apiVersion: v1
kind: Namespace
metadata: {name: spare, labels: {app: shop}}
`, time.Now())
	for k, v := range store {
		m.Put(k, v)
	}
	// Made by other means than an apply: no last-applied annotation.
	m.Put("configmap/default/made", []byte(`{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"made","namespace":"default","labels":{"app":"shop"}}}`))

	a := &Server{node: listCluster{m}}
	set, err := manifest.Parse(manifest.Input{Name: "m.yaml", Data: []byte("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: keep, labels: {app: shop}}\n")})
	if err != nil {
		t.Fatal(err)
	}
	sel, _ := labels.Parse("app=shop")
	now := time.Date(2026, 12, 5, 9, 0, 0, 0, time.UTC)
	pruned, err := a.pruneChanges(set, pruneOptions{selector: sel}, now)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range pruned {
		got = append(got, p.result.Kind+" "+p.result.Namespace+"/"+p.result.Name+" "+p.result.Result)
	}
	sort.Strings(got)
	if strings.Join(got, "; ") != "ConfigMap default/old pruned; PersistentVolumeClaim default/data pruned" {
		t.Fatalf("pruned: %v", got)
	}
	for _, p := range pruned {
		switch p.result.Kind {
		case "ConfigMap":
			if !p.change.Delete {
				t.Errorf("the configmap is not deleted: %+v", p.change)
			}
		case "PersistentVolumeClaim":
			var c corev1.PersistentVolumeClaim
			if p.change.Delete || json.Unmarshal(p.change.Value, &c) != nil || c.DeletionTimestamp == nil || !c.DeletionTimestamp.Time.Equal(now) {
				t.Errorf("the claim is not marked for deletion: %+v", p.change)
			}
		}
	}

	// With the namespace of the apply, the other namespace's object goes too; a
	// claim marked already is left alone.
	for _, p := range pruned {
		if p.result.Kind == "PersistentVolumeClaim" {
			m.Put(p.change.Key, p.change.Value)
		}
	}
	pruned, err = a.pruneChanges(set, pruneOptions{selector: sel, namespace: "other"}, now)
	if err != nil {
		t.Fatal(err)
	}
	got = nil
	for _, p := range pruned {
		got = append(got, p.result.Namespace+"/"+p.result.Name)
	}
	sort.Strings(got)
	if strings.Join(got, " ") != "default/old other/elsewhere" {
		t.Errorf("pruned with -n other: %v", got)
	}
}
