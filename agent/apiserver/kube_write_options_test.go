package apiserver

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer/protobuf"

	"github.com/podman-swarm/podman-swarm/manifest"
)

// A delete's options come from its body and its query, and are checked as the API server
// checks DeleteOptions.
func TestDeleteOptions(t *testing.T) {
	c, _ := testContext(http.MethodDelete, "/x?gracePeriodSeconds=5", "application/json",
		`{"kind":"DeleteOptions","apiVersion":"v1","propagationPolicy":"Foreground","preconditions":{"uid":"u1"}}`)
	opts, err := deleteOptions(c)
	if err != nil || *opts.GracePeriodSeconds != 5 || propagation(opts) != metav1.DeletePropagationForeground || *opts.Preconditions.UID != "u1" {
		t.Fatalf("options: %+v %v", opts, err)
	}
	c, _ = testContext(http.MethodDelete, "/x?orphanDependents=true", "", "")
	if opts, err := deleteOptions(c); err != nil || propagation(opts) != metav1.DeletePropagationOrphan {
		t.Errorf("orphanDependents: %v %v", opts, err)
	}
	c, _ = testContext(http.MethodDelete, "/x", "", "")
	if opts, err := deleteOptions(c); err != nil || propagation(opts) != metav1.DeletePropagationBackground {
		t.Errorf("no options: %v %v", opts, err)
	}
	for _, tc := range []struct{ query, body string }{
		{"?propagationPolicy=Sideways", ""},
		{"?propagationPolicy=Orphan&orphanDependents=true", ""},
		{"?dryRun=Some", ""},
	} {
		c, _ := testContext(http.MethodDelete, "/x"+tc.query, "", tc.body)
		if _, err := deleteOptions(c); !apierrors.IsInvalid(err) {
			t.Errorf("%s: %v, want a 422", tc.query, err)
		}
	}
	for _, tc := range []struct{ query, body string }{{"?gracePeriodSeconds=soon", ""}, {"", `{"propagationPolicy":`}, {"?orphanDependents=perhaps", ""}} {
		c, _ := testContext(http.MethodDelete, "/x"+tc.query, "application/json", tc.body)
		if _, err := deleteOptions(c); !apierrors.IsBadRequest(err) {
			t.Errorf("%q %q: %v, want a 400", tc.query, tc.body, err)
		}
	}
}

// A kind that owns pods is deleted first and its pods after: Background, Foreground with
// a warning, Orphan refused; a kind that owns none is deleted alike whatever the policy.
func TestHonourPropagation(t *testing.T) {
	deployments, configmaps := resource(t, "apps", "deployments"), resource(t, "", "configmaps")
	if w, err := honourPropagation(deployments, "web", metav1.DeletePropagationBackground); err != nil || len(w) != 0 {
		t.Errorf("background: %v %v", w, err)
	}
	if w, err := honourPropagation(deployments, "web", metav1.DeletePropagationForeground); err != nil || len(w) != 1 ||
		!strings.Contains(w[0], `deployments.apps "web" is deleted now, and its pods after it`) {
		t.Errorf("foreground: %v %v", w, err)
	}
	if _, err := honourPropagation(deployments, "web", metav1.DeletePropagationOrphan); !apierrors.IsInvalid(err) ||
		!strings.Contains(err.Error(), `propagationPolicy: Unsupported value: "Orphan"`) {
		t.Errorf("orphan: %v", err)
	}
	for _, p := range []metav1.DeletionPropagation{metav1.DeletePropagationOrphan, metav1.DeletePropagationForeground} {
		if w, err := honourPropagation(configmaps, "c", p); err != nil || len(w) != 0 {
			t.Errorf("a configmap, %s: %v %v", p, w, err)
		}
	}
	st := deletedStatus(deployments, "web", "u1")
	if st.Status != metav1.StatusSuccess || st.Details.Kind != "deployments" || st.Details.Group != "apps" || st.Details.UID != "u1" {
		t.Errorf("deleted: %+v", st)
	}
}

