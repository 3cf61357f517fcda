package agent

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"

	"github.com/podman-swarm/podman-swarm/agent/store"
	"github.com/podman-swarm/podman-swarm/manifest"
)

// daemonSetYAML is a DaemonSet whose pods go to the nodes labelled role=worker.
func daemonSetYAML(name, image string) string {
	return fmt.Sprintf(`apiVersion: apps/v1
kind: DaemonSet
metadata: {name: %s}
spec:
  selector: {matchLabels: {app: %s}}
  template:
    metadata: {labels: {app: %s}}
    spec:
      nodeSelector: {role: worker}
      containers:
        - name: main
          image: %s
`, name, name, name, image)
}

// daemonPods maps the pods of a DaemonSet (by name prefix) to their nodes, as a lists them.
func daemonPods(t *testing.T, a *Agent, name string) map[string]string {
	out := map[string]string{}
	for pod, node := range placement(t, a) {
		if strings.HasPrefix(pod, name+"-") {
			out[pod] = node
		}
	}
	return out
}

// onNodes tells whether the pods of p run on exactly the nodes named, one on each.
func onNodes(p map[string]string, nodes ...string) bool {
	if len(p) != len(nodes) {
		return false
	}
	for _, n := range nodes {
		if countOn(p, n) != 1 {
			return false
		}
	}
	return true
}

// getDaemonSet reads a DaemonSet from a's API.
func getDaemonSet(t *testing.T, a *Agent, name string) (appsv1.DaemonSet, int) {
	var ds appsv1.DaemonSet
	code := call(t, a, "GET", "/api/v1/daemonsets/default/"+name, "", nil, &ds)
	return ds, code
}

// A DaemonSet runs one pod on every node labelled for it: a node that joins with the label
// gets one, a node restarted with the label gets one and restarted without it loses it,
// and a node that leaves loses its pod, which is placed nowhere else. Its status counts
// the nodes, as kubectl get ds shows them; deleting it deletes its pods and its status.
func TestDaemonSetFollowsTheNodes(t *testing.T) {
	worker := map[string]string{"role": "worker"}
	agents := startAgents(t, 3, func(i int, c *Config) {
		if i < 2 {
			c.Labels = worker
		}
	})
	n0, n1, n2 := agents[0], agents[1], agents[2]
	res := apply(t, n2, daemonSetYAML("logs", "localhost/logs:1"))
	if len(res.Applied) != 1 || res.Applied[0].Kind != "DaemonSet" || res.Applied[0].Result != "created" {
		t.Fatalf("apply: %+v", res.Applied)
	}
	eventually(t, 10*time.Second, "a pod on n0 and n1, on every node's list", func() bool {
		for _, a := range agents {
			if !onNodes(daemonPods(t, a, "logs"), "n0", "n1") {
				return false
			}
		}
		return true
	})
	eventually(t, 10*time.Second, "the status counts 2 nodes", func() bool {
		ds, code := getDaemonSet(t, n2, "logs")
		s := ds.Status
		return code == http.StatusOK && s.DesiredNumberScheduled == 2 && s.CurrentNumberScheduled == 2 && s.UpdatedNumberScheduled == 2
	})
	var list struct {
		Kind  string
		Items []appsv1.DaemonSet
	}
	if code := call(t, n1, "GET", "/api/v1/daemonsets", "", nil, &list); code != http.StatusOK || len(list.Items) != 1 ||
		list.Items[0].Name != "logs" || list.Items[0].Kind != "DaemonSet" {
		t.Fatalf("list: HTTP %d %+v", code, list)
	}

	// A node that joins with the label gets a pod.
	cfg := testConfig(t, "n3")
	cfg.Join, cfg.JoinToken, cfg.Labels = []string{n0.Node().Addr()}, n0.Node().JoinToken(), worker
	n3 := startAgent(t, cfg)
	eventually(t, 10*time.Second, "a pod on n3 too", func() bool { return onNodes(daemonPods(t, n2, "logs"), "n0", "n1", "n3") })

	// n2 restarted with the label gains a pod; restarted without it, loses it.
	restart := func(labels map[string]string) {
		c := n2.cfg
		_ = n2.Shutdown(false)
		c.Join, c.JoinToken, c.Labels = []string{n0.Node().Addr()}, n0.Node().JoinToken(), labels
		n2 = startAgent(t, c)
	}
	restart(worker)
	eventually(t, 15*time.Second, "a pod on n2 once labelled", func() bool {
		return onNodes(daemonPods(t, n0, "logs"), "n0", "n1", "n2", "n3")
	})
	restart(nil)
	eventually(t, 15*time.Second, "no pod on n2 once unlabelled", func() bool {
		return onNodes(daemonPods(t, n0, "logs"), "n0", "n1", "n3")
	})

	// A node that leaves loses its pod; nothing takes its place elsewhere.
	_ = n3.Shutdown(true)
	eventually(t, 15*time.Second, "n3's pod deleted", func() bool { return onNodes(daemonPods(t, n0, "logs"), "n0", "n1") })
	eventually(t, 10*time.Second, "the status counts 2 nodes again", func() bool {
		ds, _ := getDaemonSet(t, n1, "logs")
		return ds.Status.DesiredNumberScheduled == 2 && ds.Status.CurrentNumberScheduled == 2
	})

	// Deleting it deletes its pods and its status record.
	if code := call(t, n1, "DELETE", "/api/v1/manifests/default/logs?kind=DaemonSet", "", nil, nil); code != http.StatusOK {
		t.Fatalf("delete: HTTP %d", code)
	}
	eventually(t, 10*time.Second, "the pods and the status gone", func() bool {
		e, ok := n0.Node().Get(store.DaemonSetStatusKey("default/logs"))
		return len(daemonPods(t, n0, "logs")) == 0 && (!ok || e.Deleted)
	})
	if _, code := getDaemonSet(t, n0, "logs"); code != http.StatusNotFound {
		t.Errorf("GET after delete: HTTP %d, want 404", code)
	}
}

