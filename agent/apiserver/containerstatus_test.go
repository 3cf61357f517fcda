package apiserver

import (
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/podman-swarm/podman-swarm/agent/store"
	"github.com/podman-swarm/podman-swarm/manifest"
	"github.com/podman-swarm/podman-swarm/reconcile"
)

// A running container says since when, as the kubelet reports it (kubectl describe's
// "Started:"); a terminated one its exit code; one not reported yet waits.
func TestContainerStatusesAsKubernetesReportsThem(t *testing.T) {
	started := time.Date(2026, 12, 5, 7, 46, 41, 0, time.UTC)
	p := manifest.Pod{Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "web", Image: "w"}, {Name: "job", Image: "j"}, {Name: "new", Image: "n"}}}}
	s := store.PodStatus{Containers: []reconcile.ContainerStatus{
		{Name: "web", State: reconcile.ContainerRunning, Ready: true, Restarts: 2, Started: started},
		{Name: "job", State: reconcile.ContainerTerminated, ExitCode: 3, Reason: "Error"},
	}}
	got := containerStatuses(p, s)
	if len(got) != 3 {
		t.Fatalf("got %d statuses: %+v", len(got), got)
	}
	if r := got[0].State.Running; r == nil || !r.StartedAt.Time.Equal(started) || !got[0].Ready || got[0].RestartCount != 2 {
		t.Errorf("running container: %+v", got[0])
	}
	if x := got[1].State.Terminated; x == nil || x.ExitCode != 3 || x.Reason != "Error" {
		t.Errorf("terminated container: %+v", got[1])
	}
	if w := got[2].State.Waiting; w == nil || w.Reason != "ContainerCreating" {
		t.Errorf("container not reported yet: %+v", got[2])
	}
}
