package kubectl_test

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/podman-swarm/podman-swarm/agent/kubeapi"
)

// shopManifest is one object of every kind the API serves but Events and Nodes, in the
// namespace shop, with a ConfigMap in default.
const shopManifest = `apiVersion: v1
kind: Namespace
metadata: {name: shop}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop, labels: {app: web}}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - {name: web, image: localhost/web:1}
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: shop}
spec:
  selector: {app: web}
  ports: [{port: 80}]
---
apiVersion: v1
kind: ConfigMap
metadata: {name: settings, namespace: shop, labels: {tier: web}}
data: {mode: fast}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: plain}
data: {a: b}
---
apiVersion: v1
kind: Secret
metadata: {name: creds, namespace: shop}
stringData: {password: hunter2}
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: data, namespace: shop}
spec:
  accessModes: [ReadWriteOnce]
  resources: {requests: {storage: 1Gi}}
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db, namespace: shop}
spec:
  serviceName: db
  replicas: 1
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec:
      containers:
      - {name: db, image: localhost/db:1}
---
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent, namespace: shop}
spec:
  selector: {matchLabels: {app: agent}}
  template:
    metadata: {labels: {app: agent}}
    spec:
      containers:
      - {name: agent, image: localhost/agent:1}
---
apiVersion: batch/v1
kind: Job
metadata: {name: migrate, namespace: shop}
spec:
  template:
    spec:
      restartPolicy: Never
      containers:
      - {name: migrate, image: localhost/migrate:1}
---
apiVersion: batch/v1
kind: CronJob
metadata: {name: nightly, namespace: shop}
spec:
  schedule: "0 3 * * *"
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: Never
          containers:
          - {name: backup, image: localhost/backup:1}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: web, namespace: shop}
spec:
  rules:
  - host: shop.example
    http:
      paths:
      - {path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}
`

