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

const wWebYAML = `apiVersion: apps/v1
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

const wConfYAML = `apiVersion: v1
kind: ConfigMap
metadata:
  name: conf
  labels: {app: web}
data:
  a: "1"
`

// wWithoutIdentity is a stored object without what makes each creation of it unique (its
// uid and creationTimestamp), and, when lastApplied is false, without the configuration
// its last apply recorded.
func wWithoutIdentity(stored map[string]any, lastApplied bool) map[string]any {
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

// wSwarmApplied applies y through the project's own route, as swarm apply does, and
// returns the object stored under key; then it deletes it again.
func wSwarmApplied(t *testing.T, w *wNode, y, key, deletePath string) map[string]any {
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
	w := wStart(t, 1)[0]
	key := store.ObjectKey(store.PrefixDeployment, "default", "web")
	want := wSwarmApplied(t, w, wWebYAML, key, "/api/v1/manifests/default/web?kind=Deployment")

	if out := w.must(wWebYAML, "apply", "-f", "-"); out != "deployment.apps/web created\n" {
		t.Errorf("first apply: %q", out)
	}
	if out := w.must(wWebYAML, "apply", "-f", "-"); out != "deployment.apps/web unchanged\n" {
		t.Errorf("second apply: %q", out)
	}
	if got := wWithoutIdentity(w.stored(key), false); !reflect.DeepEqual(got, wWithoutIdentity(want, false)) {
		t.Errorf("kubectl apply stored\n%v\nswarm apply stored\n%v", got, want)
	}
	three := strings.Replace(wWebYAML, "replicas: 2", "replicas: 3", 1)
	if out := w.must(three, "apply", "-f", "-"); out != "deployment.apps/web configured\n" {
		t.Errorf("changed apply: %q", out)
	}
	if out := w.must("", "get", "deployment", "web", "-o", "jsonpath={.spec.replicas}"); out != "3" {
		t.Errorf("replicas after the apply: %q", out)
	}
	w.must("", "delete", "deployment", "web")

	// kubectl create records, as swarm apply does, the configuration it was made with.
	w.must(wWebYAML, "create", "-f", "-")
	if got := wWithoutIdentity(w.stored(key), true); !reflect.DeepEqual(got, wWithoutIdentity(want, true)) {
		t.Errorf("kubectl create stored\n%v\nswarm apply stored\n%v", got, want)
	}
	w.must("", "delete", "deployment", "web")

	if out := w.must(wWebYAML, "apply", "--server-side", "-f", "-"); out != "deployment.apps/web serverside-applied\n" {
		t.Errorf("server-side apply: %q", out)
	}
	if got := wWithoutIdentity(w.stored(key), true); !reflect.DeepEqual(got, wWithoutIdentity(want, true)) {
		t.Errorf("kubectl apply --server-side stored\n%v\nswarm apply stored\n%v", got, want)
	}
	// A second server-side apply without the port drops it, as the three-way merge with
	// the configuration last applied does.
	noPort := strings.Replace(wWebYAML, "        ports:\n        - containerPort: 8080\n", "", 1)
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
	w := wStart(t, 1)[0]
	if out := w.must(wConfYAML, "create", "-f", "-"); out != "configmap/conf created\n" {
		t.Errorf("create: %q", out)
	}
	if _, errOut, err := w.kubectl(wConfYAML, "create", "-f", "-"); err == nil || !strings.Contains(errOut, `Error from server (AlreadyExists): error when creating "STDIN": configmaps "conf" already exists`) {
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
	invalid := strings.Replace(wWebYAML, "image: localhost/web:1", "image: ''", 1)
	if _, errOut, err := w.kubectl(invalid, "create", "-f", "-"); err == nil ||
		!strings.Contains(errOut, `The Deployment "web" is invalid`) || !strings.Contains(errOut, "spec.template.spec.containers[0].image") {
		t.Errorf("an invalid Deployment: %v %s", err, errOut)
	}
}

// kubectl scale, wait, rollout status, restart, pause and resume, set image; rollout undo
// and history, which read the ReplicaSets (rollout_test.go tests them in full).
func TestWriteScaleAndRollout(t *testing.T) {
	nodes := wStart(t, 1)
	w := nodes[0]
	// Replicas the configuration leaves to the scale.
	noReplicas := strings.Replace(wWebYAML, "  replicas: 2\n", "", 1)
	w.must(noReplicas, "apply", "-f", "-")
	ready := func(n int) {
		t.Helper()
		wEventually(t, 20*time.Second, "the pods placed and ready", func() bool {
			if wReportReady(t, nodes, "web-") != n {
				return false
			}
			var d struct {
				Status struct{ Replicas, UpdatedReplicas, AvailableReplicas int }
			}
			out, _, err := w.kubectl("", "get", "deployment", "web", "-o", "json")
			return err == nil && json.Unmarshal([]byte(out), &d) == nil && d.Status.Replicas == n &&
				d.Status.UpdatedReplicas == n && d.Status.AvailableReplicas == n
		})
	}
	ready(1)
	if out := w.must("", "wait", "--for=condition=Available", "deployment/web", "--timeout=30s"); out != "deployment.apps/web condition met\n" {
		t.Errorf("wait: %q", out)
	}
	if out := w.must("", "rollout", "status", "deployment/web", "--timeout=30s"); out != `deployment "web" successfully rolled out`+"\n" {
		t.Errorf("rollout status: %q", out)
	}
	if out := w.must("", "scale", "deployment/web", "--replicas=3"); out != "deployment.apps/web scaled\n" {
		t.Errorf("scale: %q", out)
	}
	if _, errOut, err := w.kubectl("", "scale", "deployment/web", "--replicas=1", "--current-replicas=2"); err == nil ||
		!strings.Contains(errOut, "Expected replicas to be 2, was 3") {
		t.Errorf("scale with the wrong current replicas: %v %s", err, errOut)
	}
	ready(3)
	if out := w.must("", "rollout", "status", "deployment/web", "--timeout=30s"); !strings.Contains(out, "successfully rolled out") {
		t.Errorf("rollout status after the scale: %q", out)
	}
	// An apply of the configuration, which does not set replicas, keeps the scale's.
	if out := w.must(noReplicas, "apply", "-f", "-"); out != "deployment.apps/web unchanged\n" {
		t.Errorf("apply after the scale: %q", out)
	}
	if out := w.must("", "get", "deployment", "web", "-o", "jsonpath={.spec.replicas}"); out != "3" {
		t.Errorf("replicas after an apply without them: %q", out)
	}

	if out := w.must("", "rollout", "restart", "deployment/web"); out != "deployment.apps/web restarted\n" {
		t.Errorf("restart: %q", out)
	}
	if out := w.must("", "get", "deployment", "web", "-o", `jsonpath={.spec.template.metadata.annotations.kubectl\.kubernetes\.io/restartedAt}`); out == "" {
		t.Error("no restartedAt in the template")
	}
	w.must("", "rollout", "pause", "deployment/web")
	if out := w.must("", "get", "deployment", "web", "-o", "jsonpath={.spec.paused}"); out != "true" {
		t.Errorf("paused: %q", out)
	}
	w.must("", "rollout", "resume", "deployment/web")
	if out := w.must("", "set", "image", "deployment/web", "web=localhost/web:2"); out != "deployment.apps/web image updated\n" {
		t.Errorf("set image: %q", out)
	}
	wEventually(t, 30*time.Second, "the new template's pods rolled out", func() bool {
		wReportReady(t, nodes, "web-")
		out, _, err := w.kubectl("", "rollout", "status", "deployment/web", "--timeout=1s")
		return err == nil && strings.Contains(out, "successfully rolled out")
	})
	if out := w.must("", "rollout", "undo", "deployment/web"); out != "deployment.apps/web rolled back\n" {
		t.Errorf("rollout undo: %q", out)
	}
	wEventually(t, 10*time.Second, "the undone template back as the newest revision", func() bool {
		out, _, err := w.kubectl("", "rollout", "history", "deployment/web")
		return err == nil && strings.HasPrefix(out, "deployment.apps/web \nREVISION  CHANGE-CAUSE\n1 ") && strings.HasSuffix(out, "\n4         <none>\n\n")
	})
}

// kubectl delete, by name and by label, with the propagation it can have: a Deployment's
// pods cannot be orphaned, and a foreground delete says it is taken as a background one;
// a namespace is deleted with what is in it, and kubectl waits until it is gone.
func TestWriteDelete(t *testing.T) {
	w := wStart(t, 1)[0]
	w.must(wConfYAML, "apply", "-f", "-")
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

	w.must(wWebYAML, "apply", "-f", "-")
	if _, errOut, err := w.kubectl("", "delete", "deployment", "web", "--cascade=orphan"); err == nil ||
		!strings.Contains(errOut, `propagationPolicy: Unsupported value: "Orphan"`) {
		t.Errorf("orphan: %v %s", err, errOut)
	}
	var pod string
	wEventually(t, 20*time.Second, "a pod of web placed", func() bool {
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
	w.must(wConfYAML, "apply", "-n", "shop", "-f", "-")
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

// kubectl cordon, uncordon, label and annotate change what users set on a node; a taint,
// which nothing stores, is refused.
func TestWriteNodes(t *testing.T) {
	w := wStart(t, 1)[0]
	if out := w.must("", "cordon", "n0"); out != "node/n0 cordoned\n" {
		t.Errorf("cordon: %q", out)
	}
	if out := w.must("", "get", "node", "n0", "-o", "jsonpath={.spec.unschedulable}"); out != "true" {
		t.Errorf("unschedulable: %q", out)
	}
	if out := w.must("", "uncordon", "n0"); out != "node/n0 uncordoned\n" {
		t.Errorf("uncordon: %q", out)
	}
	w.must("", "label", "node", "n0", "disk=ssd")
	w.must("", "annotate", "node", "n0", "owner=ops")
	out := w.must("", "get", "node", "n0", "-o", "jsonpath={.metadata.labels.disk} {.metadata.annotations.owner} {.spec.unschedulable}")
	if out != "ssd ops " {
		t.Errorf("labels, annotations, unschedulable: %q", out)
	}
	w.must("", "label", "node", "n0", "disk-")
	if out := w.must("", "get", "node", "n0", "-o", "jsonpath={.metadata.labels.disk}"); out != "" {
		t.Errorf("a removed label: %q", out)
	}
	if _, errOut, err := w.kubectl("", "taint", "node", "n0", "gpu=yes:NoSchedule"); err == nil || !strings.Contains(errOut, `The Node "n0" is invalid`) {
		t.Errorf("taint: %v %s", err, errOut)
	}
	if _, errOut, err := w.kubectl("", "annotate", "node", "n0", "swarm.podman.io/state=gone", "--overwrite"); err == nil ||
		!strings.Contains(errOut, "the agent sets the annotations under swarm.podman.io/") {
		t.Errorf("an agent's annotation: %v %s", err, errOut)
	}
}

// A read-only token reads, and is refused every write with 403, as a Status.
func TestWriteReadOnlyToken(t *testing.T) {
	w := wStart(t, 1)[0]
	w.must(wConfYAML, "apply", "-f", "-")
	w.must(wWebYAML, "apply", "-f", "-")
	if out, errOut, err := w.kubectlRO("get", "configmap", "conf", "-o", "name"); err != nil || out != "configmap/conf\n" {
		t.Fatalf("read-only get: %v %s", err, errOut)
	}
	for _, cmd := range []struct {
		stdin string
		args  []string
	}{
		{strings.Replace(wConfYAML, `a: "1"`, `a: "2"`, 1), []string{"apply", "-f", "-"}},
		{strings.Replace(wConfYAML, "name: conf", "name: new", 1), []string{"create", "-f", "-"}},
		{"", []string{"patch", "configmap", "conf", "--type", "merge", "-p", `{"data":{"x":"y"}}`}},
		{"", []string{"label", "configmap", "conf", "x=y"}},
		{"", []string{"annotate", "configmap", "conf", "x=y"}},
		{"", []string{"scale", "deployment/web", "--replicas=5"}},
		{"", []string{"rollout", "restart", "deployment/web"}},
		{"", []string{"delete", "configmap", "conf"}},
		{"", []string{"cordon", "n0"}},
		{"", []string{"create", "namespace", "ro"}},
	} {
		// kubectl cordon says it failed but exits 0: the refusal is in what it says.
		_, errOut, err := w.run(w.roKubeconfig, cmd.stdin, cmd.args...)
		if (err == nil && cmd.args[0] != "cordon") || !strings.Contains(errOut, "is read-only") {
			t.Errorf("read-only %v: %v %s", cmd.args, err, errOut)
		}
	}
	// Raw, every kind of write route answers 403 with a Status.
	for _, r := range []struct{ method, path, ct string }{
		{"POST", "/api/v1/namespaces/default/configmaps", "application/json"},
		{"PUT", "/api/v1/namespaces/default/configmaps/conf", "application/json"},
		{"PATCH", "/api/v1/namespaces/default/configmaps/conf", "application/merge-patch+json"},
		{"DELETE", "/api/v1/namespaces/default/configmaps/conf", ""},
		{"PUT", "/apis/apps/v1/namespaces/default/deployments/web/scale", "application/json"},
		{"PATCH", "/apis/apps/v1/namespaces/default/deployments/web/scale", "application/merge-patch+json"},
		{"PUT", "/api/v1/nodes/n0", "application/json"},
		{"PATCH", "/api/v1/nodes/n0", "application/strategic-merge-patch+json"},
		{"DELETE", "/api/v1/nodes/n0", ""},
		{"DELETE", "/api/v1/namespaces/default", ""},
		{"POST", "/api/v1/namespaces", "application/json"},
	} {
		code, body := w.doAs(w.readOnly, r.method, r.path, r.ct, "{}")
		var st struct{ Kind, Reason, Message string }
		if code != 403 || json.Unmarshal(body, &st) != nil || st.Kind != "Status" || st.Reason != "Forbidden" ||
			!regexp.MustCompile(`^the API token \S+ is read-only: \w+ an? \w+ needs a token with full rights$`).MatchString(st.Message) {
			t.Errorf("read-only %s %s: HTTP %d %s", r.method, r.path, code, body)
		}
	}
	if out := w.must("", "get", "configmap", "conf", "-o", "jsonpath={.data}"); out != `{"a":"1"}` {
		t.Errorf("the configmap after the refused writes: %s", out)
	}
	if out := w.must("", "get", "node", "n0", "-o", "jsonpath={.spec.unschedulable}"); out != "" {
		t.Errorf("the node after the refused cordon: unschedulable %q", out)
	}
}

// Two nodes: what kubectl writes through one, kubectl reads and changes through the
// other, whose resourceVersions are its own: a version read from the first is stale
// there, and one read from the second is not.
func TestWriteThroughTwoNodes(t *testing.T) {
	nodes := wStart(t, 2)
	a, b := nodes[0], nodes[1]
	a.must(wConfYAML, "apply", "-f", "-")
	wEventually(t, 10*time.Second, "the configmap on the other node", func() bool {
		_, _, err := b.kubectl("", "get", "configmap", "conf")
		return err == nil
	})
	b.must("", "patch", "configmap", "conf", "--type", "merge", "-p", `{"data":{"from":"b"}}`)
	wEventually(t, 10*time.Second, "the patch on the first node", func() bool {
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
	w := wStart(t, 1)[0]
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
