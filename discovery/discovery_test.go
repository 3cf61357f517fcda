package discovery

import (
	"reflect"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/podman-swarm/podman-swarm/manifest"
)

func pod(name string, labels map[string]string, ports ...corev1.ContainerPort) manifest.Pod {
	return manifest.Pod{Namespace: "default", Name: name, Labels: labels,
		Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "i", Ports: ports}}}}
}

func TestEndpoints(t *testing.T) {
	web := map[string]string{"app": "web"}
	svc := &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "web"},
		Spec: corev1.ServiceSpec{Selector: web, Ports: []corev1.ServicePort{
			{Name: "http", Port: 80, TargetPort: intstr.FromString("http")},
			{Name: "metrics", Port: 9100, TargetPort: intstr.FromInt32(9100)},
			{Name: "dns", Port: 53, Protocol: corev1.ProtocolUDP},
		}},
	}
	pods := []Pod{
		// Named port published on another host port; metrics by number; dns by the
		// Service port's own number over UDP.
		{Pod: pod("web-b", web, corev1.ContainerPort{Name: "http", ContainerPort: 8080, HostPort: 18080},
			corev1.ContainerPort{ContainerPort: 9100}, corev1.ContainerPort{ContainerPort: 53, Protocol: corev1.ProtocolUDP}),
			Node: "n2", Address: "198.18.0.12", Ready: true},
		{Pod: pod("web-a", web, corev1.ContainerPort{Name: "http", ContainerPort: 8080}), Node: "n1", Address: "198.18.0.11"},
		{Pod: pod("other", map[string]string{"app": "db"}, corev1.ContainerPort{Name: "http", ContainerPort: 8080}), Node: "n1", Address: "198.18.0.11", Ready: true},
		{Pod: pod("web-pending", web, corev1.ContainerPort{Name: "http", ContainerPort: 8080})},
		{Pod: pod("web-noport", web), Node: "n3", Address: "198.18.0.13", Ready: true},
	}
	got := Endpoints(svc, pods)
	want := Service{Namespace: "default", Name: "web", Type: "ClusterIP",
		Ports: []Port{{Name: "http", Port: 80, Protocol: "TCP"}, {Name: "metrics", Port: 9100, Protocol: "TCP"}, {Name: "dns", Port: 53, Protocol: "UDP"}},
		Endpoints: []Endpoint{
			{Pod: "web-a", Node: "n1", Address: "198.18.0.11", Ports: []Port{{Name: "http", Port: 8080, Protocol: "TCP", TargetPort: 8080}}},
			{Pod: "web-b", Node: "n2", Address: "198.18.0.12", Ready: true, Ports: []Port{
				{Name: "http", Port: 18080, Protocol: "TCP", TargetPort: 8080},
				{Name: "metrics", Port: 9100, Protocol: "TCP", TargetPort: 9100},
				{Name: "dns", Port: 53, Protocol: "UDP", TargetPort: 53}}},
		}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("Endpoints:\n got %+v\nwant %+v", got, want)
	}
	if a := got.Addresses(""); !reflect.DeepEqual(a, []string{"198.18.0.12:18080"}) {
		t.Errorf("Addresses(\"\") = %v: only ready endpoints, on the first port", a)
	}
	if a := got.Addresses("metrics"); !reflect.DeepEqual(a, []string{"198.18.0.12:9100"}) {
		t.Errorf("Addresses(metrics) = %v", a)
	}
	noSelector := svc.DeepCopy()
	noSelector.Spec.Selector = nil
	if eps := Endpoints(noSelector, pods).Endpoints; len(eps) != 0 {
		t.Errorf("a Service without a selector has endpoints: %v", eps)
	}
}

