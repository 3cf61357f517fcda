package reconcile

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"time"
)

// Commands implements Podman and Journal by running podman and journalctl as the agent's
// user (the journal has no D-Bus interface, and go-systemd's journal reader needs cgo,
// which the binary is built without). The zero value is ready to use.
type Commands struct{}

var (
	_ Podman  = (*Commands)(nil)
	_ Journal = (*Commands)(nil)
)

// RemoveVolume runs `podman volume rm --force`; exit status 1 means there was no such volume.
func (*Commands) RemoveVolume(ctx context.Context, name string) error {
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

// Exec runs `podman exec CONTAINER cmd...` as the agent's user, who owns the rootless
// containers, and returns what the command printed (stdout and stderr); an error when it
// could not run or exited other than 0.
func (*Commands) Exec(ctx context.Context, container string, cmd []string) ([]byte, error) {
	var out bytes.Buffer
	c := exec.CommandContext(ctx, "podman", append([]string{"exec", container}, cmd...)...)
	c.Stdout, c.Stderr = &out, &out
	// A command that left a child holding the output open must not hold the caller past
	// its deadline.
	c.WaitDelay = time.Second
	if err := c.Run(); err != nil {
		return out.Bytes(), fmt.Errorf("run %q in container %s: %w", cmd, container, err)
	}
	return out.Bytes(), nil
}

// RunPodman runs podman with args as the agent's user, stdin (when not nil) on its standard
// input, and returns what it printed on stdout; an error carries the first line of what it
// said on stderr. A value goes in on stdin, never as an argument: a command line is
// readable by every user of the node (/proc/PID/cmdline).
func RunPodman(ctx context.Context, stdin []byte, args ...string) ([]byte, error) {
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, "podman", args...)
	if stdin != nil {
		cmd.Stdin = bytes.NewReader(stdin)
	}
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return stdout.Bytes(), &PodmanError{Args: args, Err: err, Stderr: firstLine(stderr.String())}
	}
	return stdout.Bytes(), nil
}

// runPodman is RunPodman with nothing on stdin and the output as a string.
func runPodman(ctx context.Context, args ...string) (string, error) {
	out, err := RunPodman(ctx, nil, args...)
	return string(out), err
}

// PodmanError is a podman command that failed, with the first line it said on stderr.
type PodmanError struct {
	Args   []string
	Err    error
	Stderr string
}

func (e *PodmanError) Error() string {
	return fmt.Sprintf("run podman %s: %v: %s", strings.Join(e.Args, " "), e.Err, e.Stderr)
}

func (e *PodmanError) Unwrap() error { return e.Err }
