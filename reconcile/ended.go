package reconcile

import (
	"context"
	"io"

	"github.com/podman-swarm/podman-swarm/quadlet"
)

// EndedLogs writes the log of a container of a pod that no longer runs on this node (a
// Job's pod that finished, whose units were removed): the journal keeps what podman's
// journald log driver wrote under the container's name, after the units are gone.
func (r *Reconciler) EndedLogs(ctx context.Context, namespace, pod, container string, follow bool, w io.Writer) error {
	return r.cfg.Journal.Logs(ctx, quadlet.ContainerName(namespace, pod, container), follow, w)
}
