package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/podman-swarm/podman-swarm/agent"
)

// startNodeOpsCluster starts three live agents on loopback, n2 with the agent label
// zone=b, and points the CLI at n0.
func startNodeOpsCluster(t *testing.T) *client {
	t.Helper()
	isolate(t)
	n0, dir0 := startLiveAgent(t, "n0", t.TempDir())
	join := func(c *agent.Config) { c.Join, c.JoinToken = []string{n0.Node().Addr()}, n0.Node().JoinToken() }
	n1, _ := startLiveAgent(t, "n1", t.TempDir(), join)
	n2, _ := startLiveAgent(t, "n2", t.TempDir(), join, func(c *agent.Config) { c.Labels = map[string]string{"zone": "b"} })
	waitFor(t, 15*time.Second, "every node sees every node", func() bool {
		return aliveMembers(n0) == 3 && aliveMembers(n1) == 3 && aliveMembers(n2) == 3
	})
	t.Setenv("SWARM_SERVER", n0.APIAddr())
	t.Setenv("SWARM_TOKEN", readToken(t, dir0))
	return testClient(t, n0.APIAddr(), readToken(t, dir0))
}

func applyText(t *testing.T, text string) {
	t.Helper()
	file := filepath.Join(t.TempDir(), "m.yaml")
	if err := os.WriteFile(file, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := runCLI(t, "apply", "-f", file); err != nil {
		t.Fatalf("apply: %v\n%s", err, out)
	}
}

// placed is namespace/name -> node of the pods placed, whose name starts with prefix.
func placed(t *testing.T, c *client, prefix string) map[string]string {
	t.Helper()
	pods, err := listAllPods(c)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, p := range pods {
		if strings.HasPrefix(p.Name, prefix) && p.Spec.NodeName != "" {
			out[p.Namespace+"/"+p.Name] = p.Spec.NodeName
		}
	}
	return out
}

func nodeJSON(t *testing.T, name string) corev1.Node {
	t.Helper()
	out, err := runCLI(t, "get", "nodes", name, "-o", "json")
	if err != nil {
		t.Fatalf("get node %s: %v\n%s", name, err, out)
	}
	var n corev1.Node
	if err := json.Unmarshal([]byte(out), &n); err != nil {
		t.Fatalf("decode node %s: %v\n%s", name, err, out)
	}
	return n
}

func cli(t *testing.T, want string, args ...string) {
	t.Helper()
	out, err := runCLI(t, args...)
	if err != nil || out != want {
		t.Errorf("swarm %s: %v\n%q, want %q", strings.Join(args, " "), err, out, want)
	}
}

func cliFails(t *testing.T, want string, args ...string) {
	t.Helper()
	out, err := runCLI(t, args...)
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("swarm %s: %v, want an error saying %q\n%s", strings.Join(args, " "), err, want, out)
	}
}

const webManifest = `apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 6
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - {name: web, image: localhost/web:1}
`

// swarm cordon and uncordon against live agents: a cordoned node shows
// SchedulingDisabled and takes none of the pods placed meanwhile; it keeps its own.
func TestCordonAndUncordon(t *testing.T) {
	c := startNodeOpsCluster(t)
	cli(t, "node/n1 cordoned\n", "cordon", "n1")
	cli(t, "node/n1 already cordoned\n", "cordon", "node/n1")
	out, err := runCLI(t, "get", "nodes")
	if err != nil || !strings.Contains(strings.Join(strings.Fields(out), " "), "n1 Ready,SchedulingDisabled") {
		t.Errorf("get nodes after cordon: %v\n%s", err, out)
	}
	if n := nodeJSON(t, "n1"); !n.Spec.Unschedulable || len(n.Spec.Taints) != 1 || n.Spec.Taints[0].Key != corev1.TaintNodeUnschedulable {
		t.Errorf("n1 cordoned shows spec %+v", n.Spec)
	}
	applyText(t, webManifest)
	waitFor(t, 15*time.Second, "web's six pods placed", func() bool { return len(placed(t, c, "web-")) == 6 })
	for pod, node := range placed(t, c, "web-") {
		if node == "n1" {
			t.Errorf("pod %s was placed on the cordoned n1", pod)
		}
	}
	cli(t, "node/n1 uncordoned\n", "uncordon", "n1")
	cli(t, "node/n1 already uncordoned\n", "uncordon", "n1")
	if n := nodeJSON(t, "n1"); n.Spec.Unschedulable || len(n.Spec.Taints) != 0 {
		t.Errorf("n1 uncordoned shows spec %+v", n.Spec)
	}
	cliFails(t, `node "nope" not found`, "cordon", "nope")
	cliFails(t, "accepts 1 arg(s), received 0", "cordon")
}

