package netalloc

import (
	"slices"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func service(typ corev1.ServiceType, clusterIP string, nodePorts ...int32) *corev1.Service {
	s := &corev1.Service{ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "web"},
		Spec: corev1.ServiceSpec{Type: typ, ClusterIP: clusterIP}}
	for i, np := range nodePorts {
		s.Spec.Ports = append(s.Spec.Ports, corev1.ServicePort{Port: int32(80 + i), NodePort: np})
	}
	return s
}

// A Service shows what it was given, and nothing it only asks for: an address or node
// port asked for but not given may be another Service's.
func TestMergeShowsOnlyWhatWasGiven(t *testing.T) {
	given := Allocation{ClusterIP: "10.43.0.7", Ports: []AllocatedPort{
		{Port: 80, Protocol: corev1.ProtocolTCP, NodePort: 30080},
		{Port: 81, Protocol: corev1.ProtocolTCP, NodePort: 30081},
	}}
	for _, c := range []struct {
		what      string
		svc       *corev1.Service
		alloc     Allocation
		clusterIP string
		nodePorts []int32
	}{
		{"allocated", service(corev1.ServiceTypeNodePort, "", 0, 0), given, "10.43.0.7", []int32{30080, 30081}},
		{"allocated what it asked for", service(corev1.ServiceTypeNodePort, "10.43.0.7", 30080, 0), given, "10.43.0.7", []int32{30080, 30081}},
		{"not allocated yet", service(corev1.ServiceTypeNodePort, "", 0, 0), Allocation{}, "", []int32{0, 0}},
		{"asking, not given", service(corev1.ServiceTypeNodePort, "10.43.0.9", 30090, 0), Allocation{}, "", []int32{0, 0}},
		{"headless", service(corev1.ServiceTypeClusterIP, "None", 0), Allocation{}, "None", []int32{0}},
		{"ExternalName", service(corev1.ServiceTypeExternalName, "", 0), Allocation{}, "", []int32{0}},
	} {
		orig := c.svc.DeepCopy()
		got := Merge(c.svc, c.alloc)
		var ports []int32
		for _, p := range got.Spec.Ports {
			ports = append(ports, p.NodePort)
		}
		wantIPs := []string(nil)
		if c.clusterIP != "" {
			wantIPs = []string{c.clusterIP}
		}
		if got.Spec.ClusterIP != c.clusterIP || !slices.Equal(got.Spec.ClusterIPs, wantIPs) || !slices.Equal(ports, c.nodePorts) {
			t.Errorf("%s: shown with %q %q, node ports %v; want %q, node ports %v", c.what,
				got.Spec.ClusterIP, got.Spec.ClusterIPs, ports, c.clusterIP, c.nodePorts)
		}
		if c.svc.Spec.ClusterIP != orig.Spec.ClusterIP || len(c.svc.Spec.ClusterIPs) != len(orig.Spec.ClusterIPs) {
			t.Errorf("%s: Merge changed the Service it was given", c.what)
		}
	}
}
