package scheduler

import (
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
)

// containerPort adds a container port without a hostPort: its node publishes it on a node
// port of its own choosing.
func containerPort(p int32) func(*appsv1.Deployment) {
	return func(d *appsv1.Deployment) {
		c := &d.Spec.Template.Spec.Containers[0]
		c.Ports = append(c.Ports, corev1.ContainerPort{ContainerPort: p})
	}
}

// A new pod holds only its explicit hostPorts: fifty pods listening on 8080 fit one node.
func TestContainerPortsAreNoNodeResource(t *testing.T) {
	web := deploy("web", 50, containerPort(8080))
	in := input([]Node{alive("a")}, []*appsv1.Deployment{web})
	out := Plan(in)
	if len(out.Create) != 50 || len(out.Pending) != 0 {
		t.Fatalf("plan = %d creates, %d pending; want 50, 0", len(out.Create), len(out.Pending))
	}
	mustBeFixedPoint(t, in, out)
}

// A pod placed before pods had an IP publishes its container ports as they are, so it still
// holds them on its node; one with a PodIP holds only its explicit hostPorts.
func TestOldPodsKeepTheirContainerPorts(t *testing.T) {
	old := deploy("old", 1, containerPort(8080))
	explicit := deploy("explicit", 1, port(8080))
	in := input([]Node{alive("a")}, []*appsv1.Deployment{old, explicit}, on(old, 0, "a"))
	out := Plan(in)
	if len(out.Create) != 0 || len(out.Pending) != 1 || !strings.Contains(out.Pending[0].Reason, "port 8080/TCP in use") {
		t.Fatalf("plan = creates %v, pending %+v; want explicit pending behind the old pod's port", keys(out.Create), out.Pending)
	}
	withIP := on(old, 0, "a")
	withIP.PodIP = "10.42.0.9"
	in = input([]Node{alive("a")}, []*appsv1.Deployment{old, explicit}, withIP)
	out = Plan(in)
	if len(out.Create) != 1 || len(out.Pending) != 0 {
		t.Fatalf("plan = creates %v, pending %+v; want explicit placed beside the pod with an IP", keys(out.Create), out.Pending)
	}
}
