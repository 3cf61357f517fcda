package kubectl_test

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/podman-swarm/podman-swarm/api"
)

// kubectl scale, wait, rollout status, restart, pause and resume, set image; rollout undo
// and history, which read the ReplicaSets (the tests below test them in full).
func TestWriteScaleAndRollout(t *testing.T) {
	c := startCluster(t, 1)
	w := c.nodes[0]
	// Replicas the configuration leaves to the scale.
	noReplicas := strings.Replace(webYAML, "  replicas: 2\n", "", 1)
	w.must(noReplicas, "apply", "-f", "-")
	ready := func(n int) {
		t.Helper()
		eventually(t, 20*time.Second, "the pods placed and ready", func() bool {
			if c.reportReady("web-") != n {
				return false
			}
			var d struct {
				Status struct{ Replicas, UpdatedReplicas, AvailableReplicas int }
			}
			out, _, err := w.kubectl("", "get", "deployment", "web", "-o", "json")
			return err == nil && json.Unmarshal([]byte(out), &d) == nil && d.Status.Replicas == n &&
				d.Status.UpdatedReplicas == n && d.Status.AvailableReplicas == n
		})
	}
	ready(1)
	if out := w.must("", "wait", "--for=condition=Available", "deployment/web", "--timeout=30s"); out != "deployment.apps/web condition met\n" {
		t.Errorf("wait: %q", out)
	}
	if out := w.must("", "rollout", "status", "deployment/web", "--timeout=30s"); out != `deployment "web" successfully rolled out`+"\n" {
		t.Errorf("rollout status: %q", out)
	}
	if out := w.must("", "scale", "deployment/web", "--replicas=3"); out != "deployment.apps/web scaled\n" {
		t.Errorf("scale: %q", out)
	}
	if _, errOut, err := w.kubectl("", "scale", "deployment/web", "--replicas=1", "--current-replicas=2"); err == nil ||
		!strings.Contains(errOut, "Expected replicas to be 2, was 3") {
		t.Errorf("scale with the wrong current replicas: %v %s", err, errOut)
	}
	ready(3)
	if out := w.must("", "rollout", "status", "deployment/web", "--timeout=30s"); !strings.Contains(out, "successfully rolled out") {
		t.Errorf("rollout status after the scale: %q", out)
	}
	// An apply of the configuration, which does not set replicas, keeps the scale's.
	if out := w.must(noReplicas, "apply", "-f", "-"); out != "deployment.apps/web unchanged\n" {
		t.Errorf("apply after the scale: %q", out)
	}
	if out := w.must("", "get", "deployment", "web", "-o", "jsonpath={.spec.replicas}"); out != "3" {
		t.Errorf("replicas after an apply without them: %q", out)
	}

	if out := w.must("", "rollout", "restart", "deployment/web"); out != "deployment.apps/web restarted\n" {
		t.Errorf("restart: %q", out)
	}
	if out := w.must("", "get", "deployment", "web", "-o", `jsonpath={.spec.template.metadata.annotations.kubectl\.kubernetes\.io/restartedAt}`); out == "" {
		t.Error("no restartedAt in the template")
	}
	w.must("", "rollout", "pause", "deployment/web")
	if out := w.must("", "get", "deployment", "web", "-o", "jsonpath={.spec.paused}"); out != "true" {
		t.Errorf("paused: %q", out)
	}
	w.must("", "rollout", "resume", "deployment/web")
	if out := w.must("", "set", "image", "deployment/web", "web=localhost/web:2"); out != "deployment.apps/web image updated\n" {
		t.Errorf("set image: %q", out)
	}
	eventually(t, 30*time.Second, "the new template's pods rolled out", func() bool {
		c.reportReady("web-")
		out, _, err := w.kubectl("", "rollout", "status", "deployment/web", "--timeout=1s")
		return err == nil && strings.Contains(out, "successfully rolled out")
	})
	if out := w.must("", "rollout", "undo", "deployment/web"); out != "deployment.apps/web rolled back\n" {
		t.Errorf("rollout undo: %q", out)
	}
	eventually(t, 10*time.Second, "the undone template back as the newest revision", func() bool {
		out, _, err := w.kubectl("", "rollout", "history", "deployment/web")
		return err == nil && strings.HasPrefix(out, "deployment.apps/web \nREVISION  CHANGE-CAUSE\n1 ") && strings.HasSuffix(out, "\n4         <none>\n\n")
	})
}

