package scheduler

import (
	"fmt"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"

	"github.com/podman-swarm/podman-swarm/manifest"
)

// unschedulable explains why no node takes a pod, the way kubectl users read it: every
// node is counted once, under the first check it fails (state, node name, nodeSelector,
// host ports), e.g. "0/3 nodes are available: 2 node(s) didn't match nodeSelector,
// 1 node(s) have port 8080/TCP in use."
func (c *cluster) unschedulable(spec *corev1.PodSpec, ports []manifest.PublishedPort, need claimNeed, daemon bool) string {
	if len(c.nodes) == 0 {
		return "no nodes available to schedule pods"
	}
	states := map[NodeState]int{}
	var wrongName, wrongSelector, claimAway, claimBusy, unschedulable int
	byPort := map[string]int{}
	var busy []manifest.PublishedPort
	for _, n := range c.nodes {
		v := fitNew(n, spec, ports, need, daemon)
		switch v.misfit {
		case notAlive:
			states[n.State]++
		case cordoned:
			unschedulable++
		case otherNodeName:
			wrongName++
		case selectorMismatch:
			wrongSelector++
		case claimElsewhere:
			claimAway++
		case claimInUse:
			claimBusy++
		case portInUse:
			label := portLabel(v.port)
			if byPort[label] == 0 {
				busy = append(busy, v.port)
			}
			byPort[label]++
		}
	}

	var parts []string
	add := func(count int, what string) {
		if count > 0 {
			parts = append(parts, fmt.Sprintf("%d node(s) %s", count, what))
		}
	}
	add(states[NodeSuspect], "were suspect")
	add(states[NodeDead], "were dead")
	add(states[NodeAgentDown], "had their agent down")
	add(states[NodeLeft], "had left")
	add(states[NodeRemoved], "were removed")
	other := 0
	for s, count := range states {
		if s != NodeSuspect && s != NodeDead && s != NodeAgentDown && s != NodeLeft && s != NodeRemoved {
			other += count
		}
	}
	add(other, "were not alive")
	add(unschedulable, "were unschedulable")
	add(wrongName, "didn't match the requested node name")
	add(wrongSelector, "didn't match nodeSelector")
	sort.Slice(busy, func(i, j int) bool {
		a, b := busy[i], busy[j]
		if a.HostPort != b.HostPort {
			return a.HostPort < b.HostPort
		}
		if a.Protocol != b.Protocol {
			return a.Protocol < b.Protocol
		}
		return hostAddress(a.HostIP) < hostAddress(b.HostIP)
	})
	for _, p := range busy {
		label := portLabel(p)
		add(byPort[label], "have port "+label+" in use")
	}
	add(claimAway, "had volume node affinity conflict")
	add(claimBusy, "had a pod using PersistentVolumeClaim with the same name and ReadWriteOncePod access mode")
	return fmt.Sprintf("0/%d nodes are available: %s.", len(c.nodes), strings.Join(parts, ", "))
}