// A template change replaces the DaemonSet's pod on every node: none of them is available
// (the nodes run nothing here), so each is replaced at once, as Kubernetes replaces an
// old pod that serves nothing. A DaemonSet and a Deployment of one name keep their own
// pods.
func TestDaemonSetTemplateChangeReplacesItsPods(t *testing.T) {
	worker := map[string]string{"role": "worker"}
	agents := startAgents(t, 3, func(i int, c *Config) { c.Labels = worker })
	a := agents[0]
	apply(t, a, daemonSetYAML("agent", "localhost/agent:1")+"---\n"+deploymentYAML("agent", 1, ""))
	eventually(t, 10*time.Second, "one pod per node and the Deployment's", func() bool {
		ds, _ := getDaemonSet(t, a, "agent")
		return len(placement(t, a)) == 4 && ds.Status.CurrentNumberScheduled == 3
	})
	before := placement(t, a)
	apply(t, a, daemonSetYAML("agent", "localhost/agent:2"))
	set, err := manifest.Parse(manifest.Input{Name: "ds.yaml", Data: []byte(daemonSetYAML("agent", "localhost/agent:2"))})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{}
	for _, n := range []string{"n0", "n1", "n2"} {
		want[manifest.DaemonSetPod(set.Objects[0].DaemonSet, n, nil).Name] = n
	}
	eventually(t, 10*time.Second, "every node on the new template, the Deployment's pod kept", func() bool {
		after := placement(t, a)
		if len(after) != 4 {
			return false
		}
		for pod, node := range want {
			if after[pod] != node {
				return false
			}
		}
		return true
	})
	kept := 0
	after := placement(t, a)
	for pod := range before {
		if _, ok := after[pod]; ok {
			kept++
		}
	}
	if kept != 1 {
		t.Errorf("%d pods kept across the DaemonSet's rollout, want the Deployment's one: before %v, after %v", kept, before, after)
	}
	eventually(t, 10*time.Second, "the status counts 3 updated nodes", func() bool {
		ds, _ := getDaemonSet(t, a, "agent")
		return ds.Status.UpdatedNumberScheduled == 3 && ds.Status.DesiredNumberScheduled == 3
	})
}