// An endpoint takes traffic when its pod is ready, its node up, and its ports were open at
// the node's last check; before any check, readiness alone decides.
func TestEndpointReadyNeedsOpenPorts(t *testing.T) {
	open, closed := true, false
	svc := &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "web"},
		Spec:       corev1.ServiceSpec{Selector: map[string]string{"app": "web"}, Ports: []corev1.ServicePort{{Port: 8080}}},
	}
	for _, tc := range []struct {
		name      string
		ready     bool
		portsOpen *bool
		nodeDown  bool
		want      bool
	}{
		{"ready, not checked yet", true, nil, false, true},
		{"ready, ports open", true, &open, false, true},
		{"ready, ports closed", true, &closed, false, false},
		{"not ready, ports open", false, &open, false, false},
		{"not ready, not checked", false, nil, false, false},
		{"ready, ports open, node down", true, &open, true, false},
	} {
		p := Pod{Pod: pod("web-a", map[string]string{"app": "web"}, corev1.ContainerPort{ContainerPort: 8080}),
			Node: "n1", Address: "198.18.0.11", Ready: tc.ready, PortsOpen: tc.portsOpen, NodeDown: tc.nodeDown}
		got := Endpoints(svc, []Pod{p})
		if len(got.Endpoints) != 1 || got.Endpoints[0].Ready != tc.want {
			t.Errorf("%s: endpoints %+v, want one with ready %v", tc.name, got.Endpoints, tc.want)
		}
		if n := len(got.Addresses("")); n != map[bool]int{true: 1}[tc.want] {
			t.Errorf("%s: %d addresses", tc.name, n)
		}
	}
}

// A pod placed with its own IP publishes its container ports on node ports its node picked
// and reports: the endpoint carries both, so rules can send pod IP:container port and
// ClusterIP:port to node address:node port. The Service's allocations come through.
func TestEndpointsOfPodWithOwnIP(t *testing.T) {
	web := map[string]string{"app": "web"}
	svc := &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "web"},
		Spec: corev1.ServiceSpec{Type: corev1.ServiceTypeNodePort, ClusterIP: "10.43.0.10", Selector: web,
			Ports: []corev1.ServicePort{{Name: "http", Port: 80, TargetPort: intstr.FromString("http"), NodePort: 30080}}},
	}
	p := pod("web-a", web, corev1.ContainerPort{Name: "http", ContainerPort: 8080})
	reported := []manifest.PublishedPort{{Container: "c", Name: "http", ContainerPort: 8080, HostPort: 20001, Protocol: corev1.ProtocolTCP}}
	got := Endpoints(svc, []Pod{{Pod: p, Node: "n1", Address: "198.18.0.11", PodIP: "10.42.0.7", Ports: reported, Ready: true}})
	want := Service{Namespace: "default", Name: "web", Type: corev1.ServiceTypeNodePort, ClusterIP: "10.43.0.10",
		Ports: []Port{{Name: "http", Port: 80, Protocol: "TCP", NodePort: 30080}},
		Endpoints: []Endpoint{{Pod: "web-a", Node: "n1", Address: "198.18.0.11", PodIP: "10.42.0.7", Ready: true,
			Ports: []Port{{Name: "http", Port: 20001, Protocol: "TCP", TargetPort: 8080}}}}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("Endpoints:\n got %+v\nwant %+v", got, want)
	}
	if a := got.Addresses("http"); !reflect.DeepEqual(a, []string{"198.18.0.11:20001"}) {
		t.Errorf("Addresses(http) = %v, want the node port", a)
	}
}

// An ExternalName Service has no endpoints, whatever its selector matches.
func TestExternalNameHasNoEndpoints(t *testing.T) {
	svc := &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "db"},
		Spec: corev1.ServiceSpec{Type: corev1.ServiceTypeExternalName, ExternalName: "db.example.com",
			Selector: map[string]string{"app": "db"}, Ports: []corev1.ServicePort{{Port: 5432}}},
	}
	got := Endpoints(svc, []Pod{{Pod: pod("db-0", map[string]string{"app": "db"}, corev1.ContainerPort{ContainerPort: 5432}), Node: "n1", Address: "198.18.0.11", Ready: true}})
	if len(got.Endpoints) != 0 || got.ExternalName != "db.example.com" || got.Type != corev1.ServiceTypeExternalName {
		t.Fatalf("Endpoints = %+v", got)
	}
}
