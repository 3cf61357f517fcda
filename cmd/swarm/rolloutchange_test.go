package main

import (
	"bytes"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"

	"github.com/podman-swarm/podman-swarm/api"
)

// revisionsOf lists a Deployment's revisions as the agent has them.
func revisionsOf(t *testing.T, c *client, name string) []api.Revision {
	t.Helper()
	var l api.RevisionList
	if err := c.do("GET", revisionsPath("default", name), nil, "", nil, &l); err != nil {
		t.Fatal(err)
	}
	return l.Items
}

func deploymentOf(t *testing.T, c *client, name string) appsv1.Deployment {
	t.Helper()
	var d appsv1.Deployment
	if err := getWorkload(c, "deployments", "default", name, &d); err != nil {
		t.Fatal(err)
	}
	return d
}

// Against a live agent: set image makes a revision, history lists them, undo goes back
// (to the previous revision, or to --to-revision), restart sets restartedAt, pause and
// resume set spec.paused, each printing kubectl's line, and the refusals are kubectl's.
func TestRolloutCommandsAgainstAnAgent(t *testing.T) {
	c := startAgent(t)
	if err := runApply(c, "../../contrib/examples/web.yaml", false, nil, &bytes.Buffer{}); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "revision 1", func() bool { return len(revisionsOf(t, c, "web")) == 1 })

	var out bytes.Buffer
	if err := runSetImage(c, "default", "deployment/web", []string{"web=localhost/web:2"}, &out); err != nil || out.String() != "deployment.apps/web image updated\n" {
		t.Fatalf("set image: %v %q", err, out.String())
	}
	if img := deploymentOf(t, c, "web").Spec.Template.Spec.Containers[0].Image; img != "localhost/web:2" {
		t.Errorf("image after set image: %q", img)
	}
	out.Reset()
	if err := runSetImage(c, "default", "deployment/web", []string{"web=localhost/web:2"}, &out); err != nil || out.String() != "deployment.apps/web unchanged\n" {
		t.Errorf("set image again: %v %q", err, out.String())
	}
	if err := runSetImage(c, "default", "deployment/web", []string{"nope=x:1"}, &out); err == nil || err.Error() != `unable to find container named "nope"` {
		t.Errorf("unknown container: %v", err)
	}
	if err := runSetImage(c, "default", "deployment/web", []string{"web"}, &out); err == nil || !strings.Contains(err.Error(), "want CONTAINER=IMAGE") {
		t.Errorf("no image: %v", err)
	}
	waitUntil(t, "revision 2", func() bool { return len(revisionsOf(t, c, "web")) == 2 })

	out.Reset()
	if err := runRolloutHistory(c, "default", "deployment/web", 0, &out); err != nil {
		t.Fatal(err)
	}
	if want := "deployment.apps/web\nREVISION  CHANGE-CAUSE\n1         <none>\n2         <none>\n"; out.String() != want {
		t.Errorf("history:\n%s\nwant:\n%s", out.String(), want)
	}
	out.Reset()
	if err := runRolloutHistory(c, "default", "deploy/web", 1, &out); err != nil || !strings.HasPrefix(out.String(), "deployment.apps/web with revision #1\nPod Template:\n") ||
		!strings.Contains(out.String(), "image: localhost/swarm-testserver:latest") {
		t.Errorf("history --revision 1: %v\n%s", err, out.String())
	}
	if err := runRolloutHistory(c, "default", "deployment/web", 9, &out); err == nil || err.Error() != "unable to find the specified revision 9" {
		t.Errorf("history --revision 9: %v", err)
	}

	out.Reset()
	if err := runRolloutUndo(c, "default", "deployment/web", 0, &out); err != nil || out.String() != "deployment.apps/web rolled back\n" {
		t.Fatalf("undo: %v %q", err, out.String())
	}
	if img := deploymentOf(t, c, "web").Spec.Template.Spec.Containers[0].Image; img != "localhost/swarm-testserver:latest" {
		t.Errorf("image after undo: %q", img)
	}
	// The template put back is renumbered as the newest revision, as Kubernetes does.
	waitUntil(t, "revision 3", func() bool {
		revs := revisionsOf(t, c, "web")
		return len(revs) == 2 && revs[1].Number == 3 && revs[1].Current
	})
	out.Reset()
	if err := runRolloutUndo(c, "default", "deployment/web", 3, &out); err != nil || out.String() != "deployment.apps/web skipped rollback (current template already matches revision 3)\n" {
		t.Errorf("undo to the current revision: %v %q", err, out.String())
	}
	if err := runRolloutUndo(c, "default", "deployment/web", 7, &out); err == nil || !strings.Contains(err.Error(), "unable to find specified revision 7 in history") {
		t.Errorf("undo to a revision that is not there: %v", err)
	}
	if err := runRolloutUndo(c, "default", "statefulset/db", 0, &out); err == nil || !strings.Contains(err.Error(), "only Deployments keep a revision history") {
		t.Errorf("undo of a statefulset: %v", err)
	}
	if err := runRolloutUndo(c, "default", "deployment/nope", 0, &out); err == nil || !strings.Contains(err.Error(), `deployments.apps "nope" not found`) {
		t.Errorf("undo of a missing deployment: %v", err)
	}

	out.Reset()
	at := time.Date(2026, 12, 5, 9, 0, 0, 0, time.UTC)
	if err := runRolloutRestart(c, "default", "deployment/web", at, &out); err != nil || out.String() != "deployment.apps/web restarted\n" {
		t.Fatalf("restart: %v %q", err, out.String())
	}
	if got := deploymentOf(t, c, "web").Spec.Template.Annotations[annotationRestartedAt]; got != "2026-12-05T09:00:00Z" {
		t.Errorf("restartedAt = %q", got)
	}

	out.Reset()
	if err := runRolloutPause(c, "default", "deployment/web", true, &out); err != nil || out.String() != "deployment.apps/web paused\n" {
		t.Fatalf("pause: %v %q", err, out.String())
	}
	if !deploymentOf(t, c, "web").Spec.Paused {
		t.Errorf("not paused after pause")
	}
	if err := runRolloutPause(c, "default", "deployment/web", true, &out); err == nil || err.Error() != `deployments.apps "web" is already paused` {
		t.Errorf("pause twice: %v", err)
	}
	if err := runRolloutRestart(c, "default", "deployment/web", at, &out); err == nil || !strings.Contains(err.Error(), "is paused, run rollout resume first") {
		t.Errorf("restart while paused: %v", err)
	}
	out.Reset()
	if err := runRolloutPause(c, "default", "deployment/web", false, &out); err != nil || out.String() != "deployment.apps/web resumed\n" {
		t.Fatalf("resume: %v %q", err, out.String())
	}
	if err := runRolloutPause(c, "default", "deployment/web", false, &out); err == nil || err.Error() != `deployments.apps "web" is not paused` {
		t.Errorf("resume twice: %v", err)
	}

	// The same through the command line, flags included.
	flags := []string{"--server", c.cfg.Server, "--token", c.cfg.Token, "-n", "default"}
	for _, tc := range []struct {
		args []string
		want string // printed, or the error when fail
		fail bool
	}{
		{[]string{"set", "image", "deploy/web", "web=localhost/web:3"}, "deployment.apps/web image updated\n", false},
		{[]string{"rollout", "history", "deployment/web"}, "deployment.apps/web\nREVISION  CHANGE-CAUSE\n", false},
		{[]string{"rollout", "undo", "deployment/web", "--to-revision", "1"}, "unable to find specified revision 1 in history", true},
		{[]string{"rollout", "pause", "deployment/web"}, "deployment.apps/web paused\n", false},
		{[]string{"rollout", "resume", "deployment/web"}, "deployment.apps/web resumed\n", false},
		{[]string{"rollout", "restart", "deployment/web"}, "deployment.apps/web restarted\n", false},
		{[]string{"scale", "deployment/web", "--current-replicas", "9", "--replicas", "1"}, "Expected replicas to be 9, was 2", true},
		{[]string{"set", "image", "svc/web", "web=x"}, `"svc/web": name it deployment/NAME or statefulset/NAME or daemonset/NAME`, true},
	} {
		printed, err := runCLI(t, append(tc.args, flags...)...)
		switch {
		case tc.fail && (err == nil || !strings.Contains(err.Error(), tc.want) || exitStatus(err) != 1):
			t.Errorf("swarm %s: %v, want the error %q", strings.Join(tc.args, " "), err, tc.want)
		case !tc.fail && (err != nil || !strings.HasPrefix(printed, tc.want)):
			t.Errorf("swarm %s: %v, printed %q, want %q", strings.Join(tc.args, " "), err, printed, tc.want)
		}
	}
}

