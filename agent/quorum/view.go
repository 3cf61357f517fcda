package quorum

import (
	"fmt"
	"slices"
	"strings"

	"github.com/podman-swarm/podman-swarm/cluster"
	"github.com/podman-swarm/podman-swarm/scheduler"
)

// View is one count of the cluster: the known members, and those of them alive.
type View struct {
	Known []string // sorted
	Alive []string // sorted, a subset of Known
}

// Count is the view of node self from the known members, the membership and the members
// that answered a ping: alive are self and the known members listed alive that answered.
func Count(self string, known []string, members []cluster.Member, reached map[string]bool) View {
	listedAlive := map[string]bool{}
	for _, m := range members {
		if m.State == cluster.StateAlive {
			listedAlive[m.Name] = true
		}
	}
	v := View{Known: known}
	for _, name := range known {
		if name == self || (listedAlive[name] && reached[name]) {
			v.Alive = append(v.Alive, name)
		}
	}
	return v
}

// Majority reports whether more than half of the known members are alive.
func (v View) Majority() bool { return scheduler.Majority(len(v.Alive), len(v.Known)) }

// String words the view for a log line: "2 of 5 alive (n3, n4); not seen: n0, n1, n2".
func (v View) String() string {
	var away []string
	for _, name := range v.Known {
		if !slices.Contains(v.Alive, name) {
			away = append(away, name)
		}
	}
	s := fmt.Sprintf("%d of %d alive (%s)", len(v.Alive), len(v.Known), strings.Join(v.Alive, ", "))
	if len(away) > 0 {
		s += "; not reached: " + strings.Join(away, ", ")
	}
	return s
}

// AliveOthers lists the members other than self that the membership lists alive: those
// worth a ping.
func AliveOthers(self string, members []cluster.Member) []string {
	var out []string
	for _, m := range members {
		if m.Name != self && m.State == cluster.StateAlive {
			out = append(out, m.Name)
		}
	}
	return out
}

// Removed is the set of names removed from the cluster for good.
func Removed(removals []cluster.Removal) map[string]bool {
	out := make(map[string]bool, len(removals))
	for _, r := range removals {
		out[r.Name] = true
	}
	return out
}
