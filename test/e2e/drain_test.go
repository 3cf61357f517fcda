package e2e

import (
	"strings"
	"testing"
	"time"
)

// readyWeb counts web's pods that run and are ready, and says where they are.
func readyWeb(t *testing.T) (int, map[string]string) {
	t.Helper()
	ready, where := 0, map[string]string{}
	for _, p := range getPodsFrom(t, 1) {
		if !strings.HasPrefix(p.Metadata.Name, "web-") {
			continue
		}
		where[p.Metadata.Name] = p.Spec.NodeName
		if p.Status.Phase == "Running" && len(p.Status.ContainerStatuses) == 1 && p.Status.ContainerStatuses[0].Ready {
			ready++
		}
	}
	return ready, where
}

// swarm drain moves a Deployment's pod to the node that has room, its replacement ready
// before it stops (never fewer ready pods than replicas), and leaves the DaemonSets' pods;
// draining a node whose pod no other node can take (web publishes hostPort 8080 on
// every node) says why and leaves the pod running there.
func TestDrainMovesPodsReadyFirst(t *testing.T) {
	needRig(t)
	t.Cleanup(func() {
		for i := 1; i <= nodeCount; i++ {
			_, _ = swarmCLI(1, "uncordon", nodeName(i))
		}
		_, _ = swarmCLI(1, "delete", "deployment", "web")
	})
	apply(t, webManifest(2, "latest"))
	pods := runningWeb(t, 2, "latest")
	victim := pods[0].Spec.NodeName

	lowest := 2
	done := make(chan struct{})
	var out string
	var err error
	go func() {
		defer close(done)
		out, err = swarmCLI(1, "drain", victim, "--ignore-daemonsets", "--timeout", "3m")
	}()
	for watching := true; watching; {
		select {
		case <-done:
			watching = false
		case <-time.After(500 * time.Millisecond):
			ready, _ := readyWeb(t)
			lowest = min(lowest, ready)
		}
	}
	if err != nil || !strings.Contains(out, "node/"+victim+" drained") || !strings.Contains(out, "evicting pod default/"+pods[0].Metadata.Name) {
		t.Fatalf("swarm drain %s: %v\n%s", victim, err, out)
	}
	if lowest < 2 {
		t.Errorf("web had %d ready pods during the drain; its replacement must be ready before the pod stops", lowest)
	}
	ready, where := readyWeb(t)
	for name, node := range where {
		if node == victim {
			t.Errorf("pod %s still on the drained %s", name, victim)
		}
	}
	if ready != 2 {
		t.Errorf("%d ready pods of web after the drain, want 2: %v", ready, where)
	}
	if nodes, err := swarmCLI(2, "get", "nodes"); err != nil || !strings.Contains(strings.Join(strings.Fields(nodes), " "), victim+" Ready,SchedulingDisabled") {
		t.Errorf("swarm get nodes after the drain: %v\n%s", err, nodes)
	}

	t.Run("a pod no other node can take stays, and the drain says why", func(t *testing.T) {
		if out, err := swarmCLI(1, "uncordon", victim); err != nil {
			t.Fatalf("uncordon: %v\n%s", err, out)
		}
		apply(t, webManifest(3, "latest"))
		pods := runningWeb(t, 3, "latest")
		target := pods[0]
		out, err := swarmCLI(2, "drain", target.Spec.NodeName, "--ignore-daemonsets", "--timeout", "20s")
		want := "pod default/" + target.Metadata.Name + " cannot leave node " + target.Spec.NodeName +
			" yet: its replacement fits no other node: 0/3 nodes are available: 1 node(s) were unschedulable, 2 node(s) have port 8080/TCP in use."
		if err == nil || !strings.Contains(out, want) {
			t.Errorf("drain of a node whose pod fits nowhere else: %v\n%s\nwant a line %q", err, out, want)
		}
		ready, where := readyWeb(t)
		if where[target.Metadata.Name] != target.Spec.NodeName || ready != 3 {
			t.Errorf("after the refused drain web is %v with %d ready; want %s still on %s and 3 ready", where, ready, target.Metadata.Name, target.Spec.NodeName)
		}
	})
}
