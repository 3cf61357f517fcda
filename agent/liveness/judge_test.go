package liveness

import (
	"strings"
	"testing"
	"time"

	"github.com/podman-swarm/podman-swarm/agent/store"
	"github.com/podman-swarm/podman-swarm/cluster"
)

func TestJudge(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	grace := 2 * time.Second
	dead := cluster.Member{Name: "n1", State: cluster.StateDead, Since: t0}
	for _, c := range []struct {
		name   string
		m      cluster.Member
		ev     Evidence
		at     time.Duration // after t0
		want   store.Liveness
		reason string
	}{
		{"alive", cluster.Member{Name: "n1", State: cluster.StateAlive, Since: t0}, Evidence{}, time.Hour, store.LivenessReady, "its agent answers"},
		{"left", cluster.Member{Name: "n1", State: cluster.StateLeft, Since: t0}, Evidence{}, time.Hour, "", ""},
		{"dead, nothing to ask, within the grace", dead, Evidence{}, time.Second, store.LivenessAgentDown, "no ready pod"},
		{"dead, nothing to ask, after the grace", dead, Evidence{}, grace, store.LivenessLost, "no ready pod"},
		{"dead for an hour, workloads answer", dead, Evidence{Asked: true, Answered: true, LastAnswer: t0.Add(time.Hour)}, time.Hour, store.LivenessAgentDown, "its workloads answer"},
		{"dead, workloads silent since the death, within the grace", dead, Evidence{Asked: true}, time.Second, store.LivenessAgentDown, "lost after 2s"},
		{"dead, workloads silent since the death, after the grace", dead, Evidence{Asked: true}, grace, store.LivenessLost, "neither its agent nor its workloads have answered for 2s"},
		{"dead for an hour, workloads silent for less than the grace", dead, Evidence{Asked: true, LastAnswer: t0.Add(time.Hour - time.Second)}, time.Hour, store.LivenessAgentDown, "workloads not for 1s"},
		{"dead for an hour, workloads silent for the grace", dead, Evidence{Asked: true, LastAnswer: t0.Add(time.Hour - grace)}, time.Hour, store.LivenessLost, "for 2s"},
	} {
		v := Judge(c.m, c.ev, t0.Add(c.at), grace)
		if v.Status != c.want || !strings.Contains(v.Reason, c.reason) {
			t.Errorf("%s: %q (%s), want %q (…%s…)", c.name, v.Status, v.Reason, c.want, c.reason)
		}
	}
}

// A dead member on its way to Lost is due at the end of its grace, counted from its death or
// its workloads' last answer; one whose workloads answer, or that is not dead, is not due.
func TestDueAt(t *testing.T) {
	t0 := time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)
	dead := cluster.Member{Name: "n2", State: cluster.StateDead, Since: t0}
	grace := time.Second
	if got := DueAt(dead, Evidence{Asked: true}, grace); !got.Equal(t0.Add(grace)) {
		t.Errorf("silent since death: due %v", got)
	}
	later := t0.Add(3 * time.Second)
	if got := DueAt(dead, Evidence{Asked: true, LastAnswer: later}, grace); !got.Equal(later.Add(grace)) {
		t.Errorf("answered after death: due %v", got)
	}
	if got := DueAt(dead, Evidence{}, grace); !got.Equal(t0.Add(grace)) {
		t.Errorf("nothing to ask: due %v", got)
	}
	if got := DueAt(dead, Evidence{Asked: true, Answered: true}, grace); !got.IsZero() {
		t.Errorf("answering workloads are due at %v", got)
	}
	if got := DueAt(cluster.Member{State: cluster.StateAlive}, Evidence{}, grace); !got.IsZero() {
		t.Errorf("an alive member is due at %v", got)
	}
}