// swarm label node and annotate node against live agents: labels are set, refused
// without --overwrite, removed (the agent's --label ones too), and the scheduler places
// by them at once.
func TestLabelAndAnnotateNode(t *testing.T) {
	c := startNodeOpsCluster(t)
	cli(t, "node/n1 labeled\n", "label", "node", "n1", "disk=ssd")
	cli(t, "node/n1 not labeled\n", "label", "node", "n1", "disk=ssd")
	cli(t, "label \"gpu\" not found.\nnode/n1 not labeled\n", "label", "node", "n1", "gpu-")
	cliFails(t, "'disk' already has a value (ssd), and --overwrite is false", "label", "node", "n1", "disk=hdd")
	cli(t, "node/n1 labeled\n", "label", "nodes/n1", "disk=nvme", "--overwrite")
	if got := nodeJSON(t, "n1").Labels["disk"]; got != "nvme" {
		t.Errorf("n1's label disk = %q, want nvme", got)
	}
	applyText(t, strings.ReplaceAll(strings.ReplaceAll(webManifest, "replicas: 6", "replicas: 2"),
		"containers:", "nodeSelector: {disk: nvme}\n      containers:"))
	waitFor(t, 15*time.Second, "web's two pods placed on n1", func() bool {
		p := placed(t, c, "web-")
		return len(p) == 2 && p[firstKey(p)] == "n1"
	})
	for pod, node := range placed(t, c, "web-") {
		if node != "n1" {
			t.Errorf("pod %s placed on %s, which lacks disk=nvme", pod, node)
		}
	}

	// A label the agent's --label flag set is removed all the same.
	if got := nodeJSON(t, "n2").Labels["zone"]; got != "b" {
		t.Fatalf("n2's label zone = %q, want b from its agent", got)
	}
	cli(t, "node/n2 unlabeled\n", "label", "node", "n2", "zone-")
	if _, has := nodeJSON(t, "n2").Labels["zone"]; has {
		t.Errorf("n2 still has the label zone after zone-")
	}

	cli(t, "node/n1 annotated\n", "annotate", "node", "n1", "owner=team-a")
	cliFails(t, "'owner' already has a value (team-a), and --overwrite is false", "annotate", "node", "n1", "owner=team-b")
	if got := nodeJSON(t, "n1").Annotations["owner"]; got != "team-a" {
		t.Errorf("n1's annotation owner = %q, want team-a", got)
	}
	cli(t, "node/n1 annotated\n", "annotate", "node", "n1", "owner-")
	if _, has := nodeJSON(t, "n1").Annotations["owner"]; has {
		t.Errorf("n1 still has the annotation owner after owner-")
	}

	cliFails(t, "the agent sets the annotations under swarm.podman.io/", "annotate", "node", "n1", "swarm.podman.io/leader=true")
	cliFails(t, `metadata.labels: Invalid value: "bad key"`, "label", "node", "n1", "bad key=x")
	cliFails(t, `invalid label spec: "=x"`, "label", "node", "n1", "=x")
	cliFails(t, "at least one label update is required", "label", "node", "n1")
	cliFails(t, `swarm label changes nodes only, not "pod"`, "label", "pod", "web", "a=b")
	cliFails(t, `node "nope" not found`, "label", "node", "nope", "a=b")
}

