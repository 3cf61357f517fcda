package reconcile

import (
	"context"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/podman-swarm/podman-swarm/manifest"
)

// A leaving pod whose container does not stop on its stop signal is killed once the delay
// the agent gave has passed; the stop then ends and the pod's files go.
func TestKillAfterKillsWhatDoesNotStop(t *testing.T) {
	n := newNode(t.TempDir())
	r := n.agent()
	ctx := context.Background()
	r.SetDesired([]manifest.Pod{podSpec("web"), podSpec("api")})
	r.pass(ctx)
	killed := make(chan struct{})
	n.podman.onKill = func(containers []string) []string {
		close(killed)
		return containers
	}
	n.sd.hook = func(op string) error {
		if op == "stop "+webApp {
			// The container ignores its stop signal: only SIGKILL ends it.
			select {
			case <-killed:
			case <-time.After(time.Minute):
				t.Error("the container was not killed")
			}
		}
		return nil
	}
	r.KillAfter("default/web", 10*time.Millisecond)
	r.SetDesired([]manifest.Pod{podSpec("api")})
	r.pass(ctx)
	if want := []string{"swarm-default_web_app"}; !slices.Equal(n.podman.killed, want) {
		t.Errorf("killed %q, want %q", n.podman.killed, want)
	}
	if got, want := n.files(), []string{"swarm-default_api.pod", "swarm-default_api_app.container"}; !slices.Equal(got, want) {
		t.Errorf("files %q, want %q", got, want)
	}
}

// The kill delays are used once, by the stop of the pod they are for; a pod desired again
// (back on this node) or no longer on disk forgets its delay.
func TestKillAftersTake(t *testing.T) {
	var k killAfters
	k.after = map[string]time.Duration{"default/gone": time.Second, "default/back": 2 * time.Second, "default/later": 3 * time.Second, "default/nofiles": 4 * time.Second}
	files := map[string]File{
		"swarm-default_gone_app.container":  {Pod: "default/gone"},
		"swarm-default_back_app.container":  {Pod: "default/back"},
		"swarm-default_later_app.container": {Pod: "default/later"},
	}
	got := k.take([]PodStep{{Key: "default/gone"}, {Key: "default/other"}}, []DesiredPod{{Key: "default/back"}}, files)
	if want := map[string]time.Duration{"default/gone": time.Second}; !maps.Equal(got, want) {
		t.Errorf("take = %v, want %v", got, want)
	}
	if want := map[string]time.Duration{"default/later": 3 * time.Second}; !maps.Equal(k.after, want) {
		t.Errorf("left %v, want %v", k.after, want)
	}
}

// Commands.Kill runs `podman kill --signal KILL` for each container and tells which it
// killed; a container gone or stopped already is no error, anything else is.
func TestCommandsKill(t *testing.T) {
	dir := t.TempDir()
	log := filepath.Join(dir, "calls")
	script := `#!/bin/sh
echo "$@" >> ` + log + `
case "$4" in
running) exit 0 ;;
gone) echo 'Error: no container with name or ID "gone" found: no such container' >&2; exit 125 ;;
stopped) echo 'Error: can only kill running containers. 1234 is in state exited: container state improper' >&2; exit 125 ;;
*) echo 'Error: something else' >&2; exit 125 ;;
esac
`
	if err := os.WriteFile(filepath.Join(dir, "podman"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", dir+string(os.PathListSeparator)+os.Getenv("PATH"))
	killed, err := (&Commands{}).Kill(context.Background(), []string{"running", "gone", "stopped", "broken"})
	if want := []string{"running"}; !slices.Equal(killed, want) {
		t.Errorf("killed %q, want %q", killed, want)
	}
	if err == nil || !strings.Contains(err.Error(), "kill container broken") || !strings.Contains(err.Error(), "something else") || strings.Contains(err.Error(), "gone") {
		t.Errorf("err = %v, want one for broken only", err)
	}
	calls, _ := os.ReadFile(log)
	want := "kill --signal KILL running\nkill --signal KILL gone\nkill --signal KILL stopped\nkill --signal KILL broken\n"
	if string(calls) != want {
		t.Errorf("podman calls\n%s\nwant\n%s", calls, want)
	}
}
