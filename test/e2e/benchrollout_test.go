package e2e

import (
	"fmt"
	"net/http"
	"os"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestBenchmarkRollout measures, on the rig: a 3-replica rolling update (apply until
// swarm rollout status is done), a rollback (apply of an image that does not exist until
// the Deployment is back on its previous template with all its pods ready; its progress
// deadline, 20 s, is part of that time), and apply until the first pod answers on a node
// that has no pause image, beside the same on that node once it has one. It prints the
// figures and asserts no speed: `make bench-rollout` runs it.
func TestBenchmarkRollout(t *testing.T) {
	needRig(t)
	if os.Getenv("SWARM_E2E_BENCH") == "" {
		t.Skip("a benchmark: run `make bench-rollout`")
	}
	dialer, stopDialer, err := newNetnsDialer("swarm-br", 2)
	if err != nil {
		t.Fatal(err)
	}
	defer stopDialer()
	client := &http.Client{Timeout: time.Second, Transport: &http.Transport{DialContext: dialer.DialContext, DisableKeepAlives: true}}

	// First: the fresh node, before the scene puts pods on it. Twice: on a rig just booted
	// the node never built its pause image; the second time it is removed.
	const fresh = 3
	var freshFirst, warmFirst []time.Duration
	var pauseImages []string
	for range 2 {
		took, images := firstPodOnNode(t, client, fresh, true)
		freshFirst, pauseImages = append(freshFirst, took), append(pauseImages, images)
		took, _ = firstPodOnNode(t, client, fresh, false)
		warmFirst = append(warmFirst, took)
	}

	rollScene(t)
	var updates, rollbacks []time.Duration
	round := 0
	for range 5 {
		round++
		start := time.Now()
		apply(t, rollManifest(3, round, "latest"))
		if out, err := rolloutStatus(3 * time.Minute); err != nil {
			t.Fatalf("swarm rollout status: %v\n%s", err, out)
		}
		updates = append(updates, time.Since(start))
		waitRoll(t, 30*time.Second, 3, fmt.Sprintf("latest/%d", round))
	}
	previous := fmt.Sprintf("latest/%d", round)
	backOnPrevious := func() (bool, string) {
		template, _ := rollTemplate(t)
		if template != previous {
			return false, template
		}
		ready := 0
		pods := rollPods(t)
		for _, p := range pods {
			if p.ready() && p.template() == previous {
				ready++
			}
		}
		return ready == 3 && len(pods) == 3, fmt.Sprint(ready, " ready of ", len(pods))
	}
	noRollback := 0
	for range 3 {
		start := time.Now()
		apply(t, rollManifest(3, round, "missing"))
		if !within(90*time.Second, backOnPrevious) {
			// Still on the missing image: put the previous template back by hand, so that
			// the next run starts from it, and say so beside the figures.
			noRollback++
			apply(t, rollManifest(3, round, "latest"))
			waitRoll(t, 3*time.Minute, 3, previous)
			continue
		}
		rollbacks = append(rollbacks, time.Since(start))
	}

	span := func(d []time.Duration) string {
		if len(d) == 0 {
			return "- | - | -"
		}
		return fmt.Sprintf("%s | %s | %s", median(d), slices.Min(d).Round(time.Millisecond), slices.Max(d).Round(time.Millisecond))
	}
	fmt.Printf("\n### Rollouts on the rig (%s)\n\n", time.Now().UTC().Format("2006-01-02"))
	fmt.Printf("| what | runs | median | best | worst |\n|---|---|---|---|---|\n")
	fmt.Printf("| rolling update of 3 replicas (maxSurge 1, maxUnavailable 0): apply until `swarm rollout status` is done | %d | %s |\n", len(updates), span(updates))
	fmt.Printf("| rollback: apply of a missing image until back on the previous template, 3 pods ready (progressDeadlineSeconds 20, included) | %d | %s |\n", len(rollbacks), span(rollbacks))
	if noRollback > 0 {
		fmt.Printf("| rollouts to a missing image not rolled back within 90 s | %d | | | |\n", noRollback)
	}
	fmt.Printf("| apply until the first pod answers, node n%d without a pause image (agent restarted, node Ready) | %d | %s |\n", fresh, len(freshFirst), span(freshFirst))
	fmt.Printf("| apply until the first pod answers, same node with its pause image | %d | %s |\n", len(warmFirst), span(warmFirst))
	fmt.Printf("\nPause images on n%d around each fresh start: %s\n\n", fresh, strings.Join(pauseImages, " | "))
}

// firstPodOnNode applies a one-pod Deployment pinned to node i and times it until the
// pod answers on its hostPort, then deletes it and waits until the node runs no pod. With
// fresh, it first makes the node one that never had podman's pause image: with no pod on
// the node, the swarm user's localhost/podman-pause images are removed and the agent is
// restarted (as on a node that just joined), and the node is Ready again before the apply.
// It returns the time and what became of the node's pause images.
func firstPodOnNode(t *testing.T, client *http.Client, i int, fresh bool) (time.Duration, string) {
	t.Helper()
	noPods := func() {
		eventually(t, 2*time.Minute, fmt.Sprintf("node %d runs no pod", i), func() (bool, string) {
			out, err := onNode(i, "podman", "pod", "ps", "-q")
			return err == nil && strings.TrimSpace(out) == "", out
		})
	}
	pauseImages := func() string {
		out, err := onNode(i, "podman", "images", "--format", "{{.Repository}}:{{.Tag}}", "--filter", "reference=localhost/podman-pause")
		if err != nil {
			t.Fatalf("podman images on node %d: %v\n%s", i, err, out)
		}
		return strings.Join(strings.Fields(out), " ")
	}
	before := "none"
	if fresh {
		noPods()
		if images := pauseImages(); images != "" {
			before = images + " (removed)"
			if out, err := onNode(i, append([]string{"podman", "rmi", "--force"}, strings.Fields(images)...)...); err != nil {
				t.Fatalf("remove the pause images on node %d: %v\n%s", i, err, out)
			}
		}
		if images := pauseImages(); images != "" {
			t.Fatalf("node %d still has %s", i, images)
		}
		if out, err := onNode(i, "systemctl", "--user", "restart", "swarm-agent"); err != nil {
			t.Fatalf("restart the agent on node %d: %v\n%s", i, err, out)
		}
		eventually(t, time.Minute, "every node is Ready", func() (bool, string) {
			out, err := swarmCLI(1, "get", "nodes")
			return err == nil && strings.Count(out, " Ready ") == nodeCount, out
		})
	}
	const port = 18093
	manifest := fmt.Sprintf(`apiVersion: apps/v1
kind: Deployment
metadata: {name: first}
spec:
  replicas: 1
  selector: {matchLabels: {app: first}}
  template:
    metadata: {labels: {app: first}}
    spec:
      nodeSelector: {node: %s}
      containers:
        - name: server
          image: localhost/swarm-testserver:latest
          imagePullPolicy: Never
          args: ["--listen", ":%d"]
          ports: [{containerPort: %d, hostPort: %d}]
`, nodeName(i), port, port, port)
	u := fmt.Sprintf("http://%s:%d/", nodeAddr(i), port)
	start := time.Now()
	apply(t, manifest)
	for {
		resp, err := client.Get(u)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
		if time.Since(start) > 5*time.Minute {
			t.Fatalf("the pod on node %d never answered at %s", i, u)
		}
		time.Sleep(50 * time.Millisecond)
	}
	took := time.Since(start)
	if out, err := swarmCLI(1, "delete", "deployment", "first"); err != nil {
		t.Fatalf("delete deployment first: %v\n%s", err, out)
	}
	noPods()
	return took, fmt.Sprintf("before: %s; after: %s", before, pauseImages())
}

// within is eventually's question without failing the test: whether cond held before d.
func within(d time.Duration, cond func() (bool, string)) bool {
	for deadline := time.Now().Add(d); ; {
		if ok, _ := cond(); ok {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(300 * time.Millisecond)
	}
}
