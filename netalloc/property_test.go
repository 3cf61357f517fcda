package netalloc

import (
	"fmt"
	"math/rand/v2"
	"net/netip"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"pgregory.net/rapid"
)

var types = []corev1.ServiceType{corev1.ServiceTypeClusterIP, corev1.ServiceTypeNodePort, corev1.ServiceTypeLoadBalancer, corev1.ServiceTypeExternalName}

// genRequest draws a Service from a small pool of keys, addresses and ports, so that
// requests clash often.
func genRequest(t *rapid.T, r Ranges) ServiceRequest {
	key := fmt.Sprintf("ns/s%d", rapid.IntRange(0, 24).Draw(t, "key"))
	s := ServiceRequest{Key: key, Type: rapid.SampledFrom(types).Draw(t, "type")}
	switch rapid.IntRange(0, 5).Draw(t, "ip") {
	case 0:
		s.ClusterIP = corev1.ClusterIPNone
	case 1:
		s.ClusterIP = fmt.Sprintf("10.43.0.%d", rapid.IntRange(0, 17).Draw(t, "addr"))
	}
	for i := range rapid.IntRange(1, 3).Draw(t, "ports") {
		p := PortRequest{Port: int32(80 + i), Protocol: corev1.ProtocolTCP}
		if rapid.Bool().Draw(t, "explicit") {
			p.NodePort = r.ServiceNodePortRange.First + int32(rapid.IntRange(-1, 12).Draw(t, "np"))
		}
		s.Ports = append(s.Ports, p)
	}
	return s
}

// checkAllocations fails on an address or port given twice, or outside its range, or
// reserved, or held by a Service that wants none.
func checkAllocations(t *rapid.T, r Ranges, reqs map[string]ServiceRequest, cur map[string]Allocation) {
	ips := map[string]string{}
	ports := map[int32]string{}
	sp := newSpace(r.ServiceCIDR)
	for k, a := range cur {
		if _, ok := reqs[k]; !ok {
			t.Fatalf("%s has an allocation but no Service", k)
		}
		if a.ClusterIP != "" {
			if other, dup := ips[a.ClusterIP]; dup {
				t.Fatalf("%s given to %s and %s", a.ClusterIP, other, k)
			}
			ips[a.ClusterIP] = k
			if !sp.contains(netip.MustParseAddr(a.ClusterIP)) {
				t.Fatalf("%s got %s, not in the range or reserved", k, a.ClusterIP)
			}
		}
		for _, p := range a.Ports {
			if other, dup := ports[p.NodePort]; dup {
				t.Fatalf("node port %d given to %s and %s", p.NodePort, other, k)
			}
			ports[p.NodePort] = k
			if !r.ServiceNodePortRange.Contains(p.NodePort) {
				t.Fatalf("%s got node port %d", k, p.NodePort)
			}
		}
	}
}

// No address or port is ever in two allocations, across any sequence of creates, updates
// and deletes, and planning settles: the second plan after a change is empty.
func TestPropertyNoDuplicates(t *testing.T) {
	r := small(&testing.T{})
	rapid.Check(t, func(t *rapid.T) {
		reqs := map[string]ServiceRequest{}
		cur := map[string]Allocation{}
		for range rapid.IntRange(1, 30).Draw(t, "steps") {
			if rapid.IntRange(0, 3).Draw(t, "op") == 0 && len(reqs) > 0 {
				delete(reqs, rapid.SampledFrom(sortedKeys(reqs)).Draw(t, "delete"))
			} else {
				s := genRequest(t, r)
				reqs[s.Key] = s
			}
			// Several applies may land before the leader plans.
			if rapid.Bool().Draw(t, "plan") {
				continue
			}
			list := make([]ServiceRequest, 0, len(reqs))
			for _, k := range sortedKeys(reqs) {
				list = append(list, reqs[k])
			}
			p := PlanServices(r, list, cur)
			cur = apply(cur, p)
			checkAllocations(t, r, reqs, cur)
			// What a plan frees is given out by the next one at the earliest; after that,
			// planning again changes nothing.
			second := PlanServices(r, list, cur)
			cur = apply(cur, second)
			checkAllocations(t, r, reqs, cur)
			if again := PlanServices(r, list, cur); !again.Empty() {
				t.Fatalf("the plan is not a fixed point: %+v", again)
			}
			p = second
			for _, s := range list {
				a, ok := cur[s.Key]
				if s.WantsClusterIP() && !ok && !hasProblem(p, s.Key) {
					t.Fatalf("%s wants a ClusterIP, has none, and no problem says why", s.Key)
				}
				if s.WantsClusterIP() && ok && s.explicitClusterIP() != "" && a.ClusterIP != s.ClusterIP && !hasProblem(p, s.Key) {
					t.Fatalf("%s asked for %s and got %s silently", s.Key, s.ClusterIP, a.ClusterIP)
				}
			}
		}
	})
}

