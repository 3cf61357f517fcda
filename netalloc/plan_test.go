package netalloc

import (
	"net/netip"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
)

func small(t *testing.T) Ranges {
	t.Helper()
	r, errs := Parse(Spec{ServiceCIDR: "10.43.0.0/28", PodCIDR: "10.42.0.0/28", ServiceNodePortRange: "30000-30003", NodePortRange: "20000-20010"}, nil)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	return r
}

func svc(key string, typ corev1.ServiceType, ip string, nodePorts ...int32) ServiceRequest {
	s := ServiceRequest{Key: key, Type: typ, ClusterIP: ip}
	for i, np := range nodePorts {
		s.Ports = append(s.Ports, PortRequest{Port: int32(80 + i), Protocol: corev1.ProtocolTCP, NodePort: np})
	}
	if len(nodePorts) == 0 {
		s.Ports = []PortRequest{{Port: 80, Protocol: corev1.ProtocolTCP}}
	}
	return s
}

func apply(cur map[string]Allocation, p ServicePlan) map[string]Allocation {
	out := map[string]Allocation{}
	for k, v := range cur {
		out[k] = v
	}
	for _, k := range p.Delete {
		delete(out, k)
	}
	for _, w := range p.Write {
		out[w.Key] = w.Allocation
	}
	return out
}

func TestPlanGivesAndKeeps(t *testing.T) {
	r := DefaultRanges()
	reqs := []ServiceRequest{
		svc("a/web", corev1.ServiceTypeClusterIP, ""),
		svc("a/db", corev1.ServiceTypeClusterIP, "None"),
		svc("a/ext", corev1.ServiceTypeExternalName, ""),
		svc("a/np", corev1.ServiceTypeNodePort, "", 0, 30080),
		svc("a/fixed", corev1.ServiceTypeClusterIP, "10.43.0.50"),
	}
	p := PlanServices(r, reqs, nil)
	if len(p.Problems) > 0 || len(p.Delete) > 0 || len(p.Write) != 3 {
		t.Fatalf("plan = %+v", p)
	}
	cur := apply(nil, p)
	if cur["a/fixed"].ClusterIP != "10.43.0.50" {
		t.Errorf("explicit IP: %+v", cur["a/fixed"])
	}
	if np := cur["a/np"]; np.NodePort(81, "TCP") != 30080 || !r.ServiceNodePortRange.Contains(np.NodePort(80, "")) || np.ClusterIP == "" {
		t.Errorf("node ports: %+v", np)
	}
	if again := PlanServices(r, reqs, cur); !again.Empty() || len(again.Problems) > 0 {
		t.Errorf("a second plan changes %+v", again)
	}
	// The Service becomes NodePort: it keeps its ClusterIP and gains a node port.
	reqs[0].Type = corev1.ServiceTypeNodePort
	p = PlanServices(r, reqs, cur)
	next := apply(cur, p)
	if next["a/web"].ClusterIP != cur["a/web"].ClusterIP || next["a/web"].NodePort(80, "TCP") == 0 {
		t.Errorf("update: %+v -> %+v", cur["a/web"], next["a/web"])
	}
	// Deleted: freed.
	p = PlanServices(r, reqs[1:], next)
	if len(p.Delete) != 1 || p.Delete[0] != "a/web" {
		t.Errorf("delete: %+v", p)
	}
}

func TestNeverReserved(t *testing.T) {
	r := small(t)
	var reqs []ServiceRequest
	for i := range 20 {
		reqs = append(reqs, svc("ns/s"+string(rune('a'+i)), corev1.ServiceTypeClusterIP, ""))
	}
	p := PlanServices(r, reqs, nil)
	if len(p.Write) != 13 || len(p.Problems) != 7 {
		t.Fatalf("%d written, %d problems", len(p.Write), len(p.Problems))
	}
	for _, w := range p.Write {
		switch w.Allocation.ClusterIP {
		case "10.43.0.0", "10.43.0.1", "10.43.0.15":
			t.Errorf("%s got reserved address %s", w.Key, w.Allocation.ClusterIP)
		}
	}
	if !strings.Contains(p.Problems[0].Message, "no ClusterIP is free in 10.43.0.0/28") {
		t.Errorf("problem: %+v", p.Problems[0])
	}
}

