package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/podman-swarm/podman-swarm/reconcile"
)

// fakeCgroup makes a folder with a cgroup's figures: CPU time and memory in use.
func fakeCgroup(t *testing.T, usec, memory string) string {
	t.Helper()
	dir := t.TempDir()
	for name, data := range map[string]string{"cpu.stat": "usage_usec " + usec + "\n", "memory.current": memory + "\n"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// swarm top nodes and swarm top pods show each node's figures and its containers', in
// kubectl top's columns, gathered from every node by the one the CLI talks to; a
// read-only token is enough.
func TestTopAgainstLiveAgents(t *testing.T) {
	ec := startExecCluster(t)
	key := "default/" + ec.pod
	ec.podAt.setCgroups(
		reconcile.ContainerCgroup{PodKey: key, Container: "main", Dir: fakeCgroup(t, "1000", "52428800")},
		reconcile.ContainerCgroup{PodKey: key, Container: "side", Dir: fakeCgroup(t, "5", "20971520")},
	)
	t.Setenv("SWARM_TOKEN", ec.readOnly)
	pod := regexp.QuoteMeta(ec.pod)
	for _, tc := range []struct {
		args string
		want string
	}{
		{"top pods", `^NAME\s+CPU\(cores\)\s+MEMORY\(bytes\)\n` + pod + `\s+0m\s+70Mi\n$`},
		{"top pod " + ec.pod + " --no-headers", `^` + pod + `\s+0m\s+70Mi\n$`},
		{"top pods --containers", `^POD\s+NAME\s+CPU\(cores\)\s+MEMORY\(bytes\)\n` + pod + `\s+main\s+0m\s+50Mi\n` + pod + `\s+side\s+0m\s+20Mi\n$`},
		{"top pods -A", `^NAMESPACE\s+NAME\s+CPU\(cores\)\s+MEMORY\(bytes\)\ndefault\s+` + pod + `\s+0m\s+70Mi\n$`},
		{"top pods -n other", `^No resources found in other namespace.\n$`},
		{"top nodes", `^NAME\s+CPU\(cores\)\s+CPU\(%\)\s+MEMORY\(bytes\)\s+MEMORY\(%\)\nn0\s+\d+m\s+\d+%\s+\d+Mi\s+\d+%\nn1\s+\d+m\s+\d+%\s+\d+Mi\s+\d+%\n$`},
		{"top node n1 --no-headers", `^n1\s+\d+m\s+\d+%\s+\d+Mi\s+\d+%\n$`},
	} {
		out, err := runCLI(t, strings.Fields(tc.args)...)
		if err != nil || !regexp.MustCompile(tc.want).MatchString(out) {
			t.Errorf("swarm %s: %v\n%s\nwant %s", tc.args, err, out, tc.want)
		}
	}
	for _, tc := range []struct{ args, want string }{
		{"top", "name what to show: swarm top nodes or swarm top pods"},
		{"top node nope", `nodes "nope" not found`},
		{"top pods nope", `pods "nope" not found, or it has no running container to measure`},
		{"top pods --bogus", "unknown flag: --bogus"},
	} {
		out, err := runCLI(t, strings.Fields(tc.args)...)
		if err == nil || !strings.Contains(err.Error(), tc.want) || exitStatus(err) != 1 {
			t.Errorf("swarm %s: %v, want %q\n%s", tc.args, err, tc.want, out)
		}
	}
}

func TestTopFigures(t *testing.T) {
	if millicores(250) != "250m" || mebibytes(64<<20+5) != "64Mi" || percent(1, 3) != 33 || percent(5, 0) != 0 {
		t.Errorf("%s %s %d %d", millicores(250), mebibytes(64<<20+5), percent(1, 3), percent(5, 0))
	}
}
