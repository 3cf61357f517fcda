package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/podman-swarm/podman-swarm/manifest"
)

// parallelSet is a StatefulSet whose pods start at once: the agent of these tests runs
// nothing, so no pod turns ready for OrderedReady to go on. A deleted pod is made again 4 s
// later (the drain, its 1 s grace period, a second).
const parallelSet = `apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db}
spec:
  serviceName: db
  podManagementPolicy: Parallel
  replicas: 2
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec:
      terminationGracePeriodSeconds: 1
      containers:
      - name: db
        image: localhost/db:1
        volumeMounts: [{name: data, mountPath: /data}]
  volumeClaimTemplates:
  - metadata: {name: data}
    spec:
      accessModes: [ReadWriteOnce]
      resources: {requests: {storage: 1Gi}}
`

// Through the CLI against a live agent: a StatefulSet is applied, listed as kubectl get
// sts lists it, described with its pods and claims; its claims are listed bound; a pod
// deleted is made again; scaled down, it loses its highest pod; deleting it takes its pods and keeps its claims.
func TestStatefulSetThroughTheCLI(t *testing.T) {
	c := startAgent(t)
	file := filepath.Join(t.TempDir(), "db.yaml")
	if err := os.WriteFile(file, []byte(parallelSet), 0o644); err != nil {
		t.Fatal(err)
	}
	var out, warnings bytes.Buffer
	if err := applyFile(c, file, false, nil, &out, &warnings); err != nil {
		t.Fatal(err)
	}
	if out.String() != "statefulset.apps/db created\n" {
		t.Errorf("apply printed on stdout:\n%s", out.String())
	}
	get := func(what string, wide bool) string {
		var b bytes.Buffer
		o := getOptions{namespace: "default"}
		if wide {
			o.output = "wide"
		}
		if err := runGet(c, o, what, &b); err != nil {
			t.Fatal(err)
		}
		return b.String()
	}
	waitFor(t, 10*time.Second, "both claims bound", func() bool { return strings.Count(get("pvc", false), "Bound") == 2 })
	lines := strings.Split(strings.TrimSpace(get("sts", true)), "\n")
	if len(lines) != 2 || strings.Join(strings.Fields(lines[0]), " ") != "NAME READY AGE CONTAINERS IMAGES" {
		t.Fatalf("get sts -o wide:\n%s", strings.Join(lines, "\n"))
	}
	if f := strings.Fields(lines[1]); len(f) != 5 || f[0] != "db" || f[1] != "0/2" || f[3] != "db" || f[4] != "localhost/db:1" {
		t.Errorf("get sts -o wide row: %q", f)
	}
	for _, want := range []string{"data-db-0", "data-db-1"} {
		if !strings.Contains(get("pvc", false), want) {
			t.Errorf("get pvc lacks %s:\n%s", want, get("pvc", false))
		}
	}
	out.Reset()
	waitFor(t, 10*time.Second, "both pods listed", func() bool {
		p := get("pods", false)
		return strings.Contains(p, "db-0") && strings.Contains(p, "db-1")
	})
	if err := runDescribeKind(c, "sts", "default", "db", &out); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Replicas:", "2 desired | 2 total", "Pod Management Policy:", "Parallel", "Update Strategy:",
		"RollingUpdate", "Partition:", "Service Name:", "Volume Claims:", "data-db-0 .. data-db-1", "Pods:", "db-0", "db-1", "n1"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("describe lacks %q:\n%s", want, out.String())
		}
	}
	out.Reset()
	if err := deleteObject(c, "Pod", "default", "db-1", &out); err != nil || out.String() != "pod/db-1 deleted\n" {
		t.Fatalf("delete pod db-1: %v %q", err, out.String())
	}
	waitFor(t, 10*time.Second, "db-1 made again", func() bool {
		var b bytes.Buffer
		if err := runGet(c, getOptions{namespace: "default", output: "json"}, "events", &b); err != nil {
			t.Fatal(err)
		}
		return strings.Contains(b.String(), "delete Pod db-1 in StatefulSet db successful") && strings.Contains(get("pods", false), "db-1")
	})
	out.Reset()
	if err := runScale(c, "default", "sts/db", 1, &out); err != nil || out.String() != "statefulset.apps/db scaled\n" {
		t.Fatalf("scale sts/db: %v %q", err, out.String())
	}
	waitFor(t, 10*time.Second, "db-1 gone, db-0 kept", func() bool {
		p := get("pods", false)
		return strings.Contains(p, "db-0") && !strings.Contains(p, "db-1")
	})
	if f := strings.Fields(strings.Split(get("sts", false), "\n")[1]); len(f) != 3 || f[1] != "0/1" {
		t.Errorf("get sts after the scale: %q", f)
	}
	out.Reset()
	if err := deleteObject(c, manifest.KindStatefulSet, "default", "db", &out); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 10*time.Second, "the pods gone", func() bool { return strings.Contains(get("pods", false), "No resources found") })
	if !strings.Contains(get("sts", false), "No resources found") {
		t.Errorf("get sts after delete:\n%s", get("sts", false))
	}
	if p := get("pvc", false); strings.Count(p, "Bound") != 2 {
		t.Errorf("the claims went with the StatefulSet:\n%s", p)
	}
}

// swarm render writes the units of every pod of a StatefulSet, each mounting its own
// claim's volume.
func TestRenderStatefulSet(t *testing.T) {
	out := filepath.Join(t.TempDir(), "units")
	var stdout, stderr bytes.Buffer
	if err := runRender(renderOptions{file: "../../contrib/examples/statefulset.yaml", outDir: out}, nil, &stdout, &stderr); err != nil {
		t.Fatalf("render: %v\n%s", err, stderr.String())
	}
	if strings.Contains(stderr.String(), "subdomain") {
		t.Errorf("render warns of the pods' subdomain, which names them in the cluster DNS:\n%s", stderr.String())
	}
	for i := 0; i < 3; i++ {
		pod, err := os.ReadFile(filepath.Join(out, fmt.Sprintf("swarm-default_kv-%d.pod", i)))
		if err != nil || !strings.Contains(string(pod), fmt.Sprintf("--hostname kv-%d", i)) {
			t.Errorf("pod kv-%d's unit does not set its host name (%v):\n%s", i, err, pod)
		}
		b, err := os.ReadFile(filepath.Join(out, fmt.Sprintf("swarm-default_kv-%d_data-kv-%d_claim.volume", i, i)))
		if err != nil {
			t.Fatalf("pod kv-%d: %v\n%s", i, err, stdout.String())
		}
		if !strings.Contains(string(b), fmt.Sprintf("swarm-default_data-kv-%d", i)) {
			t.Errorf("kv-%d's volume is not its claim's:\n%s", i, b)
		}
	}
}
