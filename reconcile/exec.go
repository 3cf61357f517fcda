package reconcile

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"strings"
)

// Commands implements Podman and Journal by running podman and journalctl as the agent's
// user. (The journal has no D-Bus interface, and go-systemd's journal reader needs cgo,
// which the binary is built without.)
type Commands struct{}

var (
	_ Podman  = Commands{}
	_ Journal = Commands{}
)

// Health asks podman for the health of the containers in one call. A container that no
// longer exists makes podman fail after printing the others, which is why its output is
// read whatever the exit status.
func (Commands) Health(ctx context.Context, containers []string) (map[string]string, error) {
	if len(containers) == 0 {
		return map[string]string{}, nil
	}
	args := append([]string{"inspect", "--type", "container", "--format",
		"{{.Name}} {{if .State.Health}}{{.State.Health.Status}}{{end}}"}, containers...)
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, "podman", args...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	out := parseHealth(stdout.String())
	if err != nil && len(out) == 0 {
		return nil, fmt.Errorf("read health of %s: %w: %s", strings.Join(containers, ", "), err, firstLine(stderr.String()))
	}
	return out, nil
}

// parseHealth reads "name status" lines; a container without a health check has no status.
func parseHealth(s string) map[string]string {
	out := map[string]string{}
	for _, line := range strings.Split(s, "\n") {
		name, status, _ := strings.Cut(strings.TrimSpace(line), " ")
		if name != "" && status != "" {
			out[name] = status
		}
	}
	return out
}

// RemoveVolume runs `podman volume rm --force`; exit status 1 means there was no such volume.
func (Commands) RemoveVolume(ctx context.Context, name string) error {
	var stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, "podman", "volume", "rm", "--force", name)
	cmd.Stderr = &stderr
	err := cmd.Run()
	var exit *exec.ExitError
	if err == nil || errors.As(err, &exit) && exit.ExitCode() == 1 {
		return nil
	}
	return fmt.Errorf("remove volume %s: %w: %s", name, err, firstLine(stderr.String()))
}

// Tail runs journalctl for the unit's last n messages.
func (Commands) Tail(ctx context.Context, unit string, n int) ([]string, error) {
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, "journalctl", journalArgs(unit, n)...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("read the journal of %s: %w: %s", unit, err, firstLine(stderr.String()))
	}
	s := strings.TrimRight(stdout.String(), "\n")
	if s == "" {
		return nil, nil
	}
	return strings.Split(s, "\n"), nil
}

// Logs runs journalctl for the messages podman's journald log driver wrote for the
// container. They carry CONTAINER_NAME; the unit's other messages (systemd's, podman's
// events) do not, and belong to Tail and Describe instead.
func (Commands) Logs(ctx context.Context, container string, follow bool, w io.Writer) error {
	args := []string{"--user", "--output", "cat", "--no-pager", "--quiet"}
	if follow {
		args = append(args, "--follow", "--lines", "all")
	}
	args = append(args, "CONTAINER_NAME="+container)
	var stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, "journalctl", args...)
	cmd.Stdout, cmd.Stderr = w, &stderr
	err := cmd.Run()
	if err != nil && ctx.Err() == nil {
		return fmt.Errorf("read the journal of container %s: %w: %s", container, err, firstLine(stderr.String()))
	}
	return nil
}

// journalArgs asks for the last n messages of one user unit, message text only.
func journalArgs(unit string, n int) []string {
	return []string{"--user", "--unit", unit, "--output", "cat", "--no-pager", "--quiet", "--lines", fmt.Sprint(n)}
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(strings.TrimSpace(s), "\n")
	return line
}
