package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestBenchmarkNode measures, on one rig node, how long a pod takes from `swarm apply` until
// its port answers, side by side with a plain `systemctl --user start` of a hand-written
// Quadlet unit for the same image, and how 50 pods on one node start with one daemon-reload
// per batch. It prints the figures and asserts no speed: `make bench-node` runs it.
func TestBenchmarkNode(t *testing.T) {
	needRig(t)
	if os.Getenv("SWARM_E2E_BENCH") == "" {
		t.Skip("a benchmark: run `make bench-node`")
	}
	const runs = 7
	answers := func(port int) bool {
		_, err := fromNode(1, env.swarm, "probe", "tcp", "--host", nodeAddr(1), "--port", fmt.Sprint(port), "--timeout", "200ms")
		return err == nil
	}
	waitAnswer := func(port int, start time.Time) time.Duration {
		for !answers(port) {
			if time.Since(start) > 60*time.Second {
				t.Fatalf("port %d never answered", port)
			}
			time.Sleep(10 * time.Millisecond)
		}
		return time.Since(start)
	}

	// The hand-written unit, started and stopped by hand.
	unit := `[Container]
Image=localhost/swarm-testserver:latest
Pull=never
Exec=--listen :18080
PublishPort=18080:18080
`
	f := filepath.Join(t.TempDir(), "plain.container")
	if err := os.WriteFile(f, []byte(unit), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := onNode(1, "mkdir", "-p", "/home/swarm/.config/containers/systemd"); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if out, err := rigCmd("cp-in", "1", f, "/tmp/plain.container"); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if out, err := rigCmd("cp-in", "1", f, "/home/swarm/.config/containers/systemd/plain.container"); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if out, err := onNode(1, "systemctl", "--user", "daemon-reload"); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	var plain []time.Duration
	plainRetries := 0
	for range runs {
		start := time.Now()
		// A start right after a stop of the same unit sometimes fails (seen on the rig); a person
		// would start it again, and so does the reconciler: count the retry in.
		for {
			out, err := onNode(1, "systemctl", "--user", "start", "plain.service")
			if err == nil {
				break
			}
			if plainRetries++; plainRetries > 5 {
				t.Fatalf("%v\n%s", err, out)
			}
			onNode(1, "systemctl", "--user", "reset-failed", "plain.service")
		}
		plain = append(plain, waitAnswer(18080, start))
		if out, err := onNode(1, "systemctl", "--user", "stop", "plain.service"); err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
		time.Sleep(2 * time.Second)
	}
	onNode(1, "rm", "/home/swarm/.config/containers/systemd/plain.container")
	onNode(1, "systemctl", "--user", "daemon-reload")

	// What a person deploying a new hand-written unit does: write it, daemon-reload, start.
	var plainReload []time.Duration
	for range runs {
		start := time.Now()
		for {
			out, err := onNode(1, "sh", "-c", "cp /tmp/plain.container ~/.config/containers/systemd/ && systemctl --user daemon-reload && systemctl --user start plain.service")
			if err == nil {
				break
			}
			if plainRetries++; plainRetries > 10 {
				t.Fatalf("%v\n%s", err, out)
			}
			onNode(1, "systemctl", "--user", "reset-failed", "plain.service")
		}
		plainReload = append(plainReload, waitAnswer(18080, start))
		if out, err := onNode(1, "sh", "-c", "systemctl --user stop plain.service && rm ~/.config/containers/systemd/plain.container && systemctl --user daemon-reload"); err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
		time.Sleep(2 * time.Second)
	}

	// The same container as a pod, through the cluster: apply on node 1, placed on node 1.
	pod := `apiVersion: v1
kind: Pod
metadata: {name: bench}
spec:
  nodeSelector: {node: n1}
  containers:
    - name: web
      image: localhost/swarm-testserver:latest
      imagePullPolicy: Never
      args: ["--listen", ":18081"]
      ports: [{containerPort: 18081}]
`
	var viaSwarm []time.Duration
	for range runs {
		start := time.Now()
		apply(t, pod)
		viaSwarm = append(viaSwarm, waitAnswer(18081, start))
		if out, err := swarmCLI(1, "delete", "pod", "bench"); err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
		for answers(18081) {
			time.Sleep(50 * time.Millisecond)
		}
		time.Sleep(time.Second)
	}

	// 50 pods on one node.
	before := countLines(t, "systemd reloaded")
	start := time.Now()
	apply(t, fmt.Sprintf(`apiVersion: apps/v1
kind: Deployment
metadata: {name: many}
spec:
  replicas: 50
  selector: {matchLabels: {app: many}}
  template:
    metadata: {labels: {app: many}}
    spec:
      nodeSelector: {node: n1}
      containers:
        - name: web
          image: localhost/swarm-testserver:latest
          imagePullPolicy: Never
`))
	eventually(t, 10*time.Minute, "50 pods run", func() (bool, string) {
		running := 0
		for _, p := range getPods(t) {
			if strings.HasPrefix(p.Metadata.Name, "many-") && p.Status.Phase == "Running" {
				running++
			}
		}
		return running == 50, fmt.Sprint(running, " running")
	})
	fifty := time.Since(start)
	reloads := countLines(t, "systemd reloaded") - before
	start = time.Now()
	if out, err := swarmCLI(1, "delete", "deployment", "many"); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	eventually(t, 10*time.Minute, "the 50 pods are gone", func() (bool, string) {
		files := unitFiles(t, 1)
		n := 0
		for _, f := range files {
			if strings.Contains(f, "_many-") {
				n++
			}
		}
		return n == 0, fmt.Sprint(n, " unit files left")
	})
	gone := time.Since(start)

	fmt.Printf("\n### One rig node (%s)\n\n", time.Now().UTC().Format("2006-01-02"))
	fmt.Printf("| what | runs | median | worst |\n|---|---|---|---|\n")
	fmt.Printf("| `systemctl --user start` of a hand-written .container until its port answers | %d | %s | %s |\n", runs, median(plain), slices.Max(plain).Round(time.Millisecond))
	fmt.Printf("| write the hand-written unit, `daemon-reload`, `start`, until its port answers | %d | %s | %s |\n", runs, median(plainReload), slices.Max(plainReload).Round(time.Millisecond))
	fmt.Printf("| `swarm apply` of the same container as a pod until its port answers | %d | %s | %s |\n", runs, median(viaSwarm), slices.Max(viaSwarm).Round(time.Millisecond))
	fmt.Printf("\nRatio of medians, swarm to plain start: %.2f; to write + reload + start: %.2f (plain starts that failed and were retried: %d)\n\n",
		float64(medianD(viaSwarm))/float64(medianD(plain)), float64(medianD(viaSwarm))/float64(medianD(plainReload)), plainRetries)
	fmt.Printf("| 50 pods on one node | time | daemon-reloads |\n|---|---|---|\n")
	fmt.Printf("| apply until all Running | %s | %d |\n", fifty.Round(100*time.Millisecond), reloads)
	fmt.Printf("| delete until all unit files gone | %s | |\n\n", gone.Round(100*time.Millisecond))
}

func medianD(d []time.Duration) time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	return s[len(s)/2]
}

func median(d []time.Duration) string { return medianD(d).Round(time.Millisecond).String() }

// countLines counts the agent's log lines on node 1 that contain s.
func countLines(t *testing.T, s string) int {
	out, err := onNode(1, "journalctl", "--user", "-u", "swarm-agent", "--no-pager", "-o", "cat")
	if err != nil {
		t.Fatalf("journal: %v", err)
	}
	return strings.Count(out, s)
}
