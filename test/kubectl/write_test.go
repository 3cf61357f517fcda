package kubectl_test

import (
	"encoding/json"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/podman-swarm/podman-swarm/agent/store"
)

const webYAML = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 2
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: web
        image: localhost/web:1
        ports:
        - containerPort: 8080
`

const confYAML = `apiVersion: v1
kind: ConfigMap
metadata:
  name: conf
  labels: {app: web}
data:
  a: "1"
`

// withoutIdentity is a stored object without what makes each creation of it unique (its
// uid and creationTimestamp), and, when lastApplied is false, without the configuration
// its last apply recorded.
func withoutIdentity(stored map[string]any, lastApplied bool) map[string]any {
	var obj map[string]any
	b, _ := json.Marshal(stored) // a decoded object always encodes
	_ = json.Unmarshal(b, &obj)
	m := obj["metadata"].(map[string]any)
	delete(m, "uid")
	delete(m, "creationTimestamp")
	if !lastApplied {
		if ann, ok := m["annotations"].(map[string]any); ok {
			delete(ann, "kubectl.kubernetes.io/last-applied-configuration")
			if len(ann) == 0 {
				delete(m, "annotations")
			}
		}
	}
	return obj
}

// swarmApplied applies y through the project's own route, as swarm apply does, and
// returns the object stored under key; then it deletes it again.
func swarmApplied(t *testing.T, w *node, y, key, deletePath string) map[string]any {
	t.Helper()
	if code, body := w.do("POST", "/api/v1/manifests", "application/yaml", y); code != 200 {
		t.Fatalf("swarm apply: HTTP %d %s", code, body)
	}
	obj := w.stored(key)
	if code, body := w.do("DELETE", deletePath, "", ""); code != 200 {
		t.Fatalf("delete: HTTP %d %s", code, body)
	}
	return obj
}

// kubectl apply creates, leaves unchanged and configures a Deployment; what it stores is
// what swarm apply of the same manifest stores, but for the last-applied configuration,
// which kubectl writes itself (and compares with at its next apply). kubectl create and
// apply --server-side store exactly what swarm apply stores, that configuration too.
func TestWriteApplyStoresWhatSwarmApplyStores(t *testing.T) {
	w := startCluster(t, 1).nodes[0]
	key := store.ObjectKey(store.PrefixDeployment, "default", "web")
	want := swarmApplied(t, w, webYAML, key, "/api/v1/manifests/default/web?kind=Deployment")

	if out := w.must(webYAML, "apply", "-f", "-"); out != "deployment.apps/web created\n" {
		t.Errorf("first apply: %q", out)
	}
	if out := w.must(webYAML, "apply", "-f", "-"); out != "deployment.apps/web unchanged\n" {
		t.Errorf("second apply: %q", out)
	}
	if got := withoutIdentity(w.stored(key), false); !reflect.DeepEqual(got, withoutIdentity(want, false)) {
		t.Errorf("kubectl apply stored\n%v\nswarm apply stored\n%v", got, want)
	}
	three := strings.Replace(webYAML, "replicas: 2", "replicas: 3", 1)
	if out := w.must(three, "apply", "-f", "-"); out != "deployment.apps/web configured\n" {
		t.Errorf("changed apply: %q", out)
	}
	if out := w.must("", "get", "deployment", "web", "-o", "jsonpath={.spec.replicas}"); out != "3" {
		t.Errorf("replicas after the apply: %q", out)
	}
	w.must("", "delete", "deployment", "web")

	// kubectl create records, as swarm apply does, the configuration it was made with.
	w.must(webYAML, "create", "-f", "-")
	if got := withoutIdentity(w.stored(key), true); !reflect.DeepEqual(got, withoutIdentity(want, true)) {
		t.Errorf("kubectl create stored\n%v\nswarm apply stored\n%v", got, want)
	}
	w.must("", "delete", "deployment", "web")

	if out := w.must(webYAML, "apply", "--server-side", "-f", "-"); out != "deployment.apps/web serverside-applied\n" {
		t.Errorf("server-side apply: %q", out)
	}
	if got := withoutIdentity(w.stored(key), true); !reflect.DeepEqual(got, withoutIdentity(want, true)) {
		t.Errorf("kubectl apply --server-side stored\n%v\nswarm apply stored\n%v", got, want)
	}
	// A second server-side apply without the port drops it, as the three-way merge with
	// the configuration last applied does.
	noPort := strings.Replace(webYAML, "        ports:\n        - containerPort: 8080\n", "", 1)
	if _, errOut, err := w.kubectl(noPort, "apply", "--server-side", "-f", "-"); err != nil || errOut != "" {
		t.Fatalf("second server-side apply: %v %s", err, errOut)
	}
	if out := w.must("", "get", "deployment", "web", "-o", "jsonpath={.spec.template.spec.containers[0].ports}"); out != "" {
		t.Errorf("the port the configuration dropped: %q", out)
	}
}

// kubectl create, replace, patch of each type, label and annotate, each as Kubernetes
// answers it; a create of a name in use is AlreadyExists, a replace from a stale read is a
// Conflict.
func TestWriteCreateReplacePatch(t *testing.T) {
	w := startCluster(t, 1).nodes[0]
	if out := w.must(confYAML, "create", "-f", "-"); out != "configmap/conf created\n" {
		t.Errorf("create: %q", out)
	}
	if _, errOut, err := w.kubectl(confYAML, "create", "-f", "-"); err == nil || !strings.Contains(errOut, `Error from server (AlreadyExists): error when creating "STDIN": configmaps "conf" already exists`) {
		t.Errorf("create again: %v %s", err, errOut)
	}
	// kubectl's typed clients send protobuf.
	if out := w.must("", "create", "configmap", "typed", "--from-literal=k=v"); out != "configmap/typed created\n" {
		t.Errorf("create configmap: %q", out)
	}
	if out := w.must("", "get", "configmap", "typed", "-o", "jsonpath={.data.k}"); out != "v" {
		t.Errorf("the typed configmap's data: %q", out)
	}

	live := w.must("", "get", "configmap", "conf", "-o", "yaml")
	edited := strings.Replace(live, `a: "1"`, `a: "2"`, 1)
	if out := w.must(edited, "replace", "-f", "-"); out != "configmap/conf replaced\n" {
		t.Errorf("replace: %q", out)
	}
	if _, errOut, err := w.kubectl(edited, "replace", "-f", "-"); err == nil ||
		!strings.Contains(errOut, `Error from server (Conflict): error when replacing "STDIN": Operation cannot be fulfilled on configmaps "conf": the object has been modified; please apply your changes to the latest version and try again`) {
		t.Errorf("replace from a stale read: %v %s", err, errOut)
	}
	for _, p := range [][]string{
		{"--type", "json", "-p", `[{"op":"add","path":"/data/b","value":"3"}]`},
		{"--type", "merge", "-p", `{"data":{"c":"4"}}`},
		{"--type", "strategic", "-p", `{"data":{"d":"5"}}`},
	} {
		if out := w.must("", append([]string{"patch", "configmap", "conf"}, p...)...); out != "configmap/conf patched\n" {
			t.Errorf("patch %v: %q", p, out)
		}
	}
	if out := w.must("", "patch", "configmap", "conf", "--type", "merge", "-p", `{"data":{"c":"4"}}`); out != "configmap/conf patched (no change)\n" {
		t.Errorf("a patch that changes nothing: %q", out)
	}
	w.must("", "label", "configmap", "conf", "tier=front")
	w.must("", "annotate", "configmap", "conf", "note=hello")
	out := w.must("", "get", "configmap", "conf", "-o", "json")
	var cm struct {
		Metadata struct {
			Labels, Annotations map[string]string
		}
		Data map[string]string
	}
	if err := json.Unmarshal([]byte(out), &cm); err != nil {
		t.Fatal(err)
	}
	if d := cm.Data; d["a"] != "2" || d["b"] != "3" || d["c"] != "4" || d["d"] != "5" {
		t.Errorf("data after the patches: %v", d)
	}
	if cm.Metadata.Labels["tier"] != "front" || cm.Metadata.Labels["app"] != "web" || cm.Metadata.Annotations["note"] != "hello" {
		t.Errorf("labels and annotations: %+v", cm.Metadata)
	}
	if _, errOut, err := w.kubectl("", "patch", "configmap", "conf", "--type", "json", "-p", `[{"op":"remove","path":"/data/nope"}]`); err == nil ||
		!strings.Contains(errOut, "The request is invalid: the JSON patch does not apply") {
		t.Errorf("a JSON patch that does not apply: %v %s", err, errOut)
	}
	if _, errOut, err := w.kubectl("", "patch", "configmap", "nope", "--type", "merge", "-p", `{"data":{}}`); err == nil ||
		!strings.Contains(errOut, `Error from server (NotFound)`) {
		t.Errorf("a patch of nothing: %v %s", err, errOut)
	}
	invalid := strings.Replace(webYAML, "image: localhost/web:1", "image: ''", 1)
	if _, errOut, err := w.kubectl(invalid, "create", "-f", "-"); err == nil ||
		!strings.Contains(errOut, `The Deployment "web" is invalid`) || !strings.Contains(errOut, "spec.template.spec.containers[0].image") {
		t.Errorf("an invalid Deployment: %v %s", err, errOut)
	}
}

// kubectl delete, by name and by label, with the propagation it can have: a Deployment's
// pods cannot be orphaned, and a foreground delete says it is taken as a background one;
// a namespace is deleted with what is in it, and kubectl waits until it is gone.
func TestWriteDelete(t *testing.T) {
	w := startCluster(t, 1).nodes[0]
	w.must(confYAML, "apply", "-f", "-")
	w.must("", "create", "configmap", "other", "--from-literal=k=v")
	w.must("", "label", "configmap", "other", "app=web")
	w.must("", "create", "configmap", "keep", "--from-literal=k=v")
	if out := w.must("", "delete", "configmap", "-l", "app=web"); out != "configmap \"conf\" deleted\nconfigmap \"other\" deleted\n" {
		t.Errorf("delete -l: %q", out)
	}
	if out := w.must("", "get", "configmaps", "-o", "name"); out != "configmap/keep\n" {
		t.Errorf("left: %q", out)
	}
	if out := w.must("", "delete", "configmap", "keep"); out != "configmap \"keep\" deleted\n" {
		t.Errorf("delete: %q", out)
	}
	if _, errOut, err := w.kubectl("", "delete", "configmap", "keep"); err == nil || !strings.Contains(errOut, `Error from server (NotFound): configmaps "keep" not found`) {
		t.Errorf("delete again: %v %s", err, errOut)
	}

	w.must(webYAML, "apply", "-f", "-")
	if _, errOut, err := w.kubectl("", "delete", "deployment", "web", "--cascade=orphan"); err == nil ||
		!strings.Contains(errOut, `propagationPolicy: Unsupported value: "Orphan"`) {
		t.Errorf("orphan: %v %s", err, errOut)
	}
	var pod string
	eventually(t, 20*time.Second, "a pod of web placed", func() bool {
		out, _, _ := w.kubectl("", "get", "pods", "-o", "name")
		pod, _, _ = strings.Cut(out, "\n")
		return strings.HasPrefix(pod, "pod/web-")
	})
	if _, errOut, err := w.kubectl("", "delete", pod); err == nil || !strings.Contains(errOut, "Error from server (MethodNotAllowed)") ||
		!strings.Contains(errOut, "Deployment web makes its pods from its template") {
		t.Errorf("delete a Deployment's pod: %v %s", err, errOut)
	}
	out, errOut, err := w.kubectl("", "delete", "deployment", "web", "--cascade=foreground")
	if err != nil || out != "deployment.apps \"web\" deleted\n" ||
		!strings.Contains(errOut, `Warning: propagationPolicy Foreground is taken as Background: deployments.apps "web" is deleted now, and its pods after it`) {
		t.Errorf("foreground: %v %q %q", err, out, errOut)
	}

	w.must("", "create", "namespace", "shop")
	w.must(confYAML, "apply", "-n", "shop", "-f", "-")
	if out := w.must("", "delete", "namespace", "shop", "--timeout=30s"); out != "namespace \"shop\" deleted\n" {
		t.Errorf("delete namespace: %q", out)
	}
	if _, errOut, err := w.kubectl("", "get", "namespace", "shop"); err == nil || !strings.Contains(errOut, "NotFound") {
		t.Errorf("the namespace after its delete: %v %s", err, errOut)
	}
	if _, errOut, err := w.kubectl("", "delete", "namespace", "default"); err == nil ||
		!strings.Contains(errOut, `Error from server (Forbidden): namespaces "default" is forbidden: this namespace may not be deleted`) {
		t.Errorf("delete default: %v %s", err, errOut)
	}
}

// Two nodes: what kubectl writes through one, kubectl reads and changes through the
// other, whose resourceVersions are its own: a version read from the first is stale
// there, and one read from the second is not.
func TestWriteThroughTwoNodes(t *testing.T) {
	c := startCluster(t, 2)
	a, b := c.nodes[0], c.nodes[1]
	a.must(confYAML, "apply", "-f", "-")
	eventually(t, 10*time.Second, "the configmap on the other node", func() bool {
		_, _, err := b.kubectl("", "get", "configmap", "conf")
		return err == nil
	})
	b.must("", "patch", "configmap", "conf", "--type", "merge", "-p", `{"data":{"from":"b"}}`)
	eventually(t, 10*time.Second, "the patch on the first node", func() bool {
		out, _, err := a.kubectl("", "get", "configmap", "conf", "-o", "jsonpath={.data.from}")
		return err == nil && out == "b"
	})
	fromA := a.must("", "get", "configmap", "conf", "-o", "yaml")
	fromB := b.must("", "get", "configmap", "conf", "-o", "yaml")
	rv := regexp.MustCompile(`resourceVersion: "\d+"`)
	if rv.FindString(fromA) == rv.FindString(fromB) {
		t.Skipf("both nodes number the configmap alike (%s): nothing to tell apart", rv.FindString(fromA))
	}
	if _, errOut, err := b.kubectl(strings.Replace(fromA, "from: b", "from: a", 1), "replace", "-f", "-"); err == nil || !strings.Contains(errOut, "Conflict") {
		t.Errorf("a replace on b of what a showed: %v %s", err, errOut)
	}
	if out := b.must(strings.Replace(fromB, "from: b", "from: a", 1), "replace", "-f", "-"); out != "configmap/conf replaced\n" {
		t.Errorf("a replace on b of what b showed: %q", out)
	}
}

// The warnings of an apply reach kubectl as Warning headers, which it prints.
func TestWritePrintsWarnings(t *testing.T) {
	w := startCluster(t, 1).nodes[0]
	ing := `apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: web}
