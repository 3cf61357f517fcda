package netalloc

import (
	"fmt"
	"net/netip"
	"sort"
)

// KeyedAllocation is an allocation to write under a Service's key.
type KeyedAllocation struct {
	Key        string
	Allocation Allocation
}

// Problem is a Service whose request the plan cannot honour, and why. The Service keeps
// the allocation it had (none, if it is new).
type Problem struct {
	Key     string
	Field   string // spec.clusterIP, spec.ports[1].nodePort
	Message string
}

// ServicePlan is what PlanServices decides.
type ServicePlan struct {
	Write    []KeyedAllocation // new or changed allocations, sorted by key
	Delete   []string          // keys whose allocation goes (the Service is gone, or needs none)
	Problems []Problem         // sorted by key
}

// Empty reports whether the plan changes nothing.
func (p ServicePlan) Empty() bool { return len(p.Write) == 0 && len(p.Delete) == 0 }

// PlanServices decides the allocations of services, given the current ones (by key). It
// is deterministic: the same input, in any order, gives the same plan. Current
// allocations are kept as long as their Service wants them, and no address or port is
// ever in two allocations: an allocation that clashes with another (which only a bug or a
// hand-edited store could make) is kept for the lower key and taken back from the other.
// Requests for an explicit address or port are served before those for any, and what
// their Services free in this plan is not given to another Service in the same plan.
func PlanServices(r Ranges, services []ServiceRequest, current map[string]Allocation) ServicePlan {
	reqs := make([]ServiceRequest, 0, len(services))
	seen := map[string]bool{}
	for _, s := range services {
		if !seen[s.Key] {
			seen[s.Key] = true
			reqs = append(reqs, s)
		}
	}
	sort.Slice(reqs, func(i, j int) bool { return reqs[i].Key < reqs[j].Key })
	var plan ServicePlan
	for _, key := range sortedKeys(current) {
		if !seen[key] {
			plan.Delete = append(plan.Delete, key)
		}
	}
	a := newAllocator(r)
	// Every valid current allocation of a Service that still exists holds its addresses
	// for the whole plan, so nothing it frees is handed out again at once.
	valid := map[string]Allocation{}
	for _, s := range reqs {
		if cur, ok := current[s.Key]; ok {
			valid[s.Key] = a.hold(cur)
		}
	}
	for _, s := range reqs {
		if ip := s.explicitClusterIP(); ip != "" {
			if addr, err := netip.ParseAddr(ip); err == nil {
				a.asked[addr] = true
			}
		}
		if s.WantsNodePorts() {
			for _, p := range s.Ports {
				if p.NodePort != 0 {
					a.askedPorts[p.NodePort] = true
				}
			}
		}
	}
	// Explicit requests first, then the rest, each in key order.
	var explicit, rest []ServiceRequest
	for _, s := range reqs {
		if s.explicit() {
			explicit = append(explicit, s)
		} else {
			rest = append(rest, s)
		}
	}
	results := map[string]Allocation{}
	for _, s := range append(explicit, rest...) {
		cur := valid[s.Key]
		want, problem := a.serve(s, cur)
		if problem != nil {
			plan.Problems = append(plan.Problems, *problem)
			want = cur
		}
		results[s.Key] = want
	}
	for _, s := range reqs {
		want := results[s.Key]
		old, had := current[s.Key]
		switch {
		case want.Empty() && had:
			plan.Delete = append(plan.Delete, s.Key)
		case want.Empty():
		case !had || !old.Equal(want):
			plan.Write = append(plan.Write, KeyedAllocation{Key: s.Key, Allocation: want})
		}
	}
	sort.Strings(plan.Delete)
	sort.SliceStable(plan.Problems, func(i, j int) bool { return plan.Problems[i].Key < plan.Problems[j].Key })
	return plan
}

// explicit reports whether a Service asks for a particular address or node port.
func (s ServiceRequest) explicit() bool {
	if s.explicitClusterIP() != "" {
		return true
	}
	if s.WantsNodePorts() {
		for _, p := range s.Ports {
			if p.NodePort != 0 {
				return true
			}
		}
	}
	return false
}

// allocator tracks what one plan has handed out.
type allocator struct {
	r          Ranges
	svc        space
	ips        map[netip.Addr]string // address -> the Service holding it
	ports      map[int32]string      // node port -> the Service holding it
	asked      map[netip.Addr]bool   // asked for explicitly by some Service
	askedPorts map[int32]bool
}

func newAllocator(r Ranges) *allocator {
	return &allocator{r: r, svc: newSpace(r.ServiceCIDR), ips: map[netip.Addr]string{}, ports: map[int32]string{},
		asked: map[netip.Addr]bool{}, askedPorts: map[int32]bool{}}
}

// hold marks what a current allocation (of a Service that exists, taken in key order)
// holds, and returns the part of it that is valid: in range and held by no Service
// before it.
func (a *allocator) hold(cur Allocation) Allocation {
	var out Allocation
	if ip, err := netip.ParseAddr(cur.ClusterIP); err == nil && a.svc.contains(ip) {
		if _, taken := a.ips[ip]; !taken {
			a.ips[ip] = "held"
			out.ClusterIP = cur.ClusterIP
		}
	}
	for _, p := range cur.Ports {
		if !a.r.ServiceNodePortRange.Contains(p.NodePort) {
			continue
		}
		if _, taken := a.ports[p.NodePort]; taken {
			continue
		}
		a.ports[p.NodePort] = "held"
		out.Ports = append(out.Ports, p)
	}
	return out
}