func firstKey(m map[string]string) string {
	for k := range m {
		return k
	}
	return ""
}

const toolsOnN2 = `apiVersion: v1
kind: Pod
metadata: {name: tools}
spec:
  nodeName: n2
  containers:
  - {name: tools, image: localhost/tools:1}
`

const logsDaemonSet = `apiVersion: apps/v1
kind: DaemonSet
metadata: {name: logs}
spec:
  selector: {matchLabels: {app: logs}}
  template:
    metadata: {labels: {app: logs}}
    spec:
      containers:
      - {name: shipper, image: localhost/shipper:1}
`

// swarm drain against live agents: refused, as kubectl refuses, for a bare pod and a
// DaemonSet's pods without their flags (the node stays cordoned); a pod that no other
// node can run stays and the drain says why until its timeout; then the Deployment's pods
// leave n2, the DaemonSet's stay, and the node is drained.
func TestDrain(t *testing.T) {
	c := startNodeOpsCluster(t)
	applyText(t, webManifest+"---\n"+toolsOnN2+"---\n"+logsDaemonSet)
	waitFor(t, 15*time.Second, "web's, tools' and logs' pods placed", func() bool {
		return len(placed(t, c, "web-")) == 6 && len(placed(t, c, "tools")) == 1 && len(placed(t, c, "logs-")) == 3
	})
	onN2 := func(prefix string) int {
		n := 0
		for _, node := range placed(t, c, prefix) {
			if node == "n2" {
				n++
			}
		}
		return n
	}
	if onN2("web-") == 0 {
		t.Fatal("no pod of web on n2 to drain")
	}

	out, err := runCLI(t, "drain", "n2")
	if err == nil || !strings.Contains(err.Error(), `unable to drain node "n2": cannot delete Pods that declare no controller (use --force to override): default/tools; cannot delete DaemonSet-managed Pods (use --ignore-daemonsets to ignore): default/logs-`) {
		t.Errorf("drain without flags: %v\n%s", err, out)
	}
	if !strings.HasPrefix(out, "node/n2 cordoned\n") || !nodeJSON(t, "n2").Spec.Unschedulable {
		t.Errorf("a refused drain leaves the node cordoned, as kubectl does: %q", out)
	}
	if _, drained := nodeJSON(t, "n2").Annotations["swarm.podman.io/drain"]; drained {
		t.Error("a refused drain marked the node drained")
	}

	// tools is pinned to n2 by its nodeName: it cannot leave, and the drain says why.
	out, err = runCLI(t, "drain", "n2", "--ignore-daemonsets", "--force", "--timeout", "3s")
	if err == nil || !strings.Contains(err.Error(), `unable to drain node "n2": default/tools still on it`) {
		t.Errorf("drain with a pod that cannot leave: %v\n%s", err, out)
	}
	for _, want := range []string{
		"node/n2 already cordoned\n",
		"Warning: ignoring DaemonSet-managed Pods: default/logs-",
		"evicting pod default/tools\n",
		"pod default/tools cannot leave node n2 yet: node n2 is drained, but the pod cannot leave it: 0/3 nodes are available: 1 node(s) were unschedulable, 2 node(s) didn't match the requested node name.\n",
		"pod/web-",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("drain output lacks %q:\n%s", want, out)
		}
	}
	if onN2("tools") != 1 {
		t.Error("tools left n2, where alone it can run")
	}

	if out, err := runCLI(t, "delete", "pod", "tools"); err != nil {
		t.Fatalf("delete tools: %v\n%s", err, out)
	}
	waitFor(t, 15*time.Second, "tools gone", func() bool { return len(placed(t, c, "tools")) == 0 })
	out, err = runCLI(t, "drain", "n2", "--ignore-daemonsets", "--timeout", "20s")
	if err != nil || !strings.HasSuffix(out, "node/n2 drained\n") {
		t.Errorf("drain: %v\n%s", err, out)
	}
	if n := onN2("web-"); n != 0 {
		t.Errorf("%d pods of web still on n2 after the drain", n)
	}
	if n := len(placed(t, c, "web-")); n != 6 {
		t.Errorf("web has %d pods placed after the drain, want 6", n)
	}
	if onN2("logs-") != 1 {
		t.Error("the DaemonSet's pod left n2")
	}
	waitFor(t, 10*time.Second, "an Evicted event for a pod of web that left n2", func() bool {
		out, err := runCLI(t, "get", "events")
		return err == nil && regexp.MustCompile(`Normal\s+Evicted\s+pod/web-\S+\s+Evicted from node n2, which is drained`).MatchString(out)
	})
	out, err = runCLI(t, "get", "nodes")
	if err != nil || !strings.Contains(strings.Join(strings.Fields(out), " "), "n2 Ready,SchedulingDisabled") {
		t.Errorf("get nodes after the drain: %v\n%s", err, out)
	}
	cli(t, "node/n2 uncordoned\n", "uncordon", "n2")
	if _, drained := nodeJSON(t, "n2").Annotations["swarm.podman.io/drain"]; drained {
		t.Error("uncordon did not end the drain")
	}
	cliFails(t, `node "nope" not found`, "drain", "nope")
}