// rolloutManifest is a Deployment of two replicas, its first template's change-cause said.
const rolloutManifest = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: {app: web}
  annotations: {kubernetes.io/change-cause: first}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - {name: web, image: localhost/web:1}
`

// threeRevisions applies the Deployment and changes its image twice, the last time with
// a change-cause of its own, and waits until kubectl's history lists the three revisions.
func threeRevisions(c *cluster) {
	c.t.Helper()
	c.apply(rolloutManifest)
	c.waitHistory("1")
	c.mustRun("annotate", "deployment", "web", "kubernetes.io/change-cause-")
	c.mustRun("set", "image", "deployment/web", "web=localhost/web:2")
	c.waitHistory("1", "2")
	c.mustRun("annotate", "deployment", "web", "kubernetes.io/change-cause=image 3")
	c.mustRun("set", "image", "deployment/web", "web=localhost/web:3")
	c.waitHistory("1", "2", "3")
}

// waitHistory waits until kubectl rollout history lists the revisions, and no other.
func (c *cluster) waitHistory(revisions ...string) string {
	c.t.Helper()
	var out string
	eventually(c.t, 10*time.Second, "kubectl rollout history lists revisions "+strings.Join(revisions, ", "), func() bool {
		out, _, _ = c.run("rollout", "history", "deployment/web")
		return strings.Join(historyRevisions(out), " ") == strings.Join(revisions, " ")
	})
	return out
}

// historyRevisions are the revision numbers kubectl rollout history printed.
func historyRevisions(out string) []string {
	var revs []string
	for _, m := range regexp.MustCompile(`(?m)^(\d+) +`).FindAllStringSubmatch(out, -1) {
		revs = append(revs, m[1])
	}
	return revs
}

// projectRevisions are the numbers of the Deployment's revisions as the project's own API
// (swarm rollout history) lists them, and the current one.
func (c *cluster) projectRevisions(i int) (numbers []string, current string) {
	c.t.Helper()
	var l api.RevisionList
	code, data := c.nodes[i].do("GET", "/api/v1/deployments/default/web/revisions", "", "")
	if err := json.Unmarshal(data, &l); code != 200 || err != nil {
		c.t.Fatalf("revisions: HTTP %d %v\n%s", code, err, data)
	}
	for _, r := range l.Items {
		numbers = append(numbers, fmt.Sprint(r.Number))
		if r.Current {
			current = fmt.Sprint(r.Number)
		}
	}
	return numbers, current
}

// kubectl rollout history lists a Deployment's revisions with their change-causes, read
// from its ReplicaSets, and --revision shows one's pod template.
func TestRolloutHistory(t *testing.T) {
	c := startCluster(t, 1)
	threeRevisions(c)
	want := "deployment.apps/web \nREVISION  CHANGE-CAUSE\n1         first\n2         <none>\n3         image 3\n\n"
	if out := c.mustRun("rollout", "history", "deployment/web"); out != want {
		t.Errorf("history:\n%q\nwant\n%q", out, want)
	}
	out := c.mustRun("rollout", "history", "deployment/web", "--revision=2")
	for _, re := range []string{`^deployment.apps/web with revision #2\nPod Template:\n`, `(?m)^  Labels:\s+app=web$`, `(?m)^\s+pod-template-hash=\w+$`,
		`(?m)^    Image:\s+localhost/web:2$`} {
		if !regexp.MustCompile(re).MatchString(out) {
			t.Errorf("history --revision=2 has no %s:\n%s", re, out)
		}
	}
	if out := c.mustRun("rollout", "history", "deployment/web", "--revision=3"); !regexp.MustCompile(`(?m)^  Annotations:\s+kubernetes.io/change-cause: image 3$`).MatchString(out) {
		t.Errorf("history --revision=3 has no change-cause:\n%s", out)
	}
	c.mustFail(c.config, "unable to find the specified revision", "rollout", "history", "deployment/web", "--revision=9")
	if numbers, current := c.projectRevisions(0); strings.Join(numbers, " ") != "1 2 3" || current != "3" {
		t.Errorf("the project's revisions: %v, current %s", numbers, current)
	}
}

