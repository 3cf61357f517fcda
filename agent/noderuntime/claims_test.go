package noderuntime

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/podman-swarm/podman-swarm/agent/store"
	"github.com/podman-swarm/podman-swarm/cluster"
	"github.com/podman-swarm/podman-swarm/manifest"
)

func claimPodOn(name, claim string) store.Assignment {
	return store.Assignment{Node: "n1", Pod: manifest.Pod{Namespace: "default", Name: name, Spec: corev1.PodSpec{
		Containers: []corev1.Container{{Name: "app", Image: "i"}},
		Volumes: []corev1.Volume{{Name: "data", VolumeSource: corev1.VolumeSource{
			PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: claim}}}},
	}}}
}

func TestReleasedVolumes(t *testing.T) {
	released := time.Date(2026, 12, 5, 12, 0, 0, 0, time.UTC)
	st := &store.State{
		Assignments: map[string]store.Assignment{"default/again": claimPodOn("again", "reused")},
		ClaimBindings: map[string]store.ClaimBinding{
			"default/gone":   {Node: "n1", Released: released, Reclaim: manifest.ReclaimDelete},
			"default/kept":   {Node: "n1", Released: released, Reclaim: manifest.ReclaimRetain},
			"default/bound":  {Node: "n1"},
			"default/other":  {Node: "n2", Released: released, Reclaim: manifest.ReclaimDelete},
			"default/reused": {Node: "n1", Released: released, Reclaim: manifest.ReclaimDelete},
			"shop/db":        {Node: "n1", Released: released, Reclaim: manifest.ReclaimDelete},
		},
	}
	var got []string
	for _, v := range ReleasedVolumes(st, "n1") {
		got = append(got, v.Claim+"="+v.Volume)
	}
	if want := []string{"default/gone=swarm-default_gone", "shop/db=swarm-shop_db"}; !slices.Equal(got, want) {
		t.Errorf("ReleasedVolumes = %v, want %v", got, want)
	}
}

// The reaper deletes a released volume once, tries again after a failure (a volume still
// in use), and leaves the others alone; with a real store on loopback.
func TestClaimReaperDeletesOnce(t *testing.T) {
	n := startNode(t, "n1")
	released := time.Date(2026, 12, 5, 12, 0, 0, 0, time.UTC)
	ctx := context.Background()
	put := func(key string, v any) {
		if _, err := n.Write(ctx, []cluster.Change{{Key: key, Value: store.MustJSON(v)}}, cluster.AckLocal); err != nil {
			t.Fatal(err)
		}
	}
	put(store.ClaimBindingKey("default/data"), store.ClaimBinding{Node: "n1", Released: released, Reclaim: manifest.ReclaimDelete})
	put(store.ClaimBindingKey("default/keep"), store.ClaimBinding{Node: "n1", Released: released, Reclaim: manifest.ReclaimRetain})
	var mu sync.Mutex
	var calls []string
	fail := true
	r := NewClaimReaper(n, "n1", func(_ context.Context, name string) error {
		mu.Lock()
		defer mu.Unlock()
		calls = append(calls, name)
		if fail {
			fail = false
			return errors.New("volume is being used")
		}
		return nil
	}, slog.New(slog.DiscardHandler))
	for range 3 {
		r.pass(ctx)
	}
	if want := []string{"swarm-default_data", "swarm-default_data"}; !slices.Equal(calls, want) {
		t.Errorf("removals = %v, want %v: one that failed, then one that worked, then none", calls, want)
	}
	// Released again (the claim made, bound and deleted anew): deleted again.
	put(store.ClaimBindingKey("default/data"), store.ClaimBinding{Node: "n1", Released: released.Add(time.Hour), Reclaim: manifest.ReclaimDelete})
	r.pass(ctx)
	if len(calls) != 3 {
		t.Errorf("removals = %v, want a third after the new release", calls)
	}
}
