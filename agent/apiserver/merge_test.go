package apiserver

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/podman-swarm/podman-swarm/manifest"
)

const webNoReplicas = `apiVersion: apps/v1
kind: Deployment
metadata: {name: web, labels: {app: web}}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: web
        image: nginx:1.27
        env: [{name: A, value: "1"}, {name: B, value: "2"}]
      - name: side
        image: busybox
`

// memStore is a store of applied objects for applyOnce: key to stored value.
type memStore map[string][]byte

func (m memStore) get(key string) ([]byte, bool) { v, ok := m[key]; return v, ok }

// applyOnce does what the API's apply does to a manifest, merge then store, at now.
func applyOnce(t *testing.T, m memStore, doc string, now time.Time) []applied {
	t.Helper()
	set, err := manifest.Parse(manifest.Input{Name: "m.yaml", Data: []byte(doc)})
	if err != nil {
		t.Fatal(err)
	}
	merged, _, err := mergeSet(set, m.get)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	writes, results := applyChanges(merged, m.get, now, func() types.UID {
		n++
		return types.UID("uid-" + strings.Repeat("x", n))
	})
	for _, w := range writes {
		m[w.key] = w.value
	}
	return results
}

func storedDeployment(t *testing.T, m memStore, name string) *appsv1.Deployment {
	t.Helper()
	var d appsv1.Deployment
	if err := json.Unmarshal(m["deployment/default/"+name], &d); err != nil {
		t.Fatal(err)
	}
	return &d
}

// scaleTo does what swarm scale does: the stored object, its replicas changed, sent
// back whole with its annotations.
func scaleTo(t *testing.T, m memStore, replicas int32) []applied {
	d := storedDeployment(t, m, "web")
	d.Spec.Replicas = &replicas
	b, err := json.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	return applyOnce(t, m, string(b), time.Now())
}

func TestApplyKeepsWhatTheManifestNeverSet(t *testing.T) {
	m := memStore{}
	created := time.Date(2026, 12, 5, 8, 0, 0, 0, time.UTC)
	if r := applyOnce(t, m, webNoReplicas, created); r[0].result.Result != "created" {
		t.Fatalf("first apply: %+v", r[0].result)
	}
	d := storedDeployment(t, m, "web")
	if d.Spec.Replicas != nil || d.UID != "uid-x" || !d.CreationTimestamp.Time.Equal(created) {
		t.Fatalf("stored: replicas %v uid %q created %v", d.Spec.Replicas, d.UID, d.CreationTimestamp)
	}
	var last map[string]any
	if err := json.Unmarshal([]byte(d.Annotations[LastAppliedAnnotation]), &last); err != nil {
		t.Fatalf("last-applied: %v", err)
	}
	if meta := last["metadata"].(map[string]any); meta["creationTimestamp"] != nil || meta["uid"] != nil || meta["name"] != "web" {
		t.Errorf("the last-applied configuration holds what the API set: %v", meta)
	}

	if r := scaleTo(t, m, 3); r[0].result.Result != "configured" {
		t.Fatalf("scale: %+v", r[0].result)
	}
	later := created.Add(time.Hour)
	if r := applyOnce(t, m, webNoReplicas, later); r[0].result.Result != "unchanged" {
		t.Errorf("apply after the scale: %+v", r[0].result)
	}
	if d := storedDeployment(t, m, "web"); d.Spec.Replicas == nil || *d.Spec.Replicas != 3 {
		t.Fatalf("the apply undid the scale: %v", d.Spec.Replicas)
	}
	// A second scale is not undone either, and a change elsewhere keeps the count.
	scaleTo(t, m, 5)
	changed := strings.Replace(webNoReplicas, "nginx:1.27", "nginx:1.28", 1)
	if r := applyOnce(t, m, changed, later); r[0].result.Result != "configured" {
		t.Errorf("apply a new image: %+v", r[0].result)
	}
	d = storedDeployment(t, m, "web")
	if *d.Spec.Replicas != 5 || d.Spec.Template.Spec.Containers[0].Image != "nginx:1.28" {
		t.Errorf("after the second scale and a new image: replicas %d image %s", *d.Spec.Replicas, d.Spec.Template.Spec.Containers[0].Image)
	}
	if d.UID != "uid-x" || !d.CreationTimestamp.Time.Equal(created) {
		t.Errorf("uid or creationTimestamp changed: %q %v", d.UID, d.CreationTimestamp)
	}

	// A field the manifest set and no longer sets is removed: env B, the side container,
	// then replicas the manifest set itself.
	fewer := strings.Replace(strings.Replace(changed, `, {name: B, value: "2"}`, "", 1), "      - name: side\n        image: busybox\n", "", 1)
	fewer = strings.Replace(fewer, "spec:\n  selector", "spec:\n  replicas: 2\n  selector", 1)
	applyOnce(t, m, fewer, later)
	d = storedDeployment(t, m, "web")
	if cs := d.Spec.Template.Spec.Containers; len(cs) != 1 || len(cs[0].Env) != 1 || cs[0].Env[0].Name != "A" || *d.Spec.Replicas != 2 {
		t.Errorf("after dropping fields: replicas %d containers %+v", *d.Spec.Replicas, cs)
	}
	// A manifest that sets replicas sets them again over a scale, as kubectl's does.
	scaleTo(t, m, 4)
	applyOnce(t, m, fewer, later)
	if d := storedDeployment(t, m, "web"); *d.Spec.Replicas != 2 {
		t.Errorf("the manifest's replicas did not win over the scale: %d", *d.Spec.Replicas)
	}
	applyOnce(t, m, changed, later)
	if d := storedDeployment(t, m, "web"); d.Spec.Replicas != nil {
		t.Errorf("replicas the manifest dropped stay %d", *d.Spec.Replicas)
	}
}