// kubectl rollout undo puts the previous revision's template back, or --to-revision's,
// as swarm rollout undo does: the template comes back as the newest revision, numbered
// as the project numbers it, with its change-cause; a revision that is the current
// template already is skipped, one not kept is an error.
func TestRolloutUndo(t *testing.T) {
	c := startCluster(t, 1)
	threeRevisions(c)
	if out := c.mustRun("rollout", "undo", "deployment/web"); out != "deployment.apps/web rolled back\n" {
		t.Errorf("undo: %q", out)
	}
	out := c.waitHistory("1", "3", "4")
	if !regexp.MustCompile(`(?m)^3 +image 3\n4 +<none>$`).MatchString(out) {
		t.Errorf("history after the undo:\n%s", out)
	}
	image := func() string {
		return c.mustRun("get", "deployment", "web", "-o", `jsonpath={.spec.template.spec.containers[0].image} {.metadata.annotations.deployment\.kubernetes\.io/revision}`)
	}
	if got := image(); got != "localhost/web:2 4" {
		t.Errorf("after the undo: %q", got)
	}
	if out := c.mustRun("rollout", "undo", "deployment/web", "--to-revision=1"); out != "deployment.apps/web rolled back\n" {
		t.Errorf("undo --to-revision=1: %q", out)
	}
	out = c.waitHistory("3", "4", "5")
	if !regexp.MustCompile(`(?m)^5 +first$`).MatchString(out) {
		t.Errorf("history after the undo to revision 1:\n%s", out)
	}
	if got := image(); got != "localhost/web:1 5" {
		t.Errorf("after the undo to revision 1: %q", got)
	}
	if numbers, current := c.projectRevisions(0); strings.Join(numbers, " ") != "3 4 5" || current != "5" {
		t.Errorf("the project's revisions: %v, current %s", numbers, current)
	}
	if out := c.mustRun("rollout", "undo", "deployment/web", "--to-revision=5"); out != "deployment.apps/web skipped rollback (current template already matches revision 5)\n" {
		t.Errorf("undo to the current revision: %q", out)
	}
	c.mustFail(c.config, "unable to find specified revision 9 in history", "rollout", "undo", "deployment/web", "--to-revision=9")
	// The annotations kubectl writes back: the change-cause of the revision, what kubectl
	// last applied kept.
	if out := c.mustRun("get", "deployment", "web", "-o", "jsonpath={.metadata.annotations}"); !strings.Contains(out, `"kubernetes.io/change-cause":"first"`) ||
		!strings.Contains(out, `"deployment.kubernetes.io/revision":"5"`) {
		t.Errorf("annotations: %s", out)
	}
}

