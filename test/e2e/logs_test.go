package e2e

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
)

// swarm logs deployment/web prints every replica's log, each line under its pod, from
// any node; -l with --tail and --timestamps too; -f follows them all at once.
func TestLogsOfEveryReplica(t *testing.T) {
	needRig(t)
	t.Cleanup(func() { _, _ = swarmCLI(1, "delete", "deployment", "web") })
	apply(t, webManifest(3, "latest"))
	pods := runningWeb(t, 3, "latest")

	out, err := swarmCLI(2, "logs", "deployment/web")
	if err != nil {
		t.Fatalf("swarm logs deployment/web: %v\n%s", err, out)
	}
	for _, p := range pods {
		// The test server's lines start with the date and time log.Printf puts first.
		prefix := fmt.Sprintf("[pod/%s/web] ", p.Metadata.Name)
		want := fmt.Sprintf("testserver %s listening on :8080", p.Metadata.Name)
		if !hasLine(out, func(l string) bool { return strings.HasPrefix(l, prefix) && strings.Contains(l, want) }) {
			t.Errorf("swarm logs deployment/web lacks a line %q...%q:\n%s", prefix, want, out)
		}
	}
	// Each line the container printed is one line: none is followed by an empty one.
	for _, l := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
		if _, rest, _ := strings.Cut(l, "] "); strings.TrimSpace(rest) == "" {
			t.Errorf("swarm logs deployment/web prints a line with nothing after its pod: %q\n%s", l, out)
			break
		}
	}

	out, err = swarmCLI(3, "logs", "-l", "app=web", "--tail", "1", "--timestamps")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if err != nil || len(lines) != 3 {
		t.Fatalf("swarm logs -l app=web --tail 1: %v, want 3 lines\n%s", err, out)
	}
	for _, l := range lines {
		_, rest, ok := strings.Cut(l, "] ")
		stamp, _, _ := strings.Cut(rest, " ")
		if _, perr := time.Parse(time.RFC3339Nano, stamp); !ok || perr != nil {
			t.Errorf("line %q does not start with its pod and an RFC 3339 time", l)
		}
	}

	// Followed: requests made once the logs are followed show up under each pod.
	var followed string
	var ferr error
	var wg sync.WaitGroup
	wg.Go(func() {
		followed, ferr = fromNode(1, "timeout", "--preserve-status", "-s", "INT", "15",
			env.swarm, "logs", "deployment/web", "-f", "--tail", "0", "--server", nodeAddr(1)+":7070", "--token", env.token)
	})
	time.Sleep(5 * time.Second)
	for _, p := range pods {
		if _, err := httpGet(1, "http://"+nodeAddr(nodeIndex(p.Spec.NodeName))+":8080/followed-"+p.Metadata.Name); err != nil {
			t.Errorf("GET from %s: %v", p.Metadata.Name, err)
		}
	}
	wg.Wait()
	for _, p := range pods {
		want := fmt.Sprintf("[pod/%s/web] ", p.Metadata.Name)
		found := hasLine(followed, func(l string) bool {
			return strings.HasPrefix(l, want) && strings.Contains(l, "GET /followed-"+p.Metadata.Name)
		})
		if ferr != nil || !found {
			t.Errorf("swarm logs -f lacks the request to %s under %q: %v\n%s", p.Metadata.Name, want, ferr, followed)
		}
	}
}

// hasLine says whether some line of out satisfies match.
func hasLine(out string, match func(string) bool) bool {
	for l := range strings.SplitSeq(out, "\n") {
		if match(l) {
			return true
		}
	}
	return false
}
