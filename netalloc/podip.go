package netalloc

import (
	"fmt"
	"net/netip"
	"sort"
)

// PodIPPlan is the addresses PlanPodIPs gives new pods.
type PodIPPlan struct {
	IPs map[string]string // pod key -> its address
	// Exhausted says why the pods missing from IPs got none; "" when every pod got one.
	Exhausted string
}

// PodGateway is the gateway pods in cidr use (pasta's -g): its first host address, which
// is never given to a pod.
func PodGateway(cidr netip.Prefix) netip.Addr { return cidr.Masked().Addr().Next() }

// PlanPodIPs gives each of pods (keys "namespace/name") an address of cidr that none of
// taken (the addresses current pods hold) is, and that no other of pods gets. Never the
// network, the gateway (PodGateway) or the broadcast address. Deterministic: each pod's
// search starts at a hash of its key, and pods are served in key order. When cidr runs
// out, the rest get none, and Exhausted says so: they stay pending.
func PlanPodIPs(cidr netip.Prefix, taken []string, pods []string) PodIPPlan {
	sp := newSpace(cidr)
	used := make(map[netip.Addr]bool, len(taken)+len(pods))
	for _, t := range taken {
		if ip, err := netip.ParseAddr(t); err == nil {
			used[ip] = true
		}
	}
	keys := append([]string(nil), pods...)
	sort.Strings(keys)
	plan := PodIPPlan{IPs: make(map[string]string, len(keys))}
	for _, k := range keys {
		if _, dup := plan.IPs[k]; dup {
			continue
		}
		ip, ok := sp.pick(k, func(ip netip.Addr) bool { return used[ip] }, func(netip.Addr) bool { return false })
		if !ok {
			plan.Exhausted = fmt.Sprintf("no pod IP is free in the pod CIDR %s: all %d addresses are taken; delete pods or give the cluster a larger --pod-cidr", cidr, sp.count)
			break
		}
		used[ip] = true
		plan.IPs[k] = ip.String()
	}
	return plan
}