spec:
  ingressClassName: nginx
  rules:
  - host: web.example
    http:
      paths:
      - {path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}
`
	out, errOut, err := w.kubectl(ing, "apply", "-f", "-")
	if err != nil || out != "ingress.networking.k8s.io/web created\n" ||
		!strings.HasPrefix(errOut, `Warning: spec.ingressClassName: class "nginx" is not "swarm"`) {
		t.Errorf("apply: %v %q %q", err, out, errOut)
	}
}

// A dry run checks and answers as the write would, and stores nothing.
func TestWriteDryRunStoresNothing(t *testing.T) {
	w := startCluster(t, 1).nodes[0]
	code, body := w.do("POST", "/api/v1/namespaces/default/configmaps?dryRun=All", "application/yaml", confYAML)
	if code != 201 || !strings.Contains(string(body), `"name":"conf"`) {
		t.Errorf("a dry-run create: HTTP %d %s", code, body)
	}
	if code, _ := w.do("GET", "/api/v1/namespaces/default/configmaps/conf", "", ""); code != 404 {
		t.Errorf("the dry-run create stored the configmap: HTTP %d", code)
	}
	w.must(confYAML, "apply", "-f", "-")
	if out := w.must("", "patch", "configmap", "conf", "--dry-run=server", "--type", "merge", "-p", `{"data":{"a":"9"}}`, "-o", "jsonpath={.data.a}"); out != "9" {
		t.Errorf("a dry-run patch answered %q", out)
	}
	if out := w.must("", "delete", "configmap", "conf", "--dry-run=server"); !strings.Contains(out, "deleted (server dry run)") {
		t.Errorf("a dry-run delete: %q", out)
	}
	if out := w.must("", "get", "configmap", "conf", "-o", "jsonpath={.data.a}"); out != "1" {
		t.Errorf("the configmap after the dry runs: %q", out)
	}
}
