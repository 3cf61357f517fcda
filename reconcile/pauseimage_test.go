package reconcile

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// fakePodmanScript is a podman that logs its arguments and answers as the mode in
// FAKE_PODMAN_MODE says: "present" has the pause image, "missing" builds it when a pod is
// created, "none" builds nothing (it needs no image), "broken" fails to create pods,
// "noversion" cannot tell its version.
const fakePodmanScript = `#!/bin/sh
echo "$*" >> "$FAKE_PODMAN_DIR/calls"
case "$1 $2" in
"version --format")
	[ "$FAKE_PODMAN_MODE" = noversion ] && { echo "Error: cannot connect" >&2; exit 125; }
	echo "5.4.2-1739923200" ;;
"image exists")
	[ "$3" = localhost/podman-pause:5.4.2-1739923200 ] || exit 1
	[ "$FAKE_PODMAN_MODE" = present ] && exit 0
	[ -e "$FAKE_PODMAN_DIR/built" ] && exit 0
	exit 1 ;;
"pod create")
	[ "$FAKE_PODMAN_MODE" = broken ] && { echo "Error: building local pause image: finding pause binary: catatonit not found" >&2; exit 125; }
	[ "$FAKE_PODMAN_MODE" = none ] || touch "$FAKE_PODMAN_DIR/built"
	echo 0123456789abcdef ;;
"pod rm") ;;
*) echo "Error: unexpected $*" >&2; exit 125 ;;
esac
`

// fakePodmanOnPath puts the fake podman first on PATH for the test and returns its folder.
func fakePodmanOnPath(t *testing.T, mode string) string {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "podman"), []byte(fakePodmanScript), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", dir+string(os.PathListSeparator)+os.Getenv("PATH"))
	t.Setenv("FAKE_PODMAN_DIR", dir)
	t.Setenv("FAKE_PODMAN_MODE", mode)
	return dir
}

func TestPauseImageWarmup(t *testing.T) {
	const (
		version = "version --format {{.Client.Version}}-{{.Client.Built}}"
		exists  = "image exists localhost/podman-pause:5.4.2-1739923200"
		create  = "pod create --replace --network none --name podman-swarm-pause-warmup"
		remove  = "pod rm --force --ignore podman-swarm-pause-warmup"
	)
	cases := []struct {
		mode  string
		calls []string
		log   string // the last record's message
		level string
	}{
		{"present", []string{version, exists}, "podman's pause image is there", "INFO"},
		{"missing", []string{version, exists, create, remove, exists}, "podman's pause image is built", "INFO"},
		{"none", []string{version, exists, create, remove, exists}, "podman built no pause image: its pods need none of their own", "INFO"},
		{"broken", []string{version, exists, create, remove}, "could not build podman's pause image; the first pod builds it then", "WARN"},
		{"noversion", []string{version, create, remove}, "podman's pause image is ready", "INFO"},
	}
	for _, c := range cases {
		t.Run(c.mode, func(t *testing.T) {
			dir := fakePodmanOnPath(t, c.mode)
			var logs bytes.Buffer
			w := PauseImageWarmup{Logger: slog.New(slog.NewTextHandler(&logs, nil))}
			if err := w.Start(context.Background()); err != nil {
				t.Fatalf("Start = %v, want nil whatever happens", err)
			}
			b, _ := os.ReadFile(filepath.Join(dir, "calls"))
			if got := strings.Split(strings.TrimSpace(string(b)), "\n"); !slices.Equal(got, c.calls) {
				t.Errorf("podman ran with\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(c.calls, "\n"))
			}
			lines := strings.Split(strings.TrimSpace(logs.String()), "\n")
			last := lines[len(lines)-1]
			if !strings.Contains(last, "level="+c.level) || !strings.Contains(last, `msg="`+c.log+`"`) ||
				!strings.Contains(last, "component=pauseimage") || !strings.Contains(last, "took=") {
				t.Errorf("last log line %q, want %s %q with component and took", last, c.level, c.log)
			}
			if c.mode == "broken" && !strings.Contains(last, "catatonit not found") {
				t.Errorf("the warning does not say why: %q", last)
			}
		})
	}
}

// An agent that stops during the warm-up stops podman too, and the throw-away pod is
// still removed.
func TestPauseImageWarmupCancelled(t *testing.T) {
	dir := fakePodmanOnPath(t, "missing")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	w := PauseImageWarmup{Logger: discardLogger()}
	if err := w.Start(ctx); err != nil {
		t.Fatalf("Start = %v, want nil", err)
	}
	b, _ := os.ReadFile(filepath.Join(dir, "calls"))
	if got := strings.TrimSpace(string(b)); got != "pod rm --force --ignore podman-swarm-pause-warmup" {
		t.Errorf("podman ran with %q, want only the removal of the throw-away pod", got)
	}
}
