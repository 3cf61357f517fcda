package main

import (
	"bytes"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// fields is a table line with its runs of spaces made one.
func fields(line string) string { return strings.Join(strings.Fields(line), " ") }

func TestNamespacesThroughTheCLI(t *testing.T) {
	c := startAgent(t)
	var out bytes.Buffer
	if err := createNamespace(c, "shop", &out); err != nil || out.String() != "namespace/shop created\n" {
		t.Fatalf("create: %v %q", err, out.String())
	}
	if err := createNamespace(c, "shop", &out); err == nil || err.Error() != `namespaces "shop" already exists` {
		t.Errorf("create again: %v", err)
	}
	if err := createNamespace(c, "Shop", &out); err == nil || !strings.Contains(err.Error(), `metadata.name: Invalid value: "Shop": must be a DNS-1123 label`) {
		t.Errorf("create a bad name: %v", err)
	}

	out.Reset()
	if err := runGet(c, getOptions{namespace: "elsewhere"}, "ns", &out); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 3 || fields(lines[0]) != "NAME STATUS AGE" || !strings.HasPrefix(fields(lines[1]), "default Active ") ||
		!strings.HasPrefix(fields(lines[2]), "shop Active ") {
		t.Errorf("get namespaces:\n%s", out.String())
	}
	out.Reset()
	if err := runGet(c, getOptions{namespace: "default", name: "shop", output: "yaml"}, "namespace", &out); err != nil ||
		!strings.Contains(out.String(), "kind: Namespace") || !strings.Contains(out.String(), "phase: Active") || !strings.Contains(out.String(), "- kubernetes") {
		t.Errorf("get namespace shop -o yaml: %v\n%s", err, out.String())
	}
	if err := runGet(c, getOptions{namespace: "default", name: "nope"}, "namespaces", &out); err == nil || err.Error() != `namespaces "nope" not found` {
		t.Errorf("get a namespace that does not exist: %v", err)
	}

	// Objects go into a namespace that exists, or one made in the same manifest.
	cm := "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: conf, namespace: %s}\ndata: {a: b}\n"
	out.Reset()
	if err := runApply(c, writeManifest(t, strings.ReplaceAll(cm, "%s", "shop")), false, nil, &out); err != nil || out.String() != "configmap/conf created\n" {
		t.Fatalf("apply into shop: %v %q", err, out.String())
	}
	err := runApply(c, writeManifest(t, strings.ReplaceAll(cm, "%s", "nope")), false, nil, &out)
	if err == nil || !strings.Contains(err.Error(), "metadata.namespace: namespaces \"nope\" not found: create it first with `swarm create namespace nope`") {
		t.Errorf("apply into a namespace that does not exist: %v", err)
	}
	out.Reset()
	both := "apiVersion: v1\nkind: Namespace\nmetadata: {name: nope}\n---\n" + strings.ReplaceAll(cm, "%s", "nope")
	if err := runApply(c, writeManifest(t, both), false, nil, &out); err != nil || out.String() != "namespace/nope created\nconfigmap/conf created\n" {
		t.Errorf("apply with its Namespace: %v %q", err, out.String())
	}

	// Deleting that manifest deletes the namespace last.
	out.Reset()
	if err := deleteManifest(c, writeManifest(t, both), nil, &out); err != nil || out.String() != "configmap/conf deleted\nnamespace/nope deleted\n" {
		t.Errorf("delete -f: %v %q", err, out.String())
	}

	out.Reset()
	if err := runDescribeKind(c, "ns", "default", "shop", &out); err != nil {
		t.Fatal(err)
	}
	if d := out.String(); !strings.Contains(d, "Name:        shop\n") || !strings.Contains(d, "Status:      Active\n") || !strings.Contains(d, "No resource quota.") {
		t.Errorf("describe:\n%s", d)
	}

	out.Reset()
	if err := deleteObject(c, kinds[resources["ns"]], "default", "shop", &out); err != nil || out.String() != "namespace/shop deleted\n" {
		t.Fatalf("delete: %v %q", err, out.String())
	}
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		out.Reset()
		err := runGet(c, getOptions{}, "namespaces", &out)
		if err == nil && !strings.Contains(out.String(), "shop") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("namespace shop not gone: %v\n%s", err, out.String())
		}
	}
	if err := deleteObject(c, "Namespace", "", "default", &out); err == nil || err.Error() != `namespaces "default" is forbidden: this namespace may not be deleted` {
		t.Errorf("delete default: %v", err)
	}
}

func TestDescribeTerminatingNamespace(t *testing.T) {
	at := metav1.NewTime(time.Date(2026, 12, 5, 8, 0, 0, 0, time.UTC))
	n := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "shop", DeletionTimestamp: &at, Labels: map[string]string{"team": "web"}},
		Status: corev1.NamespaceStatus{Phase: corev1.NamespaceTerminating}}
	var out bytes.Buffer
	if err := describeNamespace(&out, n, []string{"pods has 2 resource instances", "services has 1 resource instances"}); err != nil {
		t.Fatal(err)
	}
	want := `Name:              shop
Labels:            team=web
Annotations:       <none>
Status:            Terminating
Terminating since: Sat, 05 Dec 2026 08:00:00 +0000
Content:           Some resources are remaining: pods has 2 resource instances, services has 1 resource instances

No resource quota.

No LimitRange resource.
`
	if out.String() != want {
		t.Errorf("describe:\n%s\nwant\n%s", out.String(), want)
	}
}
