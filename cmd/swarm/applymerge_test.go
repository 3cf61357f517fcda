package main

import (
	"bytes"
	"net/url"
	"path/filepath"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
)

const mergeWeb = `apiVersion: apps/v1
kind: Deployment
metadata: {name: web, labels: {app: shop}}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: web
        image: nginx:1.27
        env: [{name: MODE, value: blue}]
`

// liveCLI starts a live agent and returns the flags that point the CLI at it.
func liveCLI(t *testing.T) (*client, []string) {
	t.Helper()
	isolate(t)
	a, stateDir := startLiveAgent(t, "n1", t.TempDir())
	token := readToken(t, stateDir)
	return testClient(t, a.APIAddr(), token), []string{"--server", a.APIAddr(), "--token", token}
}

func getDeployment(t *testing.T, c *client, ns, name string) *appsv1.Deployment {
	t.Helper()
	var d appsv1.Deployment
	if err := c.do("GET", "/api/v1/deployments/"+url.PathEscape(ns)+"/"+url.PathEscape(name), nil, "", nil, &d); err != nil {
		t.Fatal(err)
	}
	return &d
}

func replicasOf(d *appsv1.Deployment) int32 {
	if d.Spec.Replicas == nil {
		return -1
	}
	return *d.Spec.Replicas
}

// A manifest without replicas applied after swarm scale keeps the scaled count, and so
// does the next one after another scale; a field the manifest drops is removed; AGE's
// creationTimestamp and the uid stay those of the first apply.
func TestApplyMergesWithTheLiveObject(t *testing.T) {
	c, flags := liveCLI(t)
	file := writeManifest(t, mergeWeb)
	out, err := runCLI(t, append([]string{"apply", "-f", file}, flags...)...)
	if err != nil || out != "deployment.apps/web created\n" {
		t.Fatalf("apply: %v %q", err, out)
	}
	first := getDeployment(t, c, "default", "web")
	if first.UID == "" || first.CreationTimestamp.IsZero() || first.Annotations[lastAppliedAnnotation] == "" {
		t.Fatalf("first apply: uid %q created %v annotations %v", first.UID, first.CreationTimestamp, first.Annotations)
	}
	for _, n := range []int32{3, 5} {
		var scaled bytes.Buffer
		if err := runScale(c, "default", "deployment/web", n, &scaled); err != nil {
			t.Fatal(err)
		}
		waitUntil(t, "the scale in the view", func() bool { return replicasOf(getDeployment(t, c, "default", "web")) == n })
		out, err := runCLI(t, append([]string{"apply", "-f", file}, flags...)...)
		if err != nil || out != "deployment.apps/web unchanged\n" {
			t.Errorf("apply after scaling to %d: %v %q", n, err, out)
		}
		if got := replicasOf(getDeployment(t, c, "default", "web")); got != n {
			t.Errorf("the apply after scaling to %d left %d replicas", n, got)
		}
	}

	// describe leaves the last-applied configuration out, as kubectl describe does.
	var described bytes.Buffer
	if err := runDescribeKind(c, "deployment", "default", "web", &described); err != nil ||
		strings.Contains(described.String(), "last-applied") || !strings.Contains(described.String(), "Annotations:") {
		t.Errorf("describe: %v\n%s", err, described.String())
	}

	// Dropping the env var removes it; the scaled count stays.
	noEnv := strings.Replace(mergeWeb, "        env: [{name: MODE, value: blue}]\n", "", 1)
	out, err = runCLI(t, append([]string{"apply", "-f", writeManifest(t, noEnv)}, flags...)...)
	if err != nil || out != "deployment.apps/web configured\n" {
		t.Fatalf("apply without env: %v %q", err, out)
	}
	var d *appsv1.Deployment
	waitUntil(t, "the change in the view", func() bool {
		d = getDeployment(t, c, "default", "web")
		return len(d.Spec.Template.Spec.Containers[0].Env) == 0
	})
	if replicasOf(d) != 5 || d.UID != first.UID || !d.CreationTimestamp.Equal(&first.CreationTimestamp) {
		t.Errorf("after the change: replicas %d uid %q (was %q) created %v (was %v)", replicasOf(d), d.UID, first.UID, d.CreationTimestamp, first.CreationTimestamp)
	}
}