// scale --current-replicas changes nothing unless the replicas are what it says, in
// kubectl's words; a scale is a patch that keeps the rest of the Deployment.
func TestScaleCurrentReplicas(t *testing.T) {
	c := startAgent(t)
	if err := runApply(c, "../../contrib/examples/web.yaml", false, nil, &bytes.Buffer{}); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := runScaleIf(c, "default", "deployment/web", 3, 4, &out); err == nil || err.Error() != "Expected replicas to be 3, was 2" {
		t.Errorf("wrong precondition: %v", err)
	}
	if r := *deploymentOf(t, c, "web").Spec.Replicas; r != 2 {
		t.Errorf("replicas after a failed precondition: %d", r)
	}
	if err := runScaleIf(c, "default", "deployment/web", 2, 4, &out); err != nil || out.String() != "deployment.apps/web scaled\n" {
		t.Errorf("right precondition: %v %q", err, out.String())
	}
	d := deploymentOf(t, c, "web")
	if *d.Spec.Replicas != 4 || d.Spec.Template.Spec.Containers[0].Image != "localhost/swarm-testserver:latest" {
		t.Errorf("after scale: replicas %d, image %q", *d.Spec.Replicas, d.Spec.Template.Spec.Containers[0].Image)
	}
	if err := runScaleIf(c, "default", "daemonset/x", -1, 4, &out); err == nil || !strings.Contains(err.Error(), "name it deployment/NAME or statefulset/NAME") {
		t.Errorf("scale of a daemonset: %v", err)
	}
}

// swarm version prints the client's version and the agent's.
func TestVersionShowsTheServer(t *testing.T) {
	c := startAgent(t)
	var out bytes.Buffer
	if err := printServerVersion(c, &out); err != nil || !strings.HasPrefix(out.String(), "Server Version: dev (node n1, go") {
		t.Errorf("server version: %v %q", err, out.String())
	}
}