// kubectl get prints every kind with the columns swarm get prints (one definition of
// each, in kubeapi), plain and wide, in a namespace and in all of them; -o yaml, json,
// name and jsonpath print the objects.
func TestKubectlGet(t *testing.T) {
	c := startCluster(t, 1)
	c.apply(shopManifest)
	eventually(t, 10*time.Second, "the pods are placed", func() bool {
		out, _, _ := c.run("get", "pods", "-n", "shop", "-o", "name")
		return strings.Count(out, "\n") == 5
	})
	for _, r := range kubeapi.Resources {
		if r.Name == "events" {
			continue
		}
		p, _ := kubeapi.PrinterFor(r.Name)
		for _, wide := range []bool{false, true} {
			args := []string{"get", r.Name, "-n", "shop"}
			if wide {
				args = append(args, "-o", "wide")
			}
			out := c.mustRun(args...)
			lines := strings.Split(strings.TrimSpace(out), "\n")
			header := strings.Join(kubeapi.Upper(p.Header(wide)), " ")
			if got := strings.Join(splitColumns(lines[0]), " "); got != header {
				t.Errorf("kubectl %s: header %q, want %q", strings.Join(args, " "), got, header)
			}
			if len(lines) < 2 {
				t.Errorf("kubectl %s: no object:\n%s", strings.Join(args, " "), out)
			}
		}
	}
	// All namespaces: a NAMESPACE column first.
	out := c.mustRun("get", "configmaps", "-A")
	if !regexp.MustCompile(`(?m)^NAMESPACE +NAME +DATA +AGE\ndefault +plain +1 +\S+\nshop +settings +1 +\S+\n$`).MatchString(out) {
		t.Errorf("get configmaps -A:\n%s", out)
	}
	out = c.mustRun("get", "deployments", "-n", "shop", "-o", "wide", "--show-labels")
	if !regexp.MustCompile(`web +0/2 +2 +0 +\S+ +web +localhost/web:1 +app=web +app=web\n$`).MatchString(out) {
		t.Errorf("get deployments -o wide --show-labels:\n%s", out)
	}
	out = c.mustRun("get", "all", "-n", "shop")
	for _, name := range []string{"deployment.apps/web", "service/web", "statefulset.apps/db", "daemonset.apps/agent", "job.batch/migrate", "cronjob.batch/nightly", "pod/web-"} {
		if !strings.Contains(out, name) {
			t.Errorf("get all has no %s:\n%s", name, out)
		}
	}
	if got := c.mustRun("get", "deployment/web", "svc/web", "-n", "shop", "-o", "name"); got != "deployment.apps/web\nservice/web\n" {
		t.Errorf("get KIND/NAME -o name: %q", got)
	}
	var d struct {
		Kind     string
		Metadata struct{ Name, Namespace, UID, ResourceVersion string }
		Spec     struct{ Replicas int }
	}
	if err := json.Unmarshal([]byte(c.mustRun("get", "deployment", "web", "-n", "shop", "-o", "json")), &d); err != nil ||
		d.Kind != "Deployment" || d.Metadata.Name != "web" || d.Metadata.UID == "" || d.Metadata.ResourceVersion == "" || d.Spec.Replicas != 2 {
		t.Errorf("get -o json: %+v %v", d, err)
	}
	if out := c.mustRun("get", "statefulset", "db", "-n", "shop", "-o", "yaml"); !strings.Contains(out, "kind: StatefulSet") || !strings.Contains(out, "serviceName: db") {
		t.Errorf("get -o yaml:\n%s", out)
	}
	var list struct {
		Kind  string
		Items []json.RawMessage
	}
	if err := json.Unmarshal([]byte(c.mustRun("get", "pods", "-A", "-o", "json")), &list); err != nil || list.Kind != "List" || len(list.Items) != 5 {
		t.Errorf("get pods -A -o json: %s, %d items, %v", list.Kind, len(list.Items), err)
	}
	if got := c.mustRun("get", "pods", "-n", "shop", "-l", "app=web", "-o", "jsonpath={range .items[*]}{.spec.nodeName} {end}"); got != "n0 n0 " {
		t.Errorf("jsonpath: %q", got)
	}
	if got := c.mustRun("get", "configmaps", "-A", "--field-selector", "metadata.namespace=shop", "-o", "name"); got != "configmap/settings\n" {
		t.Errorf("--field-selector: %q", got)
	}
	if got := c.mustRun("get", "pods", "-A", "--field-selector", "spec.nodeName=n0,metadata.namespace!=default", "-l", "app in (db,agent)", "-o", "name"); !strings.HasPrefix(got, "pod/agent-") || !strings.HasSuffix(got, "pod/db-0\n") {
		t.Errorf("pods by node and label: %q", got)
	}
	if got := c.mustRun("get", "nodes", "-o", "custom-columns=NAME:.metadata.name,IP:.status.addresses[0].address", "--no-headers"); got != "n0    127.0.0.1\n" {
		t.Errorf("custom-columns: %q", got)
	}
	// Read in pages: kubectl continues the list to its end.
	if got := c.mustRun("get", "pods", "-A", "--chunk-size=2", "-o", "name"); strings.Count(got, "\n") != 5 {
		t.Errorf("in pages of 2:\n%s", got)
	}
	c.mustFail(c.config, `Error from server (NotFound): deployments.apps "nope" not found`, "get", "deployment", "nope", "-n", "shop")
	c.mustFail(c.config, `error: the server doesn't have a resource type "replicationcontrollers"`, "get", "replicationcontrollers")
}

// splitColumns splits a table's line at its runs of two spaces or more (a header's names
// hold single spaces: NODE SELECTOR).
func splitColumns(line string) []string {
	return regexp.MustCompile(` {2,}`).Split(strings.TrimSpace(line), -1)
}