// Two Services stored at once asking for the same address: the first by key gets it, the
// other none, with a reason.
func TestPlanConflictingRequests(t *testing.T) {
	r := DefaultRanges()
	p := PlanServices(r, []ServiceRequest{
		svc("b/two", corev1.ServiceTypeClusterIP, "10.43.1.1"),
		svc("a/one", corev1.ServiceTypeClusterIP, "10.43.1.1"),
		svc("a/dyn", corev1.ServiceTypeNodePort, "", 30500),
		svc("c/dyn", corev1.ServiceTypeNodePort, "", 30500),
		svc("d/out", corev1.ServiceTypeNodePort, "", 80),
	}, nil)
	cur := apply(nil, p)
	if cur["a/one"].ClusterIP != "10.43.1.1" || !cur["b/two"].Empty() || cur["a/dyn"].NodePort(80, "TCP") != 30500 || !cur["c/dyn"].Empty() || !cur["d/out"].Empty() {
		t.Fatalf("allocations: %+v", cur)
	}
	if len(p.Problems) != 3 || p.Problems[0].Key != "b/two" || !strings.Contains(p.Problems[0].Message, "already allocated") ||
		p.Problems[1].Field != "spec.ports[0].nodePort" || !strings.Contains(p.Problems[2].Message, "not in the valid range") {
		t.Errorf("problems: %+v", p.Problems)
	}
}

func TestCheckServiceRequest(t *testing.T) {
	r := DefaultRanges()
	allocs := map[string]Allocation{
		"a/web": {ClusterIP: "10.43.0.20"},
		"a/np":  {ClusterIP: "10.43.0.21", Ports: []AllocatedPort{{Port: 80, Protocol: "TCP", NodePort: 31000}}},
	}
	others := []ServiceRequest{svc("a/asked", corev1.ServiceTypeClusterIP, "10.43.0.22")}
	cases := []struct {
		req  ServiceRequest
		want string
	}{
		{svc("a/new", corev1.ServiceTypeClusterIP, "10.44.0.1"), `spec.clusterIP: Invalid value: "10.44.0.1": provided IP is not in the valid range. The range of valid IPs is 10.43.0.0/16`},
		{svc("a/new", corev1.ServiceTypeClusterIP, "10.43.0.20"), `spec.clusterIP: Invalid value: "10.43.0.20": provided IP is already allocated`},
		{svc("a/new", corev1.ServiceTypeClusterIP, "10.43.0.22"), `provided IP is already allocated`},
		{svc("a/new", corev1.ServiceTypeClusterIP, "10.43.0.0"), `not in the valid range`},
		{svc("a/web", corev1.ServiceTypeClusterIP, "10.43.0.30"), `spec.clusterIPs[0]: Invalid value: ["10.43.0.30"]: field is immutable`},
		{svc("a/new", corev1.ServiceTypeNodePort, "", 31000), `spec.ports[0].nodePort: Invalid value: 31000: provided port is already allocated`},
		{svc("a/new", corev1.ServiceTypeNodePort, "", 8080), `spec.ports[0].nodePort: Invalid value: 8080: provided port is not in the valid range. The range of valid ports is 30000-32767`},
	}
	for _, c := range cases {
		errs := CheckServiceRequest(r, c.req, allocs, others)
		if len(errs) != 1 || !strings.Contains(errs[0].Error(), c.want) {
			t.Errorf("%+v: %v, want %q", c.req, errs, c.want)
		}
	}
	for _, ok := range []ServiceRequest{
		svc("a/web", corev1.ServiceTypeClusterIP, "10.43.0.20"),
		svc("a/web", corev1.ServiceTypeClusterIP, ""),
		svc("a/np", corev1.ServiceTypeNodePort, "", 31000),
		svc("a/new", corev1.ServiceTypeLoadBalancer, "10.43.0.99", 31001),
	} {
		if errs := CheckServiceRequest(r, ok, allocs, others); len(errs) > 0 {
			t.Errorf("%+v refused: %v", ok, errs)
		}
	}
}

func TestPodIPs(t *testing.T) {
	cidr := netip.MustParsePrefix("10.42.0.0/28")
	if PodGateway(cidr).String() != "10.42.0.1" {
		t.Errorf("gateway %s", PodGateway(cidr))
	}
	var pods []string
	for i := range 15 {
		pods = append(pods, "ns/p"+string(rune('a'+i)))
	}
	p := PlanPodIPs(cidr, []string{"10.42.0.7"}, pods)
	if len(p.IPs) != 12 || !strings.Contains(p.Exhausted, "no pod IP is free in the pod CIDR 10.42.0.0/28") {
		t.Fatalf("plan: %+v", p)
	}
	seen := map[string]bool{"10.42.0.7": true}
	for k, ip := range p.IPs {
		a := netip.MustParseAddr(ip)
		if seen[ip] || !cidr.Contains(a) || ip == "10.42.0.0" || ip == "10.42.0.1" || ip == "10.42.0.15" {
			t.Errorf("%s got %s", k, ip)
		}
		seen[ip] = true
	}
}
