package l4

import (
	"slices"
	"testing"

	corev1 "k8s.io/api/core/v1"

	"github.com/podman-swarm/podman-swarm/discovery"
)

func TestPlan(t *testing.T) {
	tcp, udp := corev1.ProtocolTCP, corev1.ProtocolUDP
	services := []discovery.Service{
		// A ClusterIP Service opens nothing, whatever its ports say.
		{Namespace: "a", Name: "internal", Type: corev1.ServiceTypeClusterIP, Ports: []discovery.Port{{Name: "http", Port: 80, Protocol: tcp, NodePort: 30001}}},
		{Namespace: "a", Name: "web", Type: corev1.ServiceTypeNodePort,
			Ports: []discovery.Port{{Name: "http", Port: 80, Protocol: tcp, NodePort: 30080}, {Name: "dns", Port: 53, Protocol: udp, NodePort: 30053},
				{Name: "pending", Port: 81, Protocol: tcp}}, // no node port allocated yet
			Endpoints: []discovery.Endpoint{
				{Pod: "web-1", Address: "10.0.0.1", Ready: true, Ports: []discovery.Port{{Name: "http", Port: 20001, Protocol: tcp}, {Name: "dns", Port: 20002, Protocol: udp}}},
				{Pod: "web-2", Address: "10.0.0.2", Ready: false, Ports: []discovery.Port{{Name: "http", Port: 20001, Protocol: tcp}}},
				{Pod: "web-3", Address: "10.0.0.3", Ready: true, Ports: []discovery.Port{{Name: "http", Port: 20005, Protocol: tcp}}},
			}},
		{Namespace: "b", Name: "lb", Type: corev1.ServiceTypeLoadBalancer,
			Ports: []discovery.Port{{Name: "pg", Port: 5432, Protocol: tcp, NodePort: 31432}},
			Endpoints: []discovery.Endpoint{
				{Pod: "db-0", Address: "10.0.0.2", Ready: true, Ports: []discovery.Port{{Name: "pg", Port: 20010, Protocol: tcp}}},
			}},
		// A second LoadBalancer on 5432 loses it to b/lb, keeps its node port; one whose
		// Service port is another Service's node port loses that too.
		{Namespace: "c", Name: "lb2", Type: corev1.ServiceTypeLoadBalancer, Ports: []discovery.Port{{Name: "pg", Port: 5432, Protocol: tcp, NodePort: 31433}}},
		{Namespace: "a", Name: "lb3", Type: corev1.ServiceTypeLoadBalancer, Ports: []discovery.Port{{Port: 30080, Protocol: tcp, NodePort: 31434}}},
	}
	wants, dropped := Plan(services)
	type got struct {
		key      Key
		kind     Kind
		owner    string
		backends []string
	}
	var g []got
	for _, w := range wants {
		g = append(g, got{w.Key, w.Kind, w.Owner(), w.Backends})
	}
	want := []got{
		{Key{tcp, 5432}, ServicePort, "b/lb:5432", []string{"10.0.0.2:20010"}},
		{Key{udp, 30053}, NodePort, "a/web:53", []string{"10.0.0.1:20002"}},
		{Key{tcp, 30080}, NodePort, "a/web:80", []string{"10.0.0.1:20001", "10.0.0.3:20005"}},
		{Key{tcp, 31432}, NodePort, "b/lb:5432", []string{"10.0.0.2:20010"}},
		{Key{tcp, 31433}, NodePort, "c/lb2:5432", nil},
		{Key{tcp, 31434}, NodePort, "a/lb3:30080", nil},
	}
	if !slices.EqualFunc(g, want, func(a, b got) bool {
		return a.key == b.key && a.kind == b.kind && a.owner == b.owner && slices.Equal(a.backends, b.backends)
	}) {
		t.Errorf("plan:\ngot  %+v\nwant %+v", g, want)
	}
	wantDropped := []string{
		"30080/TCP of a/lb3:30080 (LoadBalancer) is a/web:80's",
		"5432/TCP of c/lb2:5432 (LoadBalancer) is b/lb:5432's",
	}
	if !slices.Equal(dropped, wantDropped) {
		t.Errorf("dropped:\ngot  %q\nwant %q", dropped, wantDropped)
	}
}