func hasProblem(p ServicePlan, key string) bool {
	for _, q := range p.Problems {
		if q.Key == key {
			return true
		}
	}
	return false
}

// The order of the input does not change the plan.
func TestPropertyDeterministic(t *testing.T) {
	r := small(&testing.T{})
	rapid.Check(t, func(t *rapid.T) {
		var list []ServiceRequest
		seen := map[string]bool{}
		for range rapid.IntRange(0, 20).Draw(t, "n") {
			s := genRequest(t, r)
			if !seen[s.Key] {
				seen[s.Key] = true
				list = append(list, s)
			}
		}
		cur := apply(nil, PlanServices(r, list[:len(list)/2], nil))
		want := PlanServices(r, list, cur)
		shuffled := append([]ServiceRequest(nil), list...)
		rng := rand.New(rand.NewPCG(rapid.Uint64().Draw(t, "seed"), 1))
		rng.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
		got := PlanServices(r, shuffled, cur)
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("order changed the plan:\n%+v\n%+v", want, got)
		}
		pods := make([]string, len(list))
		for i, s := range list {
			pods[i] = s.Key
		}
		a := PlanPodIPs(r.PodCIDR, []string{"10.42.0.5"}, pods)
		rng.Shuffle(len(pods), func(i, j int) { pods[i], pods[j] = pods[j], pods[i] })
		if b := PlanPodIPs(r.PodCIDR, []string{"10.42.0.5"}, pods); fmt.Sprint(a) != fmt.Sprint(b) {
			t.Fatalf("order changed the pod IPs:\n%+v\n%+v", a, b)
		}
	})
}

// Pod IPs are never given twice across creates and deletes, and never the network, gateway
// or broadcast address.
func TestPropertyPodIPs(t *testing.T) {
	cidr := netip.MustParsePrefix("10.42.0.0/28")
	rapid.Check(t, func(t *rapid.T) {
		held := map[string]string{} // pod -> ip
		for step := range rapid.IntRange(1, 30).Draw(t, "steps") {
			for _, k := range sortedKeys(held) {
				if rapid.IntRange(0, 3).Draw(t, "del") == 0 {
					delete(held, k)
				}
			}
			var taken, pods []string
			for _, ip := range held {
				taken = append(taken, ip)
			}
			for i := range rapid.IntRange(0, 5).Draw(t, "new") {
				pods = append(pods, fmt.Sprintf("ns/p%d-%d", step, i))
			}
			p := PlanPodIPs(cidr, taken, pods)
			if len(p.IPs) < len(pods) && p.Exhausted == "" {
				t.Fatalf("pods left without IP and no reason: %+v", p)
			}
			if len(held)+len(p.IPs) < 13 && len(p.IPs) < len(pods) {
				t.Fatalf("free addresses left, yet pods got none: %+v", p)
			}
			for k, ip := range p.IPs {
				held[k] = ip
			}
			seen := map[string]bool{}
			for k, ip := range held {
				if seen[ip] || ip == "10.42.0.0" || ip == "10.42.0.1" || ip == "10.42.0.15" || !cidr.Contains(netip.MustParseAddr(ip)) {
					t.Fatalf("%s holds %s (held %v)", k, ip, held)
				}
				seen[ip] = true
			}
		}
	})
}
