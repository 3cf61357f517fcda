package schedule

import (
	"github.com/podman-swarm/podman-swarm/agent/store"
	"github.com/podman-swarm/podman-swarm/scheduler"
)

// withLiveness corrects the membership with the leader's verdicts (see the liveness
// package): a member the membership declared dead is only dead for the scheduler once it
// is judged lost, its workloads silent too. Until then its agent is down, nothing more:
// it keeps its pods and takes no new ones, however long that lasts.
func withLiveness(nodes []scheduler.Node, verdicts map[string]store.NodeLiveness) []scheduler.Node {
	out := make([]scheduler.Node, len(nodes))
	for i, n := range nodes {
		if v, ok := verdicts[n.Name]; n.State == scheduler.NodeDead && (!ok || !v.Lost()) {
			n.State = scheduler.NodeAgentDown
		}
		out[i] = n
	}
	return out
}
