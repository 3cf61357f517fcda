package e2e

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// dayTwoManifest is a small Deployment of the test server for the day-two commands.
func dayTwoManifest() string {
	return `apiVersion: apps/v1
kind: Deployment
metadata: {name: daytwo}
spec:
  replicas: 2
  strategy: {type: RollingUpdate, rollingUpdate: {maxSurge: 1, maxUnavailable: 0}}
  selector: {matchLabels: {app: daytwo}}
  template:
    metadata: {labels: {app: daytwo}}
    spec:
      containers:
        - name: server
          image: localhost/swarm-testserver:latest
          imagePullPolicy: Never
          args: ["--listen", ":8080"]
          ports: [{name: http, containerPort: 8080}]
          readinessProbe: {httpGet: {path: /ready, port: http}, periodSeconds: 1, failureThreshold: 1}
`
}

// TestRolloutCommands runs the day-two rollout commands on the rig, each from another
// node: a restart replaces every pod and is a new revision; a paused Deployment does not
// roll out a restart until it is resumed; history lists the revisions and undo goes back;
// each step is among the Deployment's events.
func TestRolloutCommands(t *testing.T) {
	needRig(t)
	apply(t, dayTwoManifest())
	defer func() { _, _ = swarmCLI(1, "delete", "deployment", "daytwo") }()
	status := func(i int) {
		t.Helper()
		if out, err := swarmCLI(i, "rollout", "status", "deployment/daytwo", "--timeout", "3m"); err != nil {
			t.Fatalf("swarm rollout status from n%d: %v\n%s", i, err, out)
		}
	}
	pods := func() string {
		out, _ := swarmCLI(1, "get", "pods")
		var names []string
		for _, line := range strings.Split(out, "\n") {
			if f := strings.Fields(line); len(f) > 0 && strings.HasPrefix(f[0], "daytwo-") {
				names = append(names, f[0])
			}
		}
		return strings.Join(names, " ")
	}
	status(1)
	before := pods()

	if out, err := swarmCLI(2, "rollout", "restart", "deployment/daytwo"); err != nil || !strings.Contains(out, "deployment.apps/daytwo restarted") {
		t.Fatalf("swarm rollout restart: %v\n%s", err, out)
	}
	status(3)
	eventually(t, time.Minute, "every pod replaced by the restart", func() (bool, string) {
		now := pods()
		for _, p := range strings.Fields(now) {
			if strings.Contains(before, p) {
				return false, now
			}
		}
		return len(strings.Fields(now)) == 2, now
	})

	if out, err := swarmCLI(1, "rollout", "pause", "deployment/daytwo"); err != nil {
		t.Fatalf("swarm rollout pause: %v\n%s", err, out)
	}
	if out, err := swarmCLI(2, "rollout", "restart", "deployment/daytwo"); err == nil || !strings.Contains(out, "is paused") {
		t.Errorf("swarm rollout restart of a paused deployment: %v\n%s", err, out)
	}
	paused := pods()
	if out, err := swarmCLI(2, "set", "image", "deployment/daytwo", "server=localhost/swarm-testserver:missing"); err != nil {
		t.Fatalf("swarm set image: %v\n%s", err, out)
	}
	eventually(t, time.Minute, "the paused revision among the events", func() (bool, string) {
		out, _ := swarmCLI(3, "get", "events")
		return strings.Contains(out, "waits: the Deployment is paused"), out
	})
	if now := pods(); now != paused {
		t.Fatalf("a paused deployment rolled out: pods %s, were %s", now, paused)
	}
	if out, err := swarmCLI(3, "rollout", "undo", "deployment/daytwo"); err != nil || !strings.Contains(out, "rolled back") {
		t.Fatalf("swarm rollout undo: %v\n%s", err, out)
	}
	if out, err := swarmCLI(1, "rollout", "resume", "deployment/daytwo"); err != nil {
		t.Fatalf("swarm rollout resume: %v\n%s", err, out)
	}
	status(2)

	out, err := swarmCLI(1, "rollout", "history", "deployment/daytwo")
	if err != nil || !strings.HasPrefix(out, "deployment.apps/daytwo\nREVISION  CHANGE-CAUSE\n") || strings.Count(out, "\n") < 4 {
		t.Errorf("swarm rollout history: %v\n%s", err, out)
	}
	// The leader records events as it goes, and they reach node 2 by gossip: the last one
	// may come a moment after the rollout status that saw the rollout end.
	eventually(t, 30*time.Second, "every step's event in swarm describe deployment daytwo on n2", func() (bool, string) {
		events, _ := swarmCLI(2, "describe", "deployment", "daytwo")
		for _, want := range []string{"RolloutStarted", "RolloutComplete", "DeploymentPaused", "DeploymentResumed"} {
			if !strings.Contains(events, want) {
				return false, "no " + want + ":\n" + events
			}
		}
		return true, ""
	})
	t.Log(fmt.Sprintf("history:\n%s", out))
}
