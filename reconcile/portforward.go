package reconcile

import (
	"context"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
)

// PortPipeCommand is the hidden command of the agent's own binary that connects its
// standard input and output to a TCP port of 127.0.0.1, in whatever network namespace it
// was started in.
const PortPipeCommand = "port-pipe"

// PortForward connects conn to port of a pod this node runs, inside the pod's network
// namespace, so that any port the pod listens on is reached, published or not. Rootless
// podman's network namespaces belong to its user namespace: the agent's own binary is run
// in both (podman unshare, then nsenter into the namespace of one of the pod's containers)
// as a pipe between conn and the port.
func (r *Reconciler) PortForward(ctx context.Context, podKey string, port int32, conn io.ReadWriter) error {
	d, ok := r.desiredPod(podKey)
	if !ok {
		return fmt.Errorf("forward to pod %s: %w", podKey, ErrNoPod)
	}
	if len(d.Containers) == 0 {
		return fmt.Errorf("forward to pod %s: it has no containers", podKey)
	}
	// Every container of a pod shares its network namespace; the last one is a main
	// container, not an init container that may have ended.
	name := containerName(d.Containers[len(d.Containers)-1])
	out, err := runPodman(ctx, "inspect", "--type", "container", "--format", "{{.State.Pid}}", name)
	if err != nil {
		return fmt.Errorf("forward to pod %s: %w", podKey, err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(out))
	if err != nil || pid <= 0 {
		return fmt.Errorf("forward to pod %s: container %s does not run (pid %q)", podKey, name, strings.TrimSpace(out))
	}
	self, err := os.Executable()
	if err != nil {
		return fmt.Errorf("forward to pod %s: find the agent's binary: %w", podKey, err)
	}
	var stderr strings.Builder
	code, err := RunAttached(ctx, portPipeArgs(self, pid, port), Stdio{Stdin: conn, Stdout: conn, Stderr: &stderr})
	switch {
	case err != nil:
		return fmt.Errorf("forward to pod %s port %d: %w", podKey, port, err)
	case code != 0:
		return fmt.Errorf("forward to pod %s port %d: %s", podKey, port, firstLine(stderr.String()))
	}
	return nil
}

// portPipeArgs runs self's port pipe to port in the network namespace of process pid.
func portPipeArgs(self string, pid int, port int32) []string {
	return []string{"podman", "unshare", "nsenter", "--target", strconv.Itoa(pid), "--net", "--",
		self, PortPipeCommand, strconv.Itoa(int(port))}
}
