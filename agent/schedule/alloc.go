package schedule

import (
	"net/netip"
	"sort"

	"github.com/podman-swarm/podman-swarm/agent/store"
	"github.com/podman-swarm/podman-swarm/netalloc"
	"github.com/podman-swarm/podman-swarm/scheduler"
)

// serviceRequests are what the stored Services ask for, in key order.
func serviceRequests(st *store.State) []netalloc.ServiceRequest {
	out := make([]netalloc.ServiceRequest, 0, len(st.Services))
	for _, key := range sortedKeys(st.Services) {
		r := netalloc.RequestOf(st.Services[key])
		r.Key = key
		out = append(out, r)
	}
	return out
}

// allocationChanges are the store writes of a Service allocation plan.
func allocationChanges(plan netalloc.ServicePlan) []change {
	var changes []change
	for _, key := range plan.Delete {
		changes = append(changes, change{key: store.ServiceAllocationKey(key), delete: true})
	}
	for _, w := range plan.Write {
		changes = append(changes, change{key: store.ServiceAllocationKey(w.Key), value: store.MustJSON(w.Allocation)})
	}
	return changes
}

// givePodIPs gives every assignment the plan creates its pod IP: the one the pod already
// has under the same key (a bare pod changed in place, or a pod that moves), else a new
// one from cidr, none of the current assignments' addresses (freed ones included, so that
// an address is not reused while its pod may still be stopping). A pod for which cidr has
// no address left is not created but pending, with the reason.
func givePodIPs(st *store.State, out scheduler.Output, cidr netip.Prefix) scheduler.Output {
	var taken, fresh []string
	for _, a := range st.Assignments {
		if a.PodIP != "" {
			taken = append(taken, a.PodIP)
		}
	}
	for _, c := range out.Create {
		if cur, ok := st.Assignments[c.Pod.Key()]; !ok || cur.PodIP == "" {
			fresh = append(fresh, c.Pod.Key())
		}
	}
	plan := netalloc.PlanPodIPs(cidr, taken, fresh)
	creates := out.Create[:0:0]
	for _, c := range out.Create {
		key := c.Pod.Key()
		if cur, ok := st.Assignments[key]; ok && cur.PodIP != "" {
			c.PodIP = cur.PodIP
		} else if ip, ok := plan.IPs[key]; ok {
			c.PodIP = ip
		} else {
			out.Pending = append(out.Pending, scheduler.Pending{Pod: c.Pod, Reason: plan.Exhausted})
			continue
		}
		creates = append(creates, c)
	}
	out.Create = creates
	sort.SliceStable(out.Pending, func(i, j int) bool { return out.Pending[i].Pod.Key() < out.Pending[j].Pod.Key() })
	return out
}
