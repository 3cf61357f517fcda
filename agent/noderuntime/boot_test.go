package noderuntime

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"testing"

	"github.com/podman-swarm/podman-swarm/agent/store"
)

// A machine that booted again forgets the status its pods had before; an agent that
// restarted in the same boot, or that has no record of a boot yet, keeps it; another
// node's records are never touched.
func TestForgetEarlierBoot(t *testing.T) {
	n := startNode(t, "n1")
	log := slog.New(slog.DiscardHandler)
	mine := NewStatusWriter(n, "n1", "198.18.0.11", log)
	mine.Report("default/web", running)
	theirs := NewStatusWriter(n, "n2", "198.18.0.12", log)
	theirs.Report("default/db", running)
	file := filepath.Join(t.TempDir(), BootIDFile)
	ctx := context.Background()

	if err := forgetEarlierBoot(ctx, n, "n1", file, "boot-a", log); err != nil {
		t.Fatal(err)
	}
	if _, _, ok := stored(t, n, "default/web"); !ok {
		t.Fatal("the first start, with no boot recorded, deleted the pod's status")
	}
	if got, _ := os.ReadFile(file); string(got) != "boot-a\n" {
		t.Fatalf("boot ID file holds %q", got)
	}

	if err := forgetEarlierBoot(ctx, n, "n1", file, "boot-a", log); err != nil {
		t.Fatal(err)
	}
	if _, _, ok := stored(t, n, "default/web"); !ok {
		t.Fatal("a restart in the same boot deleted the pod's status")
	}

	if err := forgetEarlierBoot(ctx, n, "n1", file, "boot-b", log); err != nil {
		t.Fatal(err)
	}
	if s, _, ok := stored(t, n, "default/web"); ok {
		t.Fatalf("after a new boot the pod's status is still %+v", s)
	}
	if _, _, ok := stored(t, n, "default/db"); !ok {
		t.Fatal("another node's pod lost its status")
	}
	if got, _ := os.ReadFile(file); string(got) != "boot-b\n" {
		t.Fatalf("boot ID file holds %q", got)
	}
	if _, err := n.Get(store.StatusKey("default/web")); err {
		t.Fatal("the deleted record reads back")
	}
}