// swarm logs against live agents (which run no pods): deployment/NAME and -l reach every
// replica, each through the node that runs it, and a bad selector, kind or option is
// refused with one line.
func TestLogsAcrossReplicasAgainstAgents(t *testing.T) {
	c := startNodeOpsCluster(t)
	applyText(t, strings.ReplaceAll(webManifest, "replicas: 6", "replicas: 3"))
	waitFor(t, 15*time.Second, "web's three pods placed", func() bool { return len(placed(t, c, "web-")) == 3 })
	pods := placed(t, c, "web-")
	for _, args := range [][]string{{"logs", "deployment/web"}, {"logs", "-l", "app=web", "--tail", "5", "--since", "1m", "--timestamps"}} {
		out, err := runCLI(t, args...)
		if err == nil || err.Error() != "could not read 3 of 3 logs" {
			t.Errorf("swarm %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		for pod, node := range pods {
			_, name, _ := strings.Cut(pod, "/")
			want := "error: [pod/" + name + "/web] node " + node + " runs no pods (--runtime none), so there are no logs"
			if !strings.Contains(out, want) {
				t.Errorf("swarm %s lacks %q:\n%s", strings.Join(args, " "), want, out)
			}
		}
	}
	cli(t, "No resources found in default namespace.\n", "logs", "-l", "app=nothing")
	cliFails(t, `deployment "nope" not found`, "logs", "deployment/nope")
	cliFails(t, `invalid selector "app in (web"`, "logs", "-l", "app in (web")
	cliFails(t, "only a selector (-l) or a POD name is allowed", "logs", "web", "-l", "app=web")
	cliFails(t, `cannot get the logs of "svc/web"`, "logs", "svc/web")
	cliFails(t, "you are attempting to follow 3 log streams, but maximum allowed concurrency is 2", "logs", "deploy/web", "-f", "--max-log-requests", "2")
	var name string
	for pod := range pods {
		_, name, _ = strings.Cut(pod, "/")
	}
	if err := c.do("GET", "/api/v1/pods/default/"+name+"/logs", map[string][]string{"tailLines": {"-1"}}, "", nil, nil); err == nil ||
		!strings.Contains(err.Error(), `the log options are invalid: tailLines: Invalid value: "-1"`) {
		t.Errorf("tailLines=-1: %v", err)
	}
}