// A write to a Node changes what users set on it (labels, annotations, cordon); the
// unschedulable taint follows the cordon, the status is ignored, and anything else is
// refused.
func TestNodeChange(t *testing.T) {
	old := &corev1.Node{
		ObjectMeta: metav1.ObjectMeta{Name: "n1", Labels: map[string]string{"zone": "a", "disk": "hdd"},
			Annotations: map[string]string{"swarm.podman.io/state": "alive", "note": "x"}},
		Spec: corev1.NodeSpec{Unschedulable: true, Taints: []corev1.Taint{{Key: corev1.TaintNodeUnschedulable, Effect: corev1.TaintEffectNoSchedule}}},
	}
	n := old.DeepCopy()
	n.Labels = map[string]string{"zone": "b", "rack": "7"}
	n.Annotations = map[string]string{"swarm.podman.io/state": "alive"}
	n.Spec.Unschedulable = false
	n.Status.Phase = corev1.NodeRunning
	n.ResourceVersion = "9"
	p, err := nodeChange(old, n)
	if err != nil {
		t.Fatal(err)
	}
	if *p.Labels["zone"] != "b" || *p.Labels["rack"] != "7" || p.Labels["disk"] != nil || len(p.Labels) != 3 {
		t.Errorf("labels: %v", p.Labels)
	}
	if v, ok := p.Annotations["note"]; !ok || v != nil || len(p.Annotations) != 1 {
		t.Errorf("annotations: %v", p.Annotations)
	}
	if p.Unschedulable == nil || *p.Unschedulable {
		t.Errorf("unschedulable: %v", p.Unschedulable)
	}
	same := old.DeepCopy()
	if p, err := nodeChange(old, same); err != nil || !nodePatchEmpty(p) {
		t.Errorf("no change: %+v %v", p, err)
	}
	tainted := old.DeepCopy()
	tainted.Spec.Taints = append(tainted.Spec.Taints, corev1.Taint{Key: "gpu", Effect: corev1.TaintEffectNoSchedule})
	if _, err := nodeChange(old, tainted); !apierrors.IsInvalid(err) {
		t.Errorf("a taint: %v", err)
	}
	moved := old.DeepCopy()
	moved.Spec.PodCIDR = "10.0.0.0/24"
	if _, err := nodeChange(old, moved); !apierrors.IsInvalid(err) {
		t.Errorf("a podCIDR: %v", err)
	}
}

// A Scale shows a workload's replicas wanted and counted, and its selector.
func TestScaleOf(t *testing.T) {
	three := int32(3)
	d := &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "shop", UID: "u", ResourceVersion: "12"},
		Spec:       appsv1.DeploymentSpec{Replicas: &three, Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}}},
		Status:     appsv1.DeploymentStatus{Replicas: 2},
	}
	s, err := scaleOf(d)
	if err != nil || s.APIVersion != "autoscaling/v1" || s.Kind != "Scale" || s.Name != "web" || s.Namespace != "shop" ||
		s.ResourceVersion != "12" || s.Spec.Replicas != 3 || s.Status.Replicas != 2 || s.Status.Selector != "app=web" {
		t.Errorf("scale: %+v %v", s, err)
	}
	d.Spec.Replicas = nil
	if s, _ := scaleOf(d); s.Spec.Replicas != 1 {
		t.Errorf("replicas by default: %d", s.Spec.Replicas)
	}
	if _, err := scaleOf(&corev1.Pod{}); err == nil {
		t.Error("a pod has a scale")
	}
}

