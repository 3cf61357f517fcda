package apiserver

import (
	"testing"

	corev1 "k8s.io/api/core/v1"

	"github.com/podman-swarm/podman-swarm/agent/nodemeta"
	"github.com/podman-swarm/podman-swarm/cluster"
)

// A LoadBalancer lists the alive nodes whose ingress opened all its ports, and only those.
func TestLoadBalancerIngress(t *testing.T) {
	meta := func(ports ...string) map[string]string {
		m := map[string]string{}
		nodemeta.SetLoadBalancerPorts(m, ports)
		return m
	}
	members := []cluster.Member{
		{Name: "n1", Addr: "198.18.0.11:7946", State: cluster.StateAlive, Meta: meta("8088/TCP", "53/UDP")},
		{Name: "n2", Addr: "198.18.0.12:7946", State: cluster.StateAlive, Meta: meta("8088/TCP")},
		{Name: "n3", Addr: "198.18.0.13:7946", State: cluster.StateDead, Meta: meta("8088/TCP", "53/UDP")},
		{Name: "n4", Addr: "198.18.0.14:7946", State: cluster.StateAlive},
	}
	svc := &corev1.Service{Spec: corev1.ServiceSpec{Type: corev1.ServiceTypeLoadBalancer, Ports: []corev1.ServicePort{
		{Port: 8088}, {Port: 53, Protocol: corev1.ProtocolUDP},
	}}}
	got := loadBalancerIngress(svc, members)
	if len(got) != 1 || got[0].IP != "198.18.0.11" {
		t.Errorf("ingress = %v, want n1 only", got)
	}
	svc.Spec.Ports = svc.Spec.Ports[:1]
	if got := loadBalancerIngress(svc, members); len(got) != 2 {
		t.Errorf("ingress for 8088/TCP = %v, want n1 and n2", got)
	}
}