// kubectl get -w prints the list, then each change as a line: an object changed, one
// added, one that comes to match the selector.
func TestKubectlWatch(t *testing.T) {
	c := startCluster(t, 1)
	c.apply(shopManifest)
	w := c.start("get", "configmaps", "-n", "shop", "-w")
	wide := c.start("get", "deployments", "-A", "-w", "-o", "wide")
	labelled := c.start("get", "configmaps", "-A", "-l", "tier=db", "-w", "--output-watch-events")
	w.waitFor("NAME", "DATA", "AGE")
	w.waitFor("settings", "1")
	wide.waitFor("shop", "web", "0/2", "app=web")
	c.apply(`apiVersion: v1
kind: ConfigMap
metadata: {name: settings, namespace: shop, labels: {tier: db}}
data: {mode: fast, size: large}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop, labels: {app: web}}
spec:
  replicas: 3
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - {name: web, image: localhost/web:2}
`)
	w.waitFor("settings", "2")
	wide.waitFor("shop", "web", "/3", "localhost/web:2")
	labelled.waitFor("ADDED", "shop", "settings")
	c.apply("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: more, namespace: shop}\ndata: {a: b, c: d, e: f}\n")
	w.waitFor("more", "3")

	// A watch of events goes on from its list: an event recorded after it is printed.
	c.event("Deployment", "shop", "web", normal, "ScalingReplicaSet", "scaled up to 2")
	ev := c.start("get", "events", "-n", "shop", "-w")
	ev.waitFor("Normal", "ScalingReplicaSet", "deployment/web", "scaled up to 2")
	c.event("Deployment", "shop", "web", warning, "FailedCreate", "no room")
	ev.waitFor("Warning", "FailedCreate", "deployment/web", "no room")
}

// kubectl describe finds its objects and their events: a Deployment's and a pod's, as the
// agents recorded them (without the objects' uid, which kubectl asks for).
func TestKubectlDescribe(t *testing.T) {
	c := startCluster(t, 1)
	c.apply(shopManifest)
	var pod string
	eventually(t, 10*time.Second, "the pods are placed", func() bool {
		out, _, _ := c.run("get", "pods", "-n", "shop", "-l", "app=web", "-o", "name")
		pod, _, _ = strings.Cut(out, "\n")
		return pod != ""
	})
	pod = strings.TrimPrefix(pod, "pod/")
	c.event("Deployment", "shop", "web", normal, "ScalingReplicaSet", "Scaled up replica set web to 2")
	c.event("Pod", "shop", pod, warning, "BackOff", "Back-off restarting failed container web")
	c.event("Pod", "shop", "other", normal, "Pulled", "not this pod's")
	out := c.mustRun("describe", "deployment", "web", "-n", "shop")
	for _, want := range []string{`(?m)^Name:\s+web$`, `(?m)^Namespace:\s+shop$`, `(?m)^Replicas:\s+2 desired`,
		`Image:\s+localhost/web:1`, `(?m)^  Normal\s+ScalingReplicaSet\s+.*Scaled up replica set web to 2$`} {
		if !regexp.MustCompile(want).MatchString(out) {
			t.Errorf("describe deployment has no %s:\n%s", want, out)
		}
	}
	out = c.mustRun("describe", "pod", pod, "-n", "shop")
	for _, want := range []string{`(?m)^Name:\s+` + pod + `$`, `(?m)^Node:\s+n0/`, `(?m)^  Warning\s+BackOff\s+.*Back-off restarting failed container web$`} {
		if !regexp.MustCompile(want).MatchString(out) {
			t.Errorf("describe pod has no %s:\n%s", want, out)
		}
	}
	if strings.Contains(out, "not this pod's") {
		t.Errorf("describe pod shows another pod's event:\n%s", out)
	}
	if out := c.mustRun("describe", "node", "n0"); !regexp.MustCompile(`(?m)^Name:\s+n0$`).MatchString(out) || !strings.Contains(out, "Ready") {
		t.Errorf("describe node:\n%s", out)
	}
	if out := c.mustRun("describe", "configmap", "settings", "-n", "shop"); !strings.Contains(out, "mode:") || !strings.Contains(out, "fast") {
		t.Errorf("describe configmap:\n%s", out)
	}
}
