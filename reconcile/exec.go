package reconcile

import (
	"context"
	"fmt"
)

// Exec runs command in a container of a pod this node runs, with `podman exec`, attached to
// s, and returns its exit code (podman's own are 125 when podman failed, 126 when the
// command could not be run, 127 when it was not found). container may be empty for a pod
// with one container (init containers aside).
func (r *Reconciler) Exec(ctx context.Context, podKey, container string, command []string, s Stdio) (int, error) {
	d, ok := r.desiredPod(podKey)
	if !ok {
		return -1, fmt.Errorf("exec in pod %s: %w", podKey, ErrNoPod)
	}
	c, err := pickContainer(d, container)
	if err != nil {
		return -1, fmt.Errorf("exec in pod %s: %w", podKey, err)
	}
	code, err := RunAttached(ctx, podmanExecArgs(containerName(c), command, s.Stdin != nil, s.TTY), s)
	if err != nil {
		return code, fmt.Errorf("exec in pod %s: %w", podKey, err)
	}
	return code, nil
}

// podmanExecArgs is the command line of `podman exec` for command in the named container.
func podmanExecArgs(name string, command []string, stdin, tty bool) []string {
	args := []string{"podman", "exec"}
	if stdin {
		args = append(args, "--interactive")
	}
	if tty {
		args = append(args, "--tty")
	}
	// podman exec reads no flag after the container's name, so a command that starts with
	// a dash is safe there; a "--" would be taken for the command itself.
	return append(append(args, name), command...)
}
