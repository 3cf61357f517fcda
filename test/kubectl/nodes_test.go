package kubectl_test

import (
	"strings"
	"testing"
)

// kubectl cordon, uncordon, label and annotate change what users set on a node; a taint,
// which nothing stores, is refused.
func TestWriteNodes(t *testing.T) {
	w := startCluster(t, 1).nodes[0]
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
