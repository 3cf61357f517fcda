package schedule

import (
	"context"
	"time"

	"github.com/podman-swarm/podman-swarm/agent/quorum"
	"github.com/podman-swarm/podman-swarm/cluster"
)

// catchUpTimeout bounds one round of catching up: the members asked answered a ping just
// before, so only a large store on a slow link takes long; the fetch itself gives up on a
// member that stops sending for the cluster's stream timeout.
const catchUpTimeout = 10 * time.Second

// cameBack lists the members the membership lists alive, and reports whether one of them
// was not listed alive at the last look (before): a member that joined, or came back after
// it failed or after a partition. Its store may hold writes this node's lacks.
func cameBack(before map[string]bool, members []cluster.Member) (map[string]bool, bool) {
	now := make(map[string]bool, len(members))
	back := false
	for _, m := range members {
		if m.State == cluster.StateAlive {
			now[m.Name] = true
			back = back || !before[m.Name]
		}
	}
	return now, back
}

// catchUpTargets are the members a leader catches up with: the known ones other than self
// that the membership lists alive and that answered the pings just made.
func catchUpTargets(self string, known []string, members []cluster.Member, reached map[string]bool) []string {
	var out []string
	for _, name := range quorum.Count(self, known, members, reached).Alive {
		if name != self {
			out = append(out, name)
		}
	}
	return out
}

// catchUp brings this node's store up to those of a majority of the known members, self
// included: it fetches from every target at once what they hold and it lacks (see
// cluster.Node.CatchUp), and reports whether those that answered whole make a majority
// with it. Then the store holds every write a majority held a moment ago, and a plan made
// from it cannot hand out again what they gave.
func (a *Loop) catchUp(ctx context.Context, known []string, members []cluster.Member, reached map[string]bool) bool {
	self := a.node.Name()
	done := quorum.Each(ctx, catchUpTargets(self, known, members, reached), catchUpTimeout, a.node.CatchUp)
	v := quorum.Count(self, known, members, done)
	if !v.Majority() {
		if !a.lagging {
			a.log.Warn("not scheduling yet: this node leads, but it has not caught up with a majority of the cluster's members since the membership changed, and its store may lack what they wrote meanwhile",
				"caughtUpWith", v.String())
			a.lagging = true
		}
		return false
	}
	a.log.Info("caught up with a majority of the cluster's members before scheduling", "caughtUpWith", v.String())
	a.lagging = false
	a.behind = false
	return true
}