// Several -f are one manifest, -n puts in its namespace the objects that name none and
// refuses those that name another, with kubectl's message.
func TestApplySeveralFilesInANamespace(t *testing.T) {
	c, flags := liveCLI(t)
	dir := t.TempDir()
	ns := filepath.Join(dir, "ns.yaml")
	writeTestFile(t, ns, "apiVersion: v1\nkind: Namespace\nmetadata: {name: shop}\n")
	folder := filepath.Join(dir, "app")
	writeTestFile(t, filepath.Join(folder, "a.yaml"), "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\ndata: {k: v}\n")
	writeTestFile(t, filepath.Join(folder, "b.yaml"), "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: b, namespace: shop}\ndata: {k: v}\n")
	out, err := runCLI(t, append([]string{"apply", "-f", ns, "-f", folder, "-n", "shop"}, flags...)...)
	if err != nil || out != "namespace/shop created\nconfigmap/a created\nconfigmap/b created\n" {
		t.Fatalf("apply: %v %q", err, out)
	}
	var cm corev1.ConfigMap
	if err := c.do("GET", "/api/v1/configmaps/shop/a", nil, "", nil, &cm); err != nil {
		t.Errorf("configmap a is not in shop: %v", err)
	}
	out, err = runCLI(t, append([]string{"apply", "-f", ns, "-f", folder}, flags...)...)
	if err != nil || out != "namespace/shop unchanged\nconfigmap/a created\nconfigmap/b unchanged\n" {
		t.Errorf("apply without -n: %v %q", err, out)
	}
	out, err = runCLI(t, append([]string{"apply", "-f", folder, "-n", "other"}, flags...)...)
	want := `metadata.namespace: the namespace from the provided object "shop" does not match the namespace "other". You must pass '--namespace=shop' to perform this operation.`
	if err == nil || !strings.Contains(err.Error(), want) || strings.Count(strings.TrimSpace(err.Error()), "\n") != 0 {
		t.Errorf("apply into another namespace: %v %q", err, out)
	}
	if _, err := runCLI(t, append([]string{"apply", "-f", folder, "-f", filepath.Join(dir, "nope.yaml")}, flags...)...); err == nil ||
		!strings.Contains(err.Error(), "nope.yaml: no such file or directory") {
		t.Errorf("apply of a missing file: %v", err)
	}
}

// --prune -l deletes the objects an apply made that carry the labels and that the
// manifest no longer holds, in the manifest's namespaces; the others stay.
func TestApplyPrune(t *testing.T) {
	c, flags := liveCLI(t)
	cm := func(name, labels string) string {
		return "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: " + name + ", labels: {" + labels + "}}\ndata: {k: v}\n---\n"
	}
	all := mergeWeb + "---\n" + cm("keep", "app: shop") + cm("old", "app: shop") + cm("other", "app: blog")
	out, err := runCLI(t, append([]string{"apply", "-f", writeManifest(t, all)}, flags...)...)
	if err != nil || out != "deployment.apps/web created\nconfigmap/keep created\nconfigmap/old created\nconfigmap/other created\n" {
		t.Fatalf("apply: %v %q", err, out)
	}
	less := cm("keep", "app: shop")
	out, err = runCLI(t, append([]string{"apply", "-f", writeManifest(t, less), "--prune", "-l", "app=shop", "--dry-run"}, flags...)...)
	if err != nil || out != "configmap/keep unchanged (dry run)\nconfigmap/old pruned (dry run)\ndeployment.apps/web pruned (dry run)\n" {
		t.Errorf("dry run: %v %q", err, out)
	}
	out, err = runCLI(t, append([]string{"apply", "-f", writeManifest(t, less), "--prune", "-l", "app=shop"}, flags...)...)
	if err != nil || out != "configmap/keep unchanged\nconfigmap/old pruned\ndeployment.apps/web pruned\n" {
		t.Fatalf("prune: %v %q", err, out)
	}
	var left struct{ Items []corev1.ConfigMap }
	if err := c.do("GET", "/api/v1/configmaps", url.Values{"namespace": {"default"}}, "", nil, &left); err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, cm := range left.Items {
		names = append(names, cm.Name)
	}
	if strings.Join(names, ",") != "keep,other" {
		t.Errorf("left: %v", names)
	}

	for _, bad := range []struct{ args, want string }{
		{"--prune", "all resources selected for prune without explicitly passing --all"},
		{"--prune --all -l app=shop", "cannot set --all and --selector at the same time"},
		{"-l app=shop", "--selector and --all only choose what --prune deletes: add --prune"},
		{"--prune -l app!!x", `parse the selector "app!!x": `},
	} {
		args := append([]string{"apply", "-f", writeManifest(t, less)}, strings.Fields(bad.args)...)
		if _, err := runCLI(t, append(args, flags...)...); err == nil || !strings.Contains(err.Error(), bad.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: %v", bad.args, err)
		}
	}
}

// An Ingress of a class swarm ingress does not serve by default is applied, with a
// warning on stderr.
func TestApplyWarnsOfAnIngressClass(t *testing.T) {
	c, _ := liveCLI(t)
	file := writeManifest(t, `apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: web}
spec:
  ingressClassName: nginx
  defaultBackend: {service: {name: web, port: {number: 80}}}
`)
	var out, warnings bytes.Buffer
	if err := applyFile(c, file, false, nil, &out, &warnings); err != nil || out.String() != "ingress.networking.k8s.io/web created\n" {
		t.Fatalf("apply: %v %q", err, out.String())
	}
	want := "Warning: " + file + `: document 1 (Ingress web): spec.ingressClassName: class "nginx" is not "swarm", the class swarm ingress serves by default: only a swarm ingress started with --class nginx routes it` + "\n"
	if warnings.String() != want {
		t.Errorf("warnings:\n%s\nwant:\n%s", warnings.String(), want)
	}
}