// kubectl get rs lists the revisions' ReplicaSets and watches them; describe deployment
// shows the new and the old ones, describe rs and describe pod who controls whom; a
// ReplicaSet cannot be written. Every node shows the same ReplicaSets, and a rollback
// through another node works the same.
func TestRolloutReplicaSets(t *testing.T) {
	c := startCluster(t, 2)
	c.apply(rolloutManifest)
	c.waitHistory("1")
	watch := c.start("get", "rs", "-w", "--no-headers")
	first := strings.Fields(watch.waitFor("web-", " 2 "))[0]
	c.mustRun("set", "image", "deployment/web", "web=localhost/web:2")
	second := first
	for second == first {
		// The first one's changes come too, as its pods are placed and replaced.
		second = strings.Fields(watch.waitFor("web-", " 2 "))[0]
	}
	c.waitHistory("1", "2")
	out := c.mustRun("get", "rs", "-o", "wide")
	for _, re := range []string{`^NAME +DESIRED +CURRENT +READY +AGE +CONTAINERS +IMAGES +SELECTOR\n`,
		`(?m)^` + first + ` +\d +\d +0 +\S+ +web +localhost/web:1 +app=web,pod-template-hash=\w+$`,
		`(?m)^` + second + ` +2 +\d +0 +\S+ +web +localhost/web:2 +app=web,pod-template-hash=\w+$`} {
		if !regexp.MustCompile(re).MatchString(out) {
			t.Errorf("get rs -o wide has no %s:\n%s", re, out)
		}
	}
	eventually(t, 10*time.Second, "describe deployment shows the new and the old ReplicaSet", func() bool {
		out = c.mustRun("describe", "deployment", "web")
		return regexp.MustCompile(`(?m)^NewReplicaSet:\s+`+second+` \(\d/2 replicas created\)$`).MatchString(out) &&
			regexp.MustCompile(`(?m)^OldReplicaSets:\s+`+first+` \(\d/\d replicas created\)$`).MatchString(out)
	})
	out = c.mustRun("describe", "rs", second)
	for _, re := range []string{`(?m)^Controlled By:\s+Deployment/web$`, `(?m)^Annotations:\s+deployment.kubernetes.io/revision: 2$`,
		`(?m)^Replicas:\s+\d current / 2 desired$`, `(?m)^Pods Status:\s+0 Running / [12] Waiting / 0 Succeeded / 0 Failed$`} {
		if !regexp.MustCompile(re).MatchString(out) {
			t.Errorf("describe rs has no %s:\n%s", re, out)
		}
	}
	pods := c.mustRun("get", "pods", "-l", "pod-template-hash="+strings.TrimPrefix(second, "web-"), "-o", "name")
	if pod := strings.Fields(pods); len(pod) == 0 {
		t.Errorf("no pod of %s", second)
	} else if out := c.mustRun("describe", pod[0]); !regexp.MustCompile(`(?m)^Controlled By:\s+ReplicaSet/` + second + `$`).MatchString(out) {
		t.Errorf("describe %s:\n%s", pod[0], out)
	}
	c.mustFail(c.config, `Error from server (MethodNotAllowed): delete is not supported on resources of kind "replicasets.apps": the ReplicaSets are made of the revisions each Deployment keeps`,
		"delete", "rs", first)

	// The second node: the same ReplicaSets, and kubectl rollout undo through it.
	other := c.nodes[1].kubeconfig
	uids := func(config string) string {
		out, errOut, err := c.runWith(config, "get", "rs", "-o", "jsonpath={range .items[*]}{.metadata.name}={.metadata.uid} {end}")
		if err != nil {
			t.Fatalf("get rs: %v %s", err, errOut)
		}
		return out
	}
	eventually(t, 10*time.Second, "the second node shows the same ReplicaSets", func() bool { return uids(other) == uids(c.config) })
	if out, errOut, err := c.runWith(other, "rollout", "undo", "deployment/web"); err != nil || out != "deployment.apps/web rolled back\n" {
		t.Fatalf("undo through the second node: %v %s%s", err, out, errOut)
	}
	c.waitHistory("2", "3")
	if numbers, current := c.projectRevisions(1); strings.Join(numbers, " ") != "2 3" || current != "3" {
		t.Errorf("the second node's revisions: %v, current %s", numbers, current)
	}
	if out := c.mustRun("get", "deployment", "web", "-o", "jsonpath={.spec.template.spec.containers[0].image}"); out != "localhost/web:1" {
		t.Errorf("image after the undo through the second node: %q", out)
	}
}
