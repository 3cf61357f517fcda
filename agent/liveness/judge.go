package liveness

import (
	"fmt"
	"time"

	"github.com/podman-swarm/podman-swarm/agent/store"
	"github.com/podman-swarm/podman-swarm/cluster"
)

// Evidence is what the leader learnt of a dead member's workloads in one round.
type Evidence struct {
	// Asked: the member reports ready pods, so there was something to dial.
	Asked bool
	// Answered: one of them answered this round.
	Answered bool
	// LastAnswer is when they last answered; zero: not since this leader asks.
	LastAnswer time.Time
}

// Verdict is the judgement on one member.
type Verdict struct {
	Status store.Liveness // "": none, the member left or was removed
	Reason string
}

// Judge decides member m's verdict at now from its membership state and, when it is
// dead, the evidence of its workloads: lost once they have been silent (and its agent
// dead) for grace, AgentDown until then.
func Judge(m cluster.Member, ev Evidence, now time.Time, grace time.Duration) Verdict {
	switch m.State {
	case cluster.StateAlive:
		return Verdict{store.LivenessReady, "its agent answers"}
	case cluster.StateDead:
	default:
		return Verdict{}
	}
	dead := now.Sub(m.Since).Round(time.Millisecond)
	if !ev.Asked {
		if dead >= grace {
			return Verdict{store.LivenessLost, fmt.Sprintf("its agent has not answered for %s and it reports no ready pod that could answer", dead)}
		}
		return Verdict{store.LivenessAgentDown, fmt.Sprintf("its agent stopped answering %s ago and it reports no ready pod that could answer; lost after %s", dead, grace)}
	}
	if ev.Answered {
		return Verdict{store.LivenessAgentDown, fmt.Sprintf("its agent has not answered for %s, but its workloads answer: they keep their place", dead)}
	}
	quiet := m.Since
	if ev.LastAnswer.After(quiet) {
		quiet = ev.LastAnswer
	}
	silent := now.Sub(quiet).Round(time.Millisecond)
	if silent >= grace {
		return Verdict{store.LivenessLost, fmt.Sprintf("neither its agent nor its workloads have answered for %s", silent)}
	}
	return Verdict{store.LivenessAgentDown, fmt.Sprintf("its agent has not answered for %s and its workloads not for %s; lost after %s", dead, silent, grace)}
}

// DueAt is when member m, dead and with its workloads silent, would be judged lost if they
// stay silent: the end of its grace; zero for a member not on its way to a Lost verdict.
// The monitor runs a round then, rather than at its next tick, so that a dead machine's
// pods move a probe interval sooner.
func DueAt(m cluster.Member, ev Evidence, grace time.Duration) time.Time {
	if m.State != cluster.StateDead || ev.Answered {
		return time.Time{}
	}
	quiet := m.Since
	if ev.Asked && ev.LastAnswer.After(quiet) {
		quiet = ev.LastAnswer
	}
	return quiet.Add(grace)
}
