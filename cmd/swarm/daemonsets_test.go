package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/podman-swarm/podman-swarm/manifest"
)

const daemonSetManifest = `apiVersion: apps/v1
kind: DaemonSet
metadata: {name: logs}
spec:
  selector: {matchLabels: {app: logs}}
  updateStrategy:
    rollingUpdate: {maxUnavailable: 2}
  template:
    metadata: {labels: {app: logs}}
    spec:
      containers:
      - name: shipper
        image: localhost/shipper:1
`

// Through the CLI against a live agent: a DaemonSet is applied, listed with kubectl's
// columns, described with its node's pod, and deleted by kind.
func TestDaemonSetThroughTheCLI(t *testing.T) {
	c := startAgent(t)
	file := filepath.Join(t.TempDir(), "logs.yaml")
	if err := os.WriteFile(file, []byte(daemonSetManifest), 0o644); err != nil {
		t.Fatal(err)
	}
	var out, warnings bytes.Buffer
	if err := applyFile(c, file, false, nil, &out, &warnings); err != nil {
		t.Fatal(err)
	}
	if out.String() != "daemonset.apps/logs created\n" {
		t.Errorf("apply printed:\n%s", out.String())
	}
	get := func(o getOptions) string {
		var b bytes.Buffer
		if err := runGet(c, o, "ds", &b); err != nil {
			t.Fatal(err)
		}
		return b.String()
	}
	waitFor(t, 10*time.Second, "the DaemonSet counted on n1", func() bool {
		lines := strings.Split(get(getOptions{namespace: "default"}), "\n")
		return len(lines) > 1 && strings.HasPrefix(strings.Join(strings.Fields(lines[1]), " "), "logs 1 1 0 1 0 <none> ")
	})
	if header := strings.Fields(strings.Split(get(getOptions{namespace: "default"}), "\n")[0]); strings.Join(header, " ") !=
		"NAME DESIRED CURRENT READY UP-TO-DATE AVAILABLE NODE SELECTOR AGE" {
		t.Errorf("header: %v", header)
	}
	wide := get(getOptions{namespace: "default", output: "wide"})
	if !strings.Contains(wide, "CONTAINERS") || !strings.Contains(wide, "localhost/shipper:1") || !strings.Contains(wide, "app=logs") {
		t.Errorf("get ds -o wide:\n%s", wide)
	}
	if y := get(getOptions{namespace: "default", output: "yaml", name: "logs"}); !strings.Contains(y, "kind: DaemonSet") ||
		!strings.Contains(y, "desiredNumberScheduled: 1") {
		t.Errorf("get ds logs -o yaml:\n%s", y)
	}
	out.Reset()
	if err := runDescribeKind(c, "daemonset", "default", "logs", &out); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Desired Number of Nodes Scheduled:", "Current Number of Nodes Scheduled:",
		"StrategyType:", "RollingUpdate", "RollingUpdateStrategy:", "2 max unavailable, 0 max surge", "Pods:", "logs-", "n1"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("describe lacks %q:\n%s", want, out.String())
		}
	}
	out.Reset()
	if err := deleteObject(c, kinds[resources["ds"]], "default", "logs", &out); err != nil {
		t.Fatal(err)
	}
	if out.String() != "daemonset.apps/logs deleted\n" {
		t.Errorf("delete printed %q", out.String())
	}
	waitFor(t, 10*time.Second, "no DaemonSet listed", func() bool {
		return strings.Contains(get(getOptions{namespace: "default"}), "No resources found")
	})
}

// swarm render writes the pod a DaemonSet runs on the node --node-name names, named as
// that node names it; without a node, it says the name is no node's.
func TestRenderDaemonSet(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "logs.yaml")
	if err := os.WriteFile(file, []byte(daemonSetManifest), 0o644); err != nil {
		t.Fatal(err)
	}
	set, err := manifest.Parse(manifest.Input{Name: file, Data: []byte(daemonSetManifest)})
	if err != nil {
		t.Fatal(err)
	}
	pod := manifest.DaemonSetPod(set.Objects[0].DaemonSet, "n7", nil)
	var stdout, stderr bytes.Buffer
	o := renderOptions{file: file, outDir: filepath.Join(dir, "n7")}
	o.quadlet.NodeName = "n7"
	if err := runRender(o, nil, &stdout, &stderr); err != nil {
		t.Fatalf("render: %v", err)
	}
	if n := strings.Count(stdout.String(), "wrote "); n != 2 || !strings.Contains(stdout.String(), pod.Name) {
		t.Errorf("wrote:\n%s\nwant the .pod and .container units of %s", stdout.String(), pod.Name)
	}
	if stderr.Len() != 0 {
		t.Errorf("warnings: %s", stderr.String())
	}
	stdout.Reset()
	if err := runRender(renderOptions{file: file, outDir: filepath.Join(dir, "any")}, nil, &stdout, &stderr); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(stderr.String(), "rendered for no node in particular") {
		t.Errorf("warnings: %s", stderr.String())
	}
}
