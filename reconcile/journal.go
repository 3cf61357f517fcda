package reconcile

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os/exec"
	"strings"
)

// Tail runs journalctl for the unit's last n messages (n entries of the journal).
func (*Commands) Tail(ctx context.Context, unit string, n int) ([]string, error) {
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, "journalctl", journalArgs(unit, n)...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("read the journal of %s: %w: %s", unit, err, firstLine(stderr.String()))
	}
	// A container's lines keep their newline in the journal, so the plain output has an
	// empty line after each: they are dropped.
	var lines []string
	for line := range strings.SplitSeq(stdout.String(), "\n") {
		if line != "" {
			lines = append(lines, line)
		}
	}
	return lines, nil
}

// Logs runs journalctl for the messages podman's journald log driver wrote for the
// container, chosen by opts. They carry CONTAINER_NAME; the unit's other messages
// (systemd's, podman's events) do not, and belong to Tail and Describe instead.
func (*Commands) Logs(ctx context.Context, container string, opts LogOptions, w io.Writer) error {
	var stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, "journalctl", logArgs(container, opts)...)
	lines := &logLines{w: w, timestamps: opts.Timestamps}
	cmd.Stdout, cmd.Stderr = lines, &stderr
	err := cmd.Run()
	if err != nil && ctx.Err() == nil {
		return fmt.Errorf("read the journal of container %s: %w: %s", container, err, firstLine(stderr.String()))
	}
	return lines.flush()
}

// journalArgs asks for the last n messages of one user unit, message text only.
func journalArgs(unit string, n int) []string {
	return []string{"--user", "--unit", unit, "--output", "cat", "--no-pager", "--quiet", "--lines", fmt.Sprint(n)}
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(strings.TrimSpace(s), "\n")
	return line
}
