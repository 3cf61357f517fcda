package e2e

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"
)

// daemonSetManifest is a DaemonSet of the test server on every node; tag changes the
// template, for a rolling update (maxUnavailable 1, the default).
func daemonSetManifest(tag string) string {
	return fmt.Sprintf(`apiVersion: apps/v1
kind: DaemonSet
metadata: {name: e2e-ds}
spec:
  selector: {matchLabels: {app: e2e-ds}}
  template:
    metadata: {labels: {app: e2e-ds}, annotations: {tag: %q}}
    spec:
      containers:
        - name: server
          image: localhost/swarm-testserver:latest
          imagePullPolicy: Never
          args: ["--listen", ":8080"]
          ports: [{name: http, containerPort: 8080}]
          readinessProbe: {httpGet: {path: /healthz, port: http}, periodSeconds: 1}
`, tag)
}

// dsPod is an e2e-ds pod as node i's API lists it.
type dsPod struct {
	Metadata struct {
		Name        string
		Annotations map[string]string
	}
	Spec   struct{ NodeName string }
	Status struct {
		Phase             string
		ContainerStatuses []struct{ Ready bool }
	}
}

func (p dsPod) ready() bool {
	return p.Status.Phase == "Running" && len(p.Status.ContainerStatuses) == 1 && p.Status.ContainerStatuses[0].Ready
}

func dsPods(t *testing.T, i int) []dsPod {
	t.Helper()
	out, err := swarmCLI(i, "get", "pods", "-o", "json")
	if err != nil {
		t.Fatalf("swarm get pods: %v\n%s", err, out)
	}
	var l struct{ Items []dsPod }
	if err := json.Unmarshal([]byte(out), &l); err != nil {
		t.Fatalf("decode pods: %v\n%s", err, out)
	}
	var mine []dsPod
	for _, p := range l.Items {
		if strings.HasPrefix(p.Metadata.Name, "e2e-ds-") {
			mine = append(mine, p)
		}
	}
	return mine
}

// dsNodes says which nodes run an e2e-ds pod, ready or not, and of which tag: "n1:1+ n2:1-".
func dsNodes(pods []dsPod) string {
	var s []string
	for _, p := range pods {
		mark := "-"
		if p.ready() {
			mark = "+"
		}
		s = append(s, p.Spec.NodeName+":"+p.Metadata.Annotations["tag"]+mark)
	}
	sort.Strings(s)
	return strings.Join(s, " ")
}

// readyEverywhere waits until each of the nodes named runs one ready e2e-ds pod of tag and
// no other node runs one.
func readyEverywhere(t *testing.T, tag string, within time.Duration, nodes ...string) {
	t.Helper()
	var want []string
	for _, n := range nodes {
		want = append(want, n+":"+tag+"+")
	}
	eventually(t, within, "one ready e2e-ds pod of tag "+tag+" on "+strings.Join(nodes, ", "), func() (bool, string) {
		got := dsNodes(dsPods(t, 1))
		return got == strings.Join(want, " "), got
	})
}

// A DaemonSet runs one pod on every node, counted as kubectl get ds counts them; a node
// that dies loses its pod, which no other node takes, and gets one again when it is back;
// a template change rolls out node by node, never more than one node (maxUnavailable 1)
// without a ready pod.
func TestDaemonSetOnePodPerNode(t *testing.T) {
	needRig(t)
	apply(t, daemonSetManifest("1"))
	t.Cleanup(func() { _, _ = swarmCLI(1, "delete", "ds", "e2e-ds") })
	readyEverywhere(t, "1", 3*time.Minute, "n1", "n2", "n3")
	eventually(t, 30*time.Second, "swarm get ds counts 3 nodes", func() (bool, string) {
		out, err := swarmCLI(2, "get", "ds")
		lines := strings.Split(out, "\n")
		return err == nil && len(lines) > 1 && strings.HasPrefix(strings.Join(strings.Fields(lines[1]), " "), "e2e-ds 3 3 3 3 3 <none> "), out
	})

	t.Run("a node that dies loses its pod, and gets one when it is back", func(t *testing.T) {
		t.Cleanup(func() {
			if _, err := rigCmd("pid", "3"); err != nil {
				if out, err := rigCmd("boot", "3"); err != nil {
					t.Errorf("rig boot 3: %v\n%s", err, out)
				}
			}
		})
		if out, err := rigCmd("kill", "3"); err != nil {
			t.Fatalf("rig kill 3: %v\n%s", err, out)
		}
		// Past the dead-node grace its pod goes; n1 and n2 never run a second one.
		eventually(t, 2*time.Minute, "n3's pod deleted", func() (bool, string) {
			got := dsNodes(dsPods(t, 1))
			if strings.Count(got, "n1:") > 1 || strings.Count(got, "n2:") > 1 {
				t.Fatalf("a second pod on a node that runs one: %s", got)
			}
			return got == "n1:1+ n2:1+", got
		})
		if out, err := rigCmd("boot", "3"); err != nil {
			t.Fatalf("rig boot 3: %v\n%s", err, out)
		}
		allReady(t, 1, 90*time.Second)
		readyEverywhere(t, "1", 2*time.Minute, "n1", "n2", "n3")
	})

	t.Run("a template change rolls out one node at a time", func(t *testing.T) {
		apply(t, daemonSetManifest("2"))
		deadline := time.Now().Add(4 * time.Minute)
		for {
			pods := dsPods(t, 1)
			got := dsNodes(pods)
			readyNodes := map[string]bool{}
			for _, p := range pods {
				if p.ready() {
					readyNodes[p.Spec.NodeName] = true
				}
			}
			if len(readyNodes) < 2 {
				t.Fatalf("%d of 3 nodes without a ready e2e-ds pod, maxUnavailable is 1: %s", 3-len(readyNodes), got)
			}
			if got == "n1:2+ n2:2+ n3:2+" {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("the rollout did not end: %s", got)
			}
			time.Sleep(300 * time.Millisecond)
		}
		out, err := swarmCLI(1, "describe", "ds", "e2e-ds")
		if err != nil || !strings.Contains(out, "Number of Nodes Scheduled with Up-to-date Pods: 3") {
			t.Errorf("swarm describe ds: %v\n%s", err, out)
		}
	})

	t.Run("deleting it deletes its pods", func(t *testing.T) {
		if out, err := swarmCLI(1, "delete", "ds", "e2e-ds"); err != nil {
			t.Fatalf("swarm delete ds: %v\n%s", err, out)
		}
		eventually(t, time.Minute, "no e2e-ds pod", func() (bool, string) {
			got := dsNodes(dsPods(t, 1))
			return got == "", got
		})
	})
}
