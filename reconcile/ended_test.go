package reconcile

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/podman-swarm/podman-swarm/manifest"
)

// A pod that left the node (a Job's pod that finished) has no units any more, but its
// containers' logs are still read from the journal under their names.
func TestEndedLogsOfAPodThatLeft(t *testing.T) {
	n := newNode(t.TempDir())
	r := n.agent()
	ctx := context.Background()
	r.SetDesired([]manifest.Pod{podSpec("web", withSidecar)})
	r.pass(ctx)
	n.journal.lines["swarm-default_web_side"] = []string{"side did its work"}
	r.SetDesired(nil)
	r.pass(ctx)
	var b strings.Builder
	if err := r.Logs(ctx, "default/web", "side", false, &b); !errors.Is(err, ErrNoPod) {
		t.Fatalf("Logs of the pod that left: %v, want ErrNoPod", err)
	}
	if err := r.EndedLogs(ctx, "default", "web", "side", false, &b); err != nil || b.String() != "side did its work\n" {
		t.Errorf("EndedLogs = %q, %v", b.String(), err)
	}
}
