package schedule

import (
	"context"
	"time"

	"github.com/podman-swarm/podman-swarm/agent/quorum"
	"github.com/podman-swarm/podman-swarm/scheduler"
)

// Before the leader moves the pods of a dead member it pings the member (see byReach),
// and a member that is really gone answers nothing: the round waits the whole ping
// timeout, half a probe interval, after the member was judged lost. So while a member
// the membership has just declared dead waits for the liveness verdict (it counts as
// AgentDown until its workloads have been silent for the grace), the loop pings it ahead,
// and the plan that moves its pods takes a ping that went unanswered within the last
// probe interval as this round's answer. A member that comes back within that interval
// is not seen by the ping, but by the membership, which lists it alive again: its pods
// moved, it then stops its own copies, as after any move it did not see coming.

// pingAheadTargets are the members that the membership declared dead no longer ago than
// the grace and a probe interval, whose verdict is not lost yet, and which were not found
// silent within the last half probe interval: those whose pods may be about to move. A
// member whose agent alone is down stays AgentDown for as long as its workloads answer;
// it is pinged ahead only in the moments after it died, not for as long as it is away.
func pingAheadTargets(nodes []scheduler.Node, silent map[string]time.Time, now time.Time, grace, probe time.Duration) []string {
	var out []string
	for _, n := range nodes {
		if n.State != scheduler.NodeAgentDown || now.Sub(n.Since) > grace+probe {
			continue
		}
		if at, ok := silent[n.Name]; ok && now.Sub(at) < probe/2 {
			continue
		}
		out = append(out, n.Name)
	}
	return out
}

// pingAhead pings the members whose pods may be about to move (pingAheadTargets) and
// remembers when each one last did not answer; it forgets those that answered, and
// those found silent longer ago than a probe interval.
func (a *Loop) pingAhead(ctx context.Context, nodes []scheduler.Node) {
	now := a.now()
	for name, at := range a.silent {
		if now.Sub(at) > a.probe {
			delete(a.silent, name)
		}
	}
	targets := pingAheadTargets(nodes, a.silent, now, a.deadGrace, a.probe)
	if len(targets) == 0 {
		return
	}
	answered := quorum.Reach(ctx, a.node, targets, quorum.PingTimeout(a.probe))
	at := a.now()
	for _, name := range targets {
		if answered[name] {
			delete(a.silent, name)
		} else {
			a.silent[name] = at
		}
	}
}

// recentlySilent is the answers the loop may take without pinging: the dead members
// that did not answer a ping within the last probe interval.
func (a *Loop) recentlySilent(nodes []scheduler.Node) map[string]bool {
	now := a.now()
	out := map[string]bool{}
	for _, n := range nodes {
		if at, ok := a.silent[n.Name]; ok && n.State == scheduler.NodeDead && now.Sub(at) <= a.probe {
			out[n.Name] = false
		}
	}
	return out
}
