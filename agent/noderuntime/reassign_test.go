package noderuntime

import (
	"context"
	"log/slog"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/podman-swarm/podman-swarm/agent/store"
	"github.com/podman-swarm/podman-swarm/internal/netcut"
	"github.com/podman-swarm/podman-swarm/manifest"
	"github.com/podman-swarm/podman-swarm/reconcile"
)

// A pod scaled away and back while it still drains on its node keeps running, unchanged,
// so its runtime reports nothing new: the loop reports the runtime's current status again,
// or the pod would show Pending for good once its status record went with the assignment.
func TestPodAssignedAgainWhileDrainingGetsItsStatusBack(t *testing.T) {
	nodes := startCluster(t, 1, 50*time.Millisecond, &netcut.Net{})
	self := nodes[0]
	log := slog.New(slog.DiscardHandler)
	pod := manifest.Pod{Namespace: "default", Name: "web-0"}
	key := store.AssignmentKey(pod.Key())
	status := NewStatusWriter(self, "n0", "127.0.0.1", log)
	rt := &recordingRuntime{}
	running := reconcile.Status{Phase: reconcile.PhaseRunning, Ready: true}
	loop := NewLoop(self, "n0", rt, status, nil, log).WithCurrentStatus(func(k string) (reconcile.Status, bool) {
		return running, k == pod.Key()
	})
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	defer func() { cancel(); wg.Wait() }()
	wg.Go(func() { _ = loop.Start(ctx) })

	assign := func() {
		if _, err := self.Put(key, store.MustJSON(store.Assignment{Pod: pod, Node: "n0"})); err != nil {
			t.Fatal(err)
		}
	}
	recorded := func() (store.PodStatus, bool) {
		s, _, ok := stored(t, self, pod.Key())
		return s, ok
	}
	assign()
	waitUntil(t, 5*time.Second, "the pod's status is written", func() bool {
		s, ok := recorded()
		return ok && s.Phase == corev1.PodRunning
	})
	if _, err := self.Delete(key); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, 5*time.Second, "the status goes with the assignment", func() bool { _, ok := recorded(); return !ok })
	assign()
	waitUntil(t, 5*time.Second, "the status is written again", func() bool {
		s, ok := recorded()
		return ok && s.Phase == corev1.PodRunning && s.Ready
	})
}