// Each group-version's OpenAPI document has the PATCH of each kind that patches change,
// marked with its group, version and kind, taking fieldValidation: what kubectl looks
// for before it leaves validation to the server; and no schema.
func TestOpenAPIDocument(t *testing.T) {
	var doc struct {
		OpenAPI string `json:"openapi"`
		Paths   map[string]struct {
			Patch struct {
				Parameters []struct{ Name, In string }
				GVK        map[string]string `json:"x-kubernetes-group-version-kind"`
			} `json:"patch"`
		} `json:"paths"`
		Components struct {
			Schemas *map[string]any `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal(openAPIDocument("apps/v1"), &doc); err != nil {
		t.Fatal(err)
	}
	// No schema, in the form kubectl explain reads as such.
	if doc.Components.Schemas == nil || len(*doc.Components.Schemas) != 0 {
		t.Errorf("the schemas: %v", doc.Components.Schemas)
	}
	p, ok := doc.Paths["/apis/apps/v1/namespaces/{namespace}/deployments/{name}"]
	if !ok || doc.OpenAPI != "3.0.0" {
		t.Fatalf("no PATCH of deployments: %+v", doc)
	}
	if g := p.Patch.GVK; g["group"] != "apps" || g["version"] != "v1" || g["kind"] != "Deployment" ||
		len(p.Patch.Parameters) != 1 || p.Patch.Parameters[0].Name != "fieldValidation" || p.Patch.Parameters[0].In != "query" {
		t.Errorf("the PATCH of deployments: %+v", p.Patch)
	}
	if len(doc.Paths) != 3 {
		t.Errorf("apps/v1 has %d paths, want deployments, statefulsets, daemonsets", len(doc.Paths))
	}
	if err := json.Unmarshal(openAPIDocument("v1"), &doc); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"/api/v1/namespaces/{namespace}/pods/{name}", "/api/v1/namespaces/{name}", "/api/v1/nodes/{name}"} {
		if _, ok := doc.Paths[path]; !ok {
			t.Errorf("v1 lacks %s", path)
		}
	}
	if _, ok := doc.Paths["/api/v1/namespaces/{namespace}/events/{name}"]; ok {
		t.Error("events are patched")
	}
	if got := openAPIGroupVersions(); strings.Join(got, " ") != "v1 apps/v1 batch/v1 networking.k8s.io/v1" {
		t.Errorf("group-versions: %v", got)
	}
}

// A protobuf body, as kubectl's typed clients send, is read as the JSON of its object.
func TestProtobufBody(t *testing.T) {
	cm := &corev1.ConfigMap{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "ConfigMap"},
		ObjectMeta: metav1.ObjectMeta{Name: "conf"}, Data: map[string]string{"a": "1"}}
	s := runtime.NewScheme()
	if err := corev1.AddToScheme(s); err != nil {
		t.Fatal(err)
	}
	var buf strings.Builder
	if err := protobuf.NewSerializer(s, s).Encode(cm, &buf); err != nil {
		t.Fatal(err)
	}
	c, _ := testContext(http.MethodPost, "/", protobufType, buf.String())
	out, err := bodyAsJSON(c, []byte(buf.String()))
	if err != nil {
		t.Fatal(err)
	}
	var got corev1.ConfigMap
	if err := json.Unmarshal(out, &got); err != nil || got.Kind != "ConfigMap" || got.APIVersion != "v1" || got.Name != "conf" || got.Data["a"] != "1" {
		t.Errorf("decoded: %s %v", out, err)
	}
	c, _ = testContext(http.MethodPost, "/", protobufType, "junk")
	if _, err := bodyAsJSON(c, []byte("junk")); !apierrors.IsBadRequest(err) {
		t.Errorf("junk: %v", err)
	}
	c, _ = testContext(http.MethodPost, "/", "application/json", `{"a":1}`)
	if out, err := bodyAsJSON(c, []byte(`{"a":1}`)); err != nil || string(out) != `{"a":1}` {
		t.Errorf("JSON: %s %v", out, err)
	}
}

// A write's warnings about its one object name it as the request does, and go out as
// Warning headers, which kubectl prints.
func TestWriteWarnings(t *testing.T) {
	set := &manifest.Set{Objects: []manifest.Object{{Source: manifest.Source{File: "ingresses.networking.k8s.io/web", Index: 1, Kind: "Ingress", Name: "web"}}}}
	if got := objectWarnings(set, []string{"ingresses.networking.k8s.io/web: document 1 (Ingress web): spec.x: odd", "other"}); got[0] != "spec.x: odd" || got[1] != "other" {
		t.Errorf("an object's warnings: %q", got)
	}
	c, rec := testContext(http.MethodPost, "/", "", "")
	addWarnings(c, []string{`a "quoted" warning`, "another"})
	if got := rec.Header().Values("Warning"); len(got) != 2 || got[0] != `299 - "a \"quoted\" warning"` || got[1] != `299 - "another"` {
		t.Errorf("warnings: %q", got)
	}
}
