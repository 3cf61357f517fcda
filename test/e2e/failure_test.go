package e2e

import (
	"fmt"
	"maps"
	"strings"
	"testing"
	"time"
)

// failureManifest is steady (one pod pinned to each node, each behind a NodePort Service of
// its own, 3009K for node K, so that the test can reach node K's pod through any node) and
// roam (three replicas the scheduler may move).
func failureManifest() string {
	out := ""
	for i := 1; i <= nodeCount; i++ {
		out += serverDeployment(fmt.Sprintf("steady-n%d", i), "steady", i, 1) + fmt.Sprintf(`apiVersion: v1
kind: Service
metadata: {name: steady-n%d}
spec:
  type: NodePort
  selector: {app: steady, node: n%d}
  ports: [{port: 80, targetPort: http, nodePort: %d}]
---
`, i, i, 30090+i)
	}
	return out + `apiVersion: apps/v1
kind: Deployment
metadata: {name: roam}
spec:
  replicas: 3
  selector: {matchLabels: {app: roam}}
  template:
    metadata: {labels: {app: roam}}
    spec:
      containers:
        - name: server
          image: localhost/swarm-testserver:latest
          imagePullPolicy: Never
          args: ["--listen", ":8080"]
          ports: [{name: http, containerPort: 8080}]
          readinessProbe: {httpGet: {path: /healthz, port: http}, periodSeconds: 1}
`
}

// placements maps the pods whose name starts with prefix to their node, as node i's API says.
func placements(t *testing.T, i int, prefix string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, p := range getPodsFrom(t, i) {
		if strings.HasPrefix(p.Metadata.Name, prefix) && p.Spec.NodeName != "" {
			out[p.Metadata.Name] = p.Spec.NodeName
		}
	}
	return out
}

// invocations maps each of node i's pod units (swarm-*) to its systemd InvocationID, which
// changes whenever the unit is started again.
func invocations(t *testing.T, i int) map[string]string {
	t.Helper()
	out, err := onNode(i, "sh", "-c", `for u in $(systemctl --user list-units --plain --no-legend --state=active 'swarm-default_*' | cut -d' ' -f1); do echo "$u $(systemctl --user show -p InvocationID --value "$u")"; done`)
	if err != nil {
		t.Fatalf("units of node %d: %v\n%s", i, err, out)
	}
	ids := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		if u, id, ok := strings.Cut(line, " "); ok {
			ids[u] = id
		}
	}
	return ids
}

// runningCopies counts the roam containers running on every node that is up: what runs,
// not what the store says.
func runningCopies(t *testing.T, down int) int {
	t.Helper()
	n := 0
	for i := 1; i <= nodeCount; i++ {
		if i == down {
			continue
		}
		out, err := onNode(i, "podman", "ps", "--filter", "name=swarm-default_roam-", "--format", "{{.Names}}")
		if err != nil {
			t.Fatalf("podman ps on node %d: %v\n%s", i, err, out)
		}
		n += strings.Count(out, "_server\n")
	}
	return n
}

// allReady waits until swarm get nodes, on node i, shows every node Ready.
func allReady(t *testing.T, i int, within time.Duration) {
	t.Helper()
	eventually(t, within, "every node is Ready", func() (bool, string) {
		out, err := swarmCLI(i, "get", "nodes")
		return err == nil && strings.Count(out, " Ready ") == nodeCount, out
	})
}

// exactlyThreeRoam waits until three roam pods run, one container each, and checks that it
// stays so for a few seconds: no stale copy left behind, none missing.
func exactlyThreeRoam(t *testing.T, within time.Duration) {
	t.Helper()
	eventually(t, within, "exactly three roam containers run", func() (bool, string) {
		n := runningCopies(t, 0)
		return n == 3, fmt.Sprintf("%d running", n)
	})
	for range 5 {
		time.Sleep(time.Second)
		if n := runningCopies(t, 0); n != 3 {
			t.Fatalf("%d roam containers run a moment after three did", n)
		}
	}
}

