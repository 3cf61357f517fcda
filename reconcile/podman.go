package reconcile

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
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
