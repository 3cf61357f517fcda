package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const claimManifest = `apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: data}
spec:
  accessModes: [ReadWriteOnce]
  resources: {requests: {storage: 1Gi}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: db}
spec:
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec:
      containers:
      - name: db
        image: localhost/db:1
        volumeMounts: [{name: data, mountPath: /data}]
      volumes:
      - {name: data, persistentVolumeClaim: {claimName: data}}
`

// Through the CLI against a live agent: a claim is listed Pending, then Bound to its first
// pod's node; described with that node and its pods; deleted while its pod runs, it stays
// Terminating, and goes with the pod.
func TestClaimThroughTheCLI(t *testing.T) {
	c := startAgent(t)
	file := filepath.Join(t.TempDir(), "db.yaml")
	if err := os.WriteFile(file, []byte(claimManifest), 0o644); err != nil {
		t.Fatal(err)
	}
	var out, warnings bytes.Buffer
	if err := applyFile(c, file, false, nil, &out, &warnings); err != nil {
		t.Fatal(err)
	}
	if out.String() != "persistentvolumeclaim/data created\ndeployment.apps/db created\n" {
		t.Errorf("apply printed on stdout:\n%s", out.String())
	}
	if !strings.HasPrefix(warnings.String(), "Warning: ") || !strings.Contains(warnings.String(), "1Gi is not enforced") {
		t.Errorf("apply printed on stderr:\n%s", warnings.String())
	}
	get := func() string {
		var b bytes.Buffer
		if err := runGet(c, getOptions{namespace: "default"}, "pvc", &b); err != nil {
			t.Fatal(err)
		}
		return b.String()
	}
	waitFor(t, 10*time.Second, "the claim bound", func() bool { return strings.Contains(get(), "Bound") })
	if fields := strings.Fields(strings.Split(get(), "\n")[1]); len(fields) != 7 || fields[0] != "data" ||
		fields[2] != "swarm-default_data" || fields[3] != "1Gi" || fields[4] != "RWO" || fields[5] != "local" {
		t.Errorf("get pvc:\n%s", get())
	}
	out.Reset()
	if err := runDescribeKind(c, "pvc", "default", "data", &out); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Status:", "Bound", "Node:", "n1", "Reclaim Policy:", "Delete", "Used By:", "db-"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("describe lacks %q:\n%s", want, out.String())
		}
	}
	out.Reset()
	if err := deleteObject(c, "PersistentVolumeClaim", "default", "data", &out); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 10*time.Second, "the claim terminating", func() bool { return strings.Contains(get(), "Terminating") })
	time.Sleep(300 * time.Millisecond) // a few plans: its pod keeps it
	if !strings.Contains(get(), "Terminating") {
		t.Fatalf("the claim went while its pod runs:\n%s", get())
	}
	if err := deleteObject(c, "Deployment", "default", "db", &out); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 10*time.Second, "the claim gone with its pod", func() bool { return strings.Contains(get(), "No resources found") })
}
