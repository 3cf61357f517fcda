package agent

import (
	"encoding/json"
	"slices"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/podman-swarm/podman-swarm/agent/store"
	"github.com/podman-swarm/podman-swarm/internal/netcut"
)

// verdict reads the liveness verdict on node name from a's store ("" when none).
func verdict(t *testing.T, a *Agent, name string) store.Liveness {
	t.Helper()
	e, ok := a.Node().Get(store.NodeKey(name))
	if !ok || e.Deleted {
		return ""
	}
	var v store.NodeLiveness
	if err := json.Unmarshal(e.Value, &v); err != nil {
		t.Fatal(err)
	}
	return v.Status
}

// readyReason is the reason of node name's Ready condition in a's API, as `swarm get
// nodes` reads it.
func readyReason(t *testing.T, a *Agent, name string) string {
	t.Helper()
	var list struct{ Items []corev1.Node }
	call(t, a, "GET", "/api/v1/nodes", "", nil, &list)
	for _, n := range list.Items {
		if n.Name != name {
			continue
		}
		for _, c := range n.Status.Conditions {
			if c.Type == corev1.NodeReady {
				return c.Reason
			}
		}
	}
	return ""
}

// runnerAndOthers splits agents into the one named name and the others.
func runnerAndOthers(agents []*Agent, name string) (*Agent, []*Agent) {
	var runner *Agent
	var others []*Agent
	for _, a := range agents {
		if a.cfg.NodeName == name {
			runner = a
		} else {
			others = append(others, a)
		}
	}
	return runner, others
}

// An agent killed while its pod keeps serving moves nothing, for far longer than the
// grace, and the pod stays in the Service's ready endpoints on every other node; the
// nodes say AgentDown. Once the pod's port closes too, the node is lost: the pod moves.
func TestAgentDownKeepsItsServingPods(t *testing.T) {
	ln := listen(t, "127.0.0.1:0")
	addr := ln.Addr().String()
	agents := startAgents(t, 3, nil)
	runner := servedPod(t, agents, addr)
	name := runner.cfg.NodeName
	_, others := runnerAndOthers(agents, name)

	if err := runner.Shutdown(false); err != nil {
		t.Fatal(err)
	}
	killed := time.Now()
	for _, a := range others {
		eventually(t, 20*time.Second, a.cfg.NodeName+" has seen "+name+" dead and judged its agent down", func() bool {
			return deadFor(a, name, 0) && verdict(t, a, name) == store.LivenessAgentDown && readyReason(t, a, name) == "AgentDown"
		})
	}
	// 20 s: far longer than failure detection and the grace (1 s) together.
	for time.Since(killed) < 20*time.Second {
		for _, a := range others {
			if p := placement(t, a); len(p) != 1 || p[firstKey(p)] != name {
				t.Fatalf("%s after %s: pods %v, want the pod still on %s", a.cfg.NodeName, time.Since(killed).Round(time.Millisecond), p, name)
			}
			if got := readyAddrs(t, a); !slices.Equal(got, []string{addr}) {
				t.Fatalf("%s after %s: ready endpoints %v, want %s", a.cfg.NodeName, time.Since(killed).Round(time.Millisecond), got, addr)
			}
			if v := verdict(t, a, name); v != store.LivenessAgentDown {
				t.Fatalf("%s after %s: %s is %q, want AgentDown", a.cfg.NodeName, time.Since(killed).Round(time.Millisecond), name, v)
			}
		}
		time.Sleep(200 * time.Millisecond)
	}

	ln.Close()
	closed := time.Now()
	for _, a := range others {
		eventually(t, 20*time.Second, a.cfg.NodeName+" judges "+name+" lost and moves its pod", func() bool {
			p := placement(t, a)
			return verdict(t, a, name) == store.LivenessLost && readyReason(t, a, name) == "NodeLost" &&
				len(p) == 1 && p[firstKey(p)] != name
		})
	}
	t.Logf("the pod moved %s after its port closed", time.Since(closed).Round(time.Millisecond))
}

// A node cut off from the others, its workloads with it, is lost on the larger side: its
// pod moves there. Once the cut heals, exactly one copy is assigned, and the node is
// Ready again (its record gone).
func TestCutNodeIsLostOnTheLargerSide(t *testing.T) {
	nc := &netcut.Net{}
	ln := listen(t, "127.0.0.1:0")
	addr := ln.Addr().String()
	agents := startAgents(t, 3, func(_ int, c *Config) {
		c.WrapTransport = nc.Wrap
		c.dialWorkloads = nc.Dialer(c.Bind)
	})
	runner := servedPod(t, agents, addr)
	name := runner.cfg.NodeName
	_, others := runnerAndOthers(agents, name)

	var large []string
	for _, a := range others {
		large = append(large, a.Node().Addr())
	}
	cut := time.Now()
	nc.Cut([]string{runner.Node().Addr(), addr}, large)
	for _, a := range others {
		eventually(t, 30*time.Second, a.cfg.NodeName+" judges "+name+" lost and moves its pod", func() bool {
			p := placement(t, a)
			return verdict(t, a, name) == store.LivenessLost && len(p) == 1 && p[firstKey(p)] != name
		})
	}
	t.Logf("the pod moved %s after the cut", time.Since(cut).Round(time.Millisecond))

	nc.Heal()
	eventually(t, 30*time.Second, "every node holds the one assignment, off the node that was cut, and judges it Ready", func() bool {
		want := placement(t, others[0])
		if len(want) != 1 || want[firstKey(want)] == name {
			return false
		}
		for _, a := range agents {
			if got := placement(t, a); len(got) != 1 || got[firstKey(got)] != want[firstKey(want)] {
				return false
			}
			if verdict(t, a, name) != "" { // Ready: no record
				return false
			}
		}
		return true
	})
}

// firstKey is the first key of a map, for maps of one entry.
func firstKey(m map[string]string) string {
	for k := range m {
		return k
	}
	return ""
}
