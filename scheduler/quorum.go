package scheduler

import (
	"fmt"
	"slices"
	"strings"
)

// Majority reports whether alive members are more than half of the known ones: the quorum
// the leader needs to place and remove pods, and a node needs to keep running its own when
// it fences itself. Of two sides of a partition at most one has it, whatever either sees.
func Majority(alive, known int) bool { return 2*alive > known }

// quorum checks that more than half of Input.Known are alive in Input.Nodes, and says why
// not when they are not.
func quorum(in Input) (bool, string) {
	if in.Known == nil {
		return true, ""
	}
	state := make(map[string]NodeState, len(in.Nodes))
	for _, n := range in.Nodes {
		if _, dup := state[n.Name]; !dup {
			state[n.Name] = n.State
		}
	}
	known := slices.Compact(slices.Sorted(slices.Values(in.Known)))
	var alive, away []string
	for _, name := range known {
		s, listed := state[name]
		switch {
		case s == NodeAlive:
			alive = append(alive, name)
		case !listed:
			away = append(away, name+" (not seen since this node started)")
		default:
			away = append(away, name+" ("+string(s)+")")
		}
	}
	if Majority(len(alive), len(known)) {
		return true, ""
	}
	return false, fmt.Sprintf("only %d of the %d known members are alive (%s), not more than half; the others may still run their pods: %s",
		len(alive), len(known), strings.Join(alive, ", "), strings.Join(away, ", "))
}
