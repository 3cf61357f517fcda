package apiserver

import (
	"github.com/podman-swarm/podman-swarm/agent/store"
	"github.com/podman-swarm/podman-swarm/manifest"
	"github.com/podman-swarm/podman-swarm/netalloc"
)

// networkRanges are the cluster's ranges as st records them, else this node's own.
func networkRanges(st *store.State, own netalloc.Ranges) netalloc.Ranges {
	if st.Network != nil {
		if r, errs := netalloc.Parse(*st.Network, nil); len(errs) == 0 {
			return r
		}
	}
	return own
}

// checkAllocations checks the clusterIP and nodePorts each Service of set asks for against
// what this node's view holds (the allocations, and the other Services' requests, those
// earlier in set included), as the Kubernetes API server does: a request outside the
// ranges, taken, or changing an allocated ClusterIP is refused, whole, before anything is
// written. Two applies on two nodes at once can both pass; the leader then serves one and
// records an event on the other.
func checkAllocations(st *store.State, own netalloc.Ranges, set *manifest.Set) manifest.Errors {
	r := networkRanges(st, own)
	inSet := map[string]bool{}
	for _, o := range set.Objects {
		if o.Service != nil {
			inSet[o.Service.Namespace+"/"+o.Service.Name] = true
		}
	}
	var others []netalloc.ServiceRequest
	for _, key := range sortedKeys(st.Services) {
		if !inSet[key] {
			req := netalloc.RequestOf(st.Services[key])
			req.Key = key
			others = append(others, req)
		}
	}
	var errs manifest.Errors
	for _, o := range set.Objects {
		if o.Service == nil {
			continue
		}
		req := netalloc.RequestOf(o.Service)
		errs = append(errs, manifest.FieldErrors(o.Source, netalloc.CheckServiceRequest(r, req, st.Allocations, others))...)
		others = append(others, req)
	}
	return errs
}
