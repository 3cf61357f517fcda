package noderuntime

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/podman-swarm/podman-swarm/agent/store"
	"github.com/podman-swarm/podman-swarm/manifest"
	"github.com/podman-swarm/podman-swarm/quadlet"
	"github.com/podman-swarm/podman-swarm/reconcile"
)

// ReleasedVolumes are the podman volumes this node (self) is to delete: those of the
// claims bound here that were deleted with reclaim policy Delete, and that no pod assigned
// here uses (a claim of the same name created again and used by a pod here is that pod's
// data now). Sorted by claim key.
func ReleasedVolumes(st *store.State, self string) []ReleasedVolume {
	inUse := map[string]bool{}
	for _, p := range Assigned(st, self) {
		for _, name := range manifest.ClaimNames(&p.Spec) {
			inUse[p.Namespace+"/"+name] = true
		}
	}
	var out []ReleasedVolume
	for key, b := range st.ClaimBindings {
		if b.Node != self || b.Released.IsZero() || b.Reclaim != manifest.ReclaimDelete || inUse[key] {
			continue
		}
		ns, name, _ := strings.Cut(key, "/")
		out = append(out, ReleasedVolume{Claim: key, Volume: quadlet.ClaimVolumeName(ns, name), Released: b.Released})
	}
	slices.SortFunc(out, func(a, b ReleasedVolume) int { return strings.Compare(a.Claim, b.Claim) })
	return out
}

// ReleasedVolume is the volume of a deleted claim, to delete.
type ReleasedVolume struct {
	Claim    string // "namespace/name"
	Volume   string // the podman volume
	Released time.Time
}

// RemoveVolume deletes one podman volume; a volume that is not there is no error.
type RemoveVolume func(ctx context.Context, name string) error

// ClaimReaper deletes, on this node, the volumes of the claims deleted with reclaim policy
// Delete (see ReleasedVolumes), once no container uses them: podman refuses to delete a
// volume in use, and the reaper tries again at its next look, as it does after any
// failure. The released binding stays in the store, so that a node that was away when its
// claim was deleted deletes the volume when it returns.
type ClaimReaper struct {
	node   Cluster
	name   string
	remove RemoveVolume
	log    *slog.Logger
	done   map[string]time.Time // claim key -> the release whose volume is deleted
}

// NewClaimReaper is the reaper of node name.
func NewClaimReaper(node Cluster, name string, remove RemoveVolume, log *slog.Logger) *ClaimReaper {
	return &ClaimReaper{node: node, name: name, remove: remove, log: log.With("component", "claims"), done: map[string]time.Time{}}
}

// Start runs the reaper until ctx ends: on every change of the bindings or assignments, and
// every resync.
func (r *ClaimReaper) Start(ctx context.Context) error {
	bindings, stopBindings := r.node.WatchKeyBatches(store.PrefixClaimBinding)
	defer stopBindings()
	assignments, stopAssignments := r.node.WatchKeyBatches(store.PrefixAssignment)
	defer stopAssignments()
	tick := time.NewTicker(resync)
	defer tick.Stop()
	for {
		r.pass(ctx)
		select {
		case <-ctx.Done():
			return nil
		case <-bindings:
		case <-assignments:
		case <-tick.C:
		}
	}
}

// pass deletes the volumes due now, each once per release.
func (r *ClaimReaper) pass(ctx context.Context) {
	for _, v := range ReleasedVolumes(store.Read(r.node, r.log), r.name) {
		if r.done[v.Claim].Equal(v.Released) {
			continue
		}
		if err := r.remove(ctx, v.Volume); err != nil {
			r.log.Warn("delete the volume of a deleted claim; trying again later", "claim", v.Claim, "volume", v.Volume, "err", err)
			continue
		}
		r.done[v.Claim] = v.Released
		r.log.Info("volume of a deleted claim deleted (reclaim policy Delete)", "claim", v.Claim, "volume", v.Volume)
	}
}

// PodmanRemoveVolume runs `podman volume rm` as the agent's user, without --force, which
// would remove the containers that use the volume: those belong to pods that are stopping.
func PodmanRemoveVolume(ctx context.Context, name string) error {
	_, err := reconcile.RunPodman(ctx, nil, "volume", "rm", name)
	var failed *reconcile.PodmanError
	if err == nil || errors.As(err, &failed) && strings.Contains(failed.Stderr, "no such volume") {
		return nil
	}
	return fmt.Errorf("remove volume %s: %w", name, err)
}