// An object stored before applies recorded their configuration keeps what the manifest
// does not name, and gets the annotation from then on.
func TestApplyOverAnObjectWithoutLastApplied(t *testing.T) {
	m := memStore{}
	applyOnce(t, m, webNoReplicas, time.Now())
	d := storedDeployment(t, m, "web")
	delete(d.Annotations, LastAppliedAnnotation)
	d.Labels["tier"] = "front"
	d.UID = ""
	b, _ := json.Marshal(d)
	m["deployment/default/web"] = b
	set, err := manifest.Parse(manifest.Input{Name: "m.yaml", Data: []byte(webNoReplicas)})
	if err != nil {
		t.Fatal(err)
	}
	_, warnings, err := mergeSet(set, m.get)
	want := "resource deployments/web is missing the kubectl.kubernetes.io/last-applied-configuration annotation which is required by swarm apply. " +
		"swarm apply should only be used on resources created declaratively by swarm apply. The missing annotation will be patched automatically."
	if err != nil || len(warnings) != 1 || warnings[0] != want {
		t.Errorf("warnings: %v %q", err, warnings)
	}
	if r := applyOnce(t, m, webNoReplicas, time.Now()); r[0].result.Result != "configured" || r[0].live == nil {
		t.Fatalf("apply: %+v", r[0].result)
	}
	d = storedDeployment(t, m, "web")
	if d.Labels["tier"] != "front" || d.Annotations[LastAppliedAnnotation] == "" || d.UID != "" {
		t.Errorf("labels %v, annotations %v, uid %q", d.Labels, d.Annotations, d.UID)
	}
}

// A Deployment stored before applies recorded their configuration, scaled (sent back
// with its creationTimestamp, without an annotation to carry), keeps the scale through
// the next apply without replicas.
func TestScaleOfAnObjectWithoutLastApplied(t *testing.T) {
	m := memStore{}
	applyOnce(t, m, webNoReplicas, time.Date(2026, 12, 5, 8, 0, 0, 0, time.UTC))
	d := storedDeployment(t, m, "web")
	delete(d.Annotations, LastAppliedAnnotation)
	b, _ := json.Marshal(d)
	m["deployment/default/web"] = b
	scaleTo(t, m, 3)
	if d := storedDeployment(t, m, "web"); d.Annotations[LastAppliedAnnotation] != "" || *d.Spec.Replicas != 3 {
		t.Fatalf("the scale recorded an applied configuration: %v", d.Annotations)
	}
	applyOnce(t, m, webNoReplicas, time.Now())
	if d := storedDeployment(t, m, "web"); d.Spec.Replicas == nil || *d.Spec.Replicas != 3 || d.Annotations[LastAppliedAnnotation] == "" {
		t.Errorf("after the apply: replicas %v annotations %v", d.Spec.Replicas, d.Annotations)
	}
}

// An object sent back with its creationTimestamp but without its annotations (a client
// that drops them) keeps the last applied configuration stored.
func TestSentBackWithoutAnnotationsKeepsTheLastApplied(t *testing.T) {
	m := memStore{}
	applyOnce(t, m, webNoReplicas, time.Now())
	before := storedDeployment(t, m, "web").Annotations[LastAppliedAnnotation]
	d := storedDeployment(t, m, "web")
	d.Annotations = nil
	d.Spec.Replicas = new(int32(4))
	b, _ := json.Marshal(d)
	applyOnce(t, m, string(b), time.Now())
	if d := storedDeployment(t, m, "web"); d.Annotations[LastAppliedAnnotation] != before || *d.Spec.Replicas != 4 {
		t.Errorf("annotation %q (want %q), replicas %d", d.Annotations[LastAppliedAnnotation], before, *d.Spec.Replicas)
	}
}

// A merge that makes an object the manifest checks refuse is refused, naming the
// document that was applied.
func TestMergedObjectIsValidatedAgain(t *testing.T) {
	m := memStore{}
	applyOnce(t, m, `apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{name: http, port: 80}]
`, time.Now())
	// Stored by other means with a second port of the same name: the merge keeps it.
	var svc map[string]any
	_ = json.Unmarshal(m["service/default/web"], &svc)
	spec := svc["spec"].(map[string]any)
	spec["ports"] = append(spec["ports"].([]any), map[string]any{"name": "http", "port": 81})
	m["service/default/web"], _ = json.Marshal(svc)
	set, err := manifest.Parse(manifest.Input{Name: "svc.yaml", Data: []byte(`apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{name: http, port: 80}]
`)})
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = mergeSet(set, m.get)
	if err == nil || !strings.HasPrefix(err.Error(), "svc.yaml") || !strings.Contains(err.Error(), "Duplicate value") {
		t.Errorf("merge: %v", err)
	}
}

func TestAppliedConfigurationDropsWhatTheAPISets(t *testing.T) {
	got, err := appliedConfiguration([]byte(`{"kind":"ConfigMap","metadata":{"name":"a","uid":"u","creationTimestamp":"2026-12-05T08:00:00Z","resourceVersion":"3","annotations":{"` + LastAppliedAnnotation + `":"{}"}},"data":{"k":"v"}}`))
	if err != nil || string(got) != `{"data":{"k":"v"},"kind":"ConfigMap","metadata":{"name":"a"}}` {
		t.Errorf("%s %v", got, err)
	}
}

func TestNewUIDIsAVersion4UUID(t *testing.T) {
	a, b := newUID(), newUID()
	if a == b || len(a) != 36 || a[14] != '4' || !strings.ContainsRune("89ab", rune(a[19])) {
		t.Errorf("%s %s", a, b)
	}
}
