package reconcile

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
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