// The agent is not the node: an agent killed and brought back by its packaged unit, or
// stopped for a minute, moves and restarts nothing, and its pods keep answering through the
// other nodes meanwhile; a node cut off for 20 s and healed leaves exactly the desired
// pods; a machine that dies has its pods placed elsewhere within seconds, and when it boots
// again its stale copies stop.
func TestAgentIsNotTheNode(t *testing.T) {
	needRig(t)
	apply(t, failureManifest())
	eventually(t, 3*time.Minute, "the steady and roam pods are ready", func() (bool, string) {
		steady, roam := podIPs(t, "steady-"), podIPs(t, "roam-")
		return len(steady) == nodeCount && len(roam) == 3, fmt.Sprint(steady, roam)
	})
	// Copies of an earlier run's pods, deleted a moment ago, may still be stopping under the
	// same names: the units compared below are those of this run's pods only.
	exactlyThreeRoam(t, time.Minute)
	t.Cleanup(func() {
		for _, args := range [][]string{{"delete", "deployment", "roam"}, {"delete", "deployment", "steady-n1"},
			{"delete", "deployment", "steady-n2"}, {"delete", "deployment", "steady-n3"}} {
			_, _ = swarmCLI(1, args...)
		}
	})

	t.Run("an agent killed and restarted by its unit moves and restarts nothing", func(t *testing.T) {
		before, ids := placements(t, 1, ""), invocations(t, 2)
		restarts := func() string {
			out, _ := onNode(2, "systemctl", "--user", "show", "-p", "NRestarts", "--value", "swarm-agent")
			return strings.TrimSpace(out)
		}
		was := restarts()
		start := time.Now()
		if out, err := onNode(2, "systemctl", "--user", "kill", "-s", "KILL", "swarm-agent"); err != nil {
			t.Fatalf("kill the agent: %v\n%s", err, out)
		}
		// Nothing by hand: the packaged unit's Restart= brings it back after its RestartSec.
		eventually(t, 30*time.Second, "systemd restarted the agent", func() (bool, string) {
			out, _ := onNode(2, "systemctl", "--user", "is-active", "swarm-agent")
			return strings.TrimSpace(out) == "active" && restarts() != was, out + " NRestarts=" + restarts()
		})
		t.Logf("the agent was back %.1fs after the kill", time.Since(start).Seconds())
		allReady(t, 1, 30*time.Second)
		time.Sleep(10 * time.Second) // what a failure detector would have done by now
		if after := placements(t, 1, ""); !maps.Equal(after, before) {
			t.Errorf("pods moved:\nbefore %v\nafter  %v", before, after)
		}
		if after := invocations(t, 2); !maps.Equal(after, ids) {
			t.Errorf("units of node 2 were started again:\nbefore %v\nafter  %v", ids, after)
		}
	})

	t.Run("an agent stopped for a minute moves nothing, its pods answer through the others", func(t *testing.T) {
		before, ids := placements(t, 1, ""), invocations(t, 2)
		if out, err := onNode(2, "systemctl", "--user", "stop", "swarm-agent"); err != nil {
			t.Fatalf("stop the agent: %v\n%s", err, out)
		}
		sawAgentDown := false
		failures, requests := 0, 0
		for end := time.Now().Add(60 * time.Second); time.Now().Before(end); {
			for _, i := range []int{1, 3} {
				requests++
				body, err := fromBridge(fmt.Sprintf("http://%s:30092/", nodeAddr(i)))
				if m := helloAny.FindStringSubmatch(body); err != nil || m == nil || m[2] != "n2" {
					failures++
					t.Logf("node %d's node port 30092: %q %v", i, body, err)
				}
			}
			if out, _ := swarmCLI(1, "get", "nodes"); strings.Contains(out, "AgentDown") {
				sawAgentDown = true
			}
			time.Sleep(500 * time.Millisecond)
		}
		if out, err := onNode(2, "systemctl", "--user", "start", "swarm-agent"); err != nil {
			t.Fatalf("start the agent: %v\n%s", err, out)
		}
		t.Logf("%d requests to node 2's pod through nodes 1 and 3 while its agent was stopped, %d failed", requests, failures)
		if failures > 0 {
			t.Errorf("%d of %d requests failed", failures, requests)
		}
		if !sawAgentDown {
			t.Errorf("swarm get nodes never showed node 2 AgentDown")
		}
		allReady(t, 1, 30*time.Second)
		if after := placements(t, 1, ""); !maps.Equal(after, before) {
			t.Errorf("pods moved:\nbefore %v\nafter  %v", before, after)
		}
		if after := invocations(t, 2); !maps.Equal(after, ids) {
			t.Errorf("units of node 2 were started again:\nbefore %v\nafter  %v", ids, after)
		}
	})

	t.Run("a node cut off for 20 s and healed leaves exactly the desired pods", func(t *testing.T) {
		netns := "swarm-" + nodeName(2)
		if out, err := runIn(netns, "ip", "link", "set", "eth0", "down"); err != nil {
			t.Fatalf("cut node 2: %v\n%s", err, out)
		}
		time.Sleep(20 * time.Second)
		for _, args := range [][]string{{"ip", "link", "set", "eth0", "up"}, {"ip", "route", "replace", "default", "via", "198.18.0.1"}} {
			if out, err := runIn(netns, args...); err != nil {
				t.Fatalf("heal node 2: %v\n%s", err, out)
			}
		}
		allReady(t, 1, 60*time.Second)
		exactlyThreeRoam(t, 60*time.Second)
	})

	t.Run("a machine that dies has its pods placed elsewhere, and stops its copies when back", func(t *testing.T) {
		on3 := 0
		for _, node := range placements(t, 1, "roam-") {
			if node == "n3" {
				on3++
			}
		}
		if on3 == 0 {
			t.Fatalf("no roam pod on n3 to move: %v", placements(t, 1, "roam-"))
		}
		t.Cleanup(func() {
			// Whatever happened, the machine comes back for the tests after this one.
			if _, err := rigCmd("pid", "3"); err != nil {
				if out, err := rigCmd("boot", "3"); err != nil {
					t.Errorf("rig boot 3: %v\n%s", err, out)
				}
			}
		})
		start := time.Now()
		if out, err := rigCmd("kill", "3"); err != nil {
			t.Fatalf("rig kill 3: %v\n%s", err, out)
		}
		eventually(t, 30*time.Second, "no roam pod is placed on n3", func() (bool, string) {
			p := placements(t, 1, "roam-")
			for _, node := range p {
				if node == "n3" {
					return false, fmt.Sprint(p)
				}
			}
			return len(p) == 3, fmt.Sprint(p)
		})
		moved := time.Since(start)
		eventually(t, 60*time.Second, "three roam pods are ready again", func() (bool, string) {
			n := len(podIPs(t, "roam-"))
			if n == 3 {
				return true, ""
			}
			// What the pods are, and what the live nodes' agents said of them, for a pod
			// that never gets ready.
			out, _ := swarmCLI(1, "get", "pods", "-o", "wide")
			for _, i := range []int{1, 2} {
				log, _ := onNode(i, "sh", "-c", "journalctl --user -u swarm-agent --no-pager -o cat | grep 'roam-' | tail -n 25")
				out += fmt.Sprintf("\nn%d's agent on roam's pods:\n%s", i, log)
			}
			return false, fmt.Sprintf("%d ready\n%s", n, out)
		})
		t.Logf("machine n3 died: its roam pods placed elsewhere after %.1fs, ready after %.1fs", moved.Seconds(), time.Since(start).Seconds())
		if moved > 8*time.Second {
			t.Errorf("the pods of the dead machine were placed elsewhere after %s, want <= 8s", moved.Round(100*time.Millisecond))
		}
		if out, err := rigCmd("boot", "3"); err != nil {
			t.Fatalf("rig boot 3: %v\n%s", err, out)
		}
		allReady(t, 1, 90*time.Second)
		exactlyThreeRoam(t, 90*time.Second)
	})
}