// serve computes the allocation that s wants, starting from cur (its own valid current
// allocation), or says why it cannot. What it takes is marked held.
func (a *allocator) serve(s ServiceRequest, cur Allocation) (Allocation, *Problem) {
	var want Allocation
	var takeIP netip.Addr
	if s.WantsClusterIP() {
		switch {
		case cur.ClusterIP != "":
			// An allocated ClusterIP never changes; the API refuses an update that asks
			// for another one, and one that got through (two applies at once) keeps it.
			if ask := s.explicitClusterIP(); ask != "" && ask != cur.ClusterIP {
				return Allocation{}, &Problem{Key: s.Key, Field: "spec.clusterIP",
					Message: fmt.Sprintf("asks for ClusterIP %s but has %s, and a ClusterIP cannot change: delete and create the Service again to change it", ask, cur.ClusterIP)}
			}
			want.ClusterIP = cur.ClusterIP
		case s.ClusterIP != "":
			ip, err := netip.ParseAddr(s.ClusterIP)
			switch {
			case err != nil || !a.svc.contains(ip):
				return Allocation{}, &Problem{Key: s.Key, Field: "spec.clusterIP",
					Message: fmt.Sprintf("ClusterIP %s is not in the valid range. The range of valid IPs is %s", s.ClusterIP, a.r.ServiceCIDR)}
			case a.ips[ip] != "":
				return Allocation{}, &Problem{Key: s.Key, Field: "spec.clusterIP",
					Message: fmt.Sprintf("ClusterIP %s is already allocated to another Service (two applies asked for it at once); this Service gets none until it asks for a free one", s.ClusterIP)}
			}
			takeIP = ip
		default:
			ip, ok := a.svc.pick(s.Key, func(ip netip.Addr) bool { return a.ips[ip] != "" }, func(ip netip.Addr) bool { return a.asked[ip] })
			if !ok {
				return Allocation{}, &Problem{Key: s.Key, Field: "spec.clusterIP",
					Message: fmt.Sprintf("no ClusterIP is free in %s: all %d addresses are allocated; delete a Service or give the cluster a larger --service-cidr", a.r.ServiceCIDR, a.svc.count)}
			}
			takeIP = ip
		}
		if takeIP.IsValid() {
			want.ClusterIP = takeIP.String()
		}
	}
	if s.WantsNodePorts() {
		ports, problem := a.nodePorts(s, cur)
		if problem != nil {
			return Allocation{}, problem
		}
		want.Ports = ports
	}
	if takeIP.IsValid() {
		a.ips[takeIP] = s.Key
	}
	for _, p := range want.Ports {
		a.ports[p.NodePort] = s.Key
	}
	return want, nil
}

// nodePorts gives each of s's ports a node port: the one asked for, else the one it has,
// else a free one. Explicit requests are served first, so that a port the Service holds
// for one of its ports and now asks for on another is not given to both.
func (a *allocator) nodePorts(s ServiceRequest, cur Allocation) ([]AllocatedPort, *Problem) {
	out := make([]AllocatedPort, len(s.Ports))
	mine := map[int32]bool{} // taken by this Service in this plan
	for i, p := range s.Ports {
		if p.NodePort == 0 {
			continue
		}
		field := fmt.Sprintf("spec.ports[%d].nodePort", i)
		switch {
		case !a.r.ServiceNodePortRange.Contains(p.NodePort):
			return nil, &Problem{Key: s.Key, Field: field, Message: fmt.Sprintf("node port %d is not in the valid range. The range of valid ports is %s", p.NodePort, a.r.ServiceNodePortRange)}
		case mine[p.NodePort], a.ports[p.NodePort] != "" && !ownPort(cur, p.NodePort):
			return nil, &Problem{Key: s.Key, Field: field, Message: fmt.Sprintf("node port %d is already allocated to another Service (two applies asked for it at once); this Service gets no allocation until it asks for a free one", p.NodePort)}
		}
		mine[p.NodePort] = true
		out[i] = AllocatedPort{Port: p.Port, Protocol: protocol(p.Protocol), NodePort: p.NodePort}
	}
	for i, p := range s.Ports {
		if p.NodePort != 0 {
			continue
		}
		np := cur.NodePort(p.Port, p.Protocol)
		if np == 0 || mine[np] {
			var ok bool
			np, ok = pickPort(a.r.ServiceNodePortRange, fmt.Sprintf("%s/%d/%s", s.Key, p.Port, protocol(p.Protocol)),
				func(p int32) bool { return a.ports[p] != "" || mine[p] }, func(p int32) bool { return a.askedPorts[p] })
			if !ok {
				return nil, &Problem{Key: s.Key, Field: fmt.Sprintf("spec.ports[%d].nodePort", i), Message: fmt.Sprintf("no node port is free in %s: all %d are allocated; delete a NodePort Service or give the cluster a larger --service-node-port-range", a.r.ServiceNodePortRange, a.r.ServiceNodePortRange.Size())}
			}
		}
		mine[np] = true
		out[i] = AllocatedPort{Port: p.Port, Protocol: protocol(p.Protocol), NodePort: np}
	}
	return out, nil
}

// ownPort reports whether the Service's own current allocation holds node port p.
func ownPort(cur Allocation, p int32) bool {
	for _, q := range cur.Ports {
		if q.NodePort == p {
			return true
		}
	}
	return false
}
