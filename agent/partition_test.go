package agent

import (
	"encoding/json"
	"maps"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/podman-swarm/podman-swarm/agent/store"
	"github.com/podman-swarm/podman-swarm/cluster"
	"github.com/podman-swarm/podman-swarm/internal/netcut"
)

// assigned reads the assignments from an agent's own store: pod name -> node.
func assigned(t *testing.T, a *Agent) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, e := range a.Node().List(store.PrefixAssignment) {
		var as store.Assignment
		if err := json.Unmarshal(e.Value, &as); err != nil {
			t.Fatal(err)
		}
		out[as.Pod.Name] = as.Node
	}
	return out
}

// pendingReason reads a pod's pending record from an agent's own store ("" when none).
func pendingReason(t *testing.T, a *Agent, podKey string) string {
	t.Helper()
	e, ok := a.Node().Get(store.PendingKey(podKey))
	if !ok || e.Deleted {
		return ""
	}
	var p store.Pending
	if err := json.Unmarshal(e.Value, &p); err != nil {
		t.Fatal(err)
	}
	return p.Reason
}

// schedulerWrites lists the versions of the scheduler's records in an agent's store, by key.
func schedulerWrites(a *Agent) map[string]cluster.Version {
	out := map[string]cluster.Version{}
	for _, prefix := range []string{store.PrefixAssignment, store.PrefixPending} {
		for _, e := range a.Node().List(prefix) {
			out[e.Key] = e.Version
		}
	}
	return out
}

// deadFor reports whether agent a has seen member name dead for at least d.
func deadFor(a *Agent, name string, d time.Duration) bool {
	for _, m := range a.Node().Members() {
		if m.Name == name {
			return m.State == cluster.StateDead && time.Since(m.Since) >= d
		}
	}
	return false
}

// A leader that sees only one of three members alive writes nothing: the pods of the dead
// stay where they are, new pods are not placed, and it says why once. When a second member
// is back it schedules again, and moves the pods of the one still dead.
func TestLeaderWithoutQuorumWritesNothing(t *testing.T) {
	book := &logBook{}
	agents := startAgents(t, 3, func(i int, c *Config) { c.Logger = book.logger(c.NodeName) })
	apply(t, agents[0], deploymentYAML("web", 3, ""))
	eventually(t, 5*time.Second, "every node holds the 3 assignments", func() bool {
		for _, a := range agents {
			if len(assigned(t, a)) != 3 {
				return false
			}
		}
		return true
	})
	before := assigned(t, agents[0])
	writes := schedulerWrites(agents[0])

	n1 := agents[1].cfg
	_ = agents[1].Shutdown(false)
	_ = agents[2].Shutdown(false)
	eventually(t, 15*time.Second, "n0 has seen n1 and n2 dead for longer than the grace", func() bool {
		return deadFor(agents[0], "n1", 2*n1.DeadGrace) && deadFor(agents[0], "n2", 2*n1.DeadGrace)
	})
	eventually(t, 5*time.Second, "n0 says why it does not schedule", func() bool {
		return len(book.find("not scheduling", "test-node", "n0")) > 0
	})
	apply(t, agents[0], deploymentYAML("late", 1, ""))
	time.Sleep(time.Second) // several passes of the loop, each refused
	if got := assigned(t, agents[0]); !reflect.DeepEqual(got, before) {
		t.Fatalf("without a quorum the assignments changed: %v; were %v", got, before)
	}
	if got := schedulerWrites(agents[0]); !reflect.DeepEqual(got, writes) {
		t.Fatalf("without a quorum the scheduler wrote: %v; was %v", got, writes)
	}
	why := book.find("not scheduling", "test-node", "n0")
	if len(why) != 1 || !strings.Contains(why[0].Attrs["why"], "only 1 of the 3 known members are alive (n0)") {
		t.Fatalf("the leader said why %d times: %+v; want once, naming 1 of 3", len(why), why)
	}

	n1.Join = nil // it remembers its peers
	startAgent(t, n1)
	eventually(t, 15*time.Second, "n2's pod moves and the new Deployment is placed", func() bool {
		p := assigned(t, agents[0])
		return len(p) == 4 && countOn(p, "n2") == 0
	})
	if again := book.find("scheduling again", "test-node", "n0"); len(again) != 1 {
		t.Fatalf("the leader said %d times that it schedules again; want once", len(again))
	}
}

// A node restarted alone remembers how many members its cluster has: it does not take the
// few it sees for the whole cluster, and schedules only once a majority is back.
func TestNodeRestartedAloneRemembersTheCluster(t *testing.T) {
	book := &logBook{}
	agents := startAgents(t, 3, func(i int, c *Config) { c.Logger = book.logger(c.NodeName) })
	apply(t, agents[0], deploymentYAML("web", 3, ""))
	eventually(t, 5*time.Second, "every node holds the 3 assignments", func() bool {
		for _, a := range agents {
			if len(assigned(t, a)) != 3 {
				return false
			}
		}
		return true
	})
	var cfgs []Config
	for _, a := range agents {
		cfgs = append(cfgs, a.cfg)
		_ = a.Shutdown(false)
	}
	for i := range cfgs {
		cfgs[i].Join = nil
	}

	alone := startAgent(t, cfgs[2])
	apply(t, alone, deploymentYAML("late", 1, ""))
	eventually(t, 5*time.Second, "the lone node says why it does not schedule", func() bool {
		return len(book.find("not scheduling", "test-node", "n2")) > 0
	})
	if why := book.find("not scheduling", "test-node", "n2")[0].Attrs["why"]; !strings.Contains(why, "only 1 of the 3 known members are alive (n2)") {
		t.Fatalf("why = %q", why)
	}
	if p := assigned(t, alone); countOn(p, "n2") != 1 || len(p) != 3 {
		t.Fatalf("the lone node wrote assignments: %v", p)
	}

	startAgent(t, cfgs[1])
	eventually(t, 15*time.Second, "with n1 back, everything is placed on n1 and n2", func() bool {
		p := assigned(t, alone)
		return len(p) == 4 && countOn(p, "n0") == 0
	})
}

// A pod with a writable hostPath stays with its node when the node dies: it is listed as
// pending with why and what brings it back, while a readOnly hostPath moves like any pod;
// when the node returns, the pod is its again, pending no more.
func TestPinnedPodWaitsForItsNode(t *testing.T) {
	book := &logBook{}
	start := time.Now()
	agents := startAgents(t, 3, func(i int, c *Config) { c.Logger = book.logger(c.NodeName) })
	db := `apiVersion: v1
kind: Pod
metadata: {name: db}
spec:
  volumes:
    - {name: data, hostPath: {path: /srv/db}}
  containers:
    - name: main
      image: localhost/test:1
      volumeMounts: [{name: data, mountPath: /var/lib/db}]
`
	certs := deploymentYAML("certs", 3, `      volumes:
        - {name: tls, hostPath: {path: /etc/ssl}}
`)
	certs = strings.Replace(certs, "image: localhost/test:1", "image: localhost/test:1\n          volumeMounts: [{name: tls, mountPath: /tls, readOnly: true}]", 1)
	apply(t, agents[0], db+"---\n"+certs)
	eventually(t, 5*time.Second, "every node holds the 4 assignments", func() bool {
		for _, a := range agents {
			if !maps.Equal(assigned(t, a), assigned(t, agents[0])) || len(assigned(t, a)) != 4 {
				return false
			}
		}
		return true
	})
	home := assigned(t, agents[0])["db"]
	var victim *Agent
	var survivors []*Agent
	for _, a := range agents {
		if a.cfg.NodeName == home {
			victim = a
		} else {
			survivors = append(survivors, a)
		}
	}
	cfg := victim.cfg
	_ = victim.Shutdown(false)

	want := `its data is on node ` + home + ` (hostPath /srv/db) and ` + home + ` is dead; it runs again when ` + home +
		` returns, or after "swarm delete pod db" or once ` + home + ` is removed from the cluster`
	deadline := time.Now().Add(15 * time.Second)
	for {
		p := assigned(t, survivors[0])
		why := pendingReason(t, survivors[0], "default/db")
		if countOn(p, home) == 1 && p["db"] == home && why == want {
			break
		}
		if time.Now().After(deadline) {
			book.dump(t, start)
			t.Fatalf("after 15 s: assignments %v, db pending: %q; want certs off %s, db on it, pending: %q", p, why, home, want)
		}
		time.Sleep(20 * time.Millisecond)
	}

	cfg.Join = nil
	back := startAgent(t, cfg)
	eventually(t, 15*time.Second, "the node is back, the pod is its own and pending no more", func() bool {
		return assigned(t, back)["db"] == home && pendingReason(t, survivors[0], "default/db") == ""
	})
}

// Two of five nodes, the leader among them, are cut off from the three others:
//   - the small side writes nothing, the large side runs all five pods after failure
//     detection and the grace;
//   - with self-fencing, each node of the small side fences itself before the large side
//     places any of their pods;
//   - once the cut heals, the large side keeps exactly its five pods throughout, every node
//     ends up with the same five assignments, and the small side lifts its fence.
func TestPartitionOfTwoOfFive(t *testing.T) {
	nc := &netcut.Net{}
	book := &logBook{}
	agents := startAgents(t, 5, func(i int, c *Config) {
		c.WrapTransport = nc.Wrap
		c.SelfFence = true
		// Slower than the other tests, for room between the fence and the replacements
		// (FenceAfter's arithmetic: 1.5 probe intervals).
		c.ProbeInterval = 300 * time.Millisecond
		c.DeadGrace = 1500 * time.Millisecond
		c.Logger = book.logger(c.NodeName)
	})
	apply(t, agents[0], deploymentYAML("web", 5, ""))
	eventually(t, 10*time.Second, "5 pods placed, one per node, and every node holds them", func() bool {
		p := assigned(t, agents[0])
		for _, a := range agents {
			if countOn(p, a.cfg.NodeName) != 1 || !maps.Equal(assigned(t, a), p) {
				return false
			}
		}
		return true
	})
	small, large := agents[:2], agents[2:]
	onSmall := map[string]bool{"n0": true, "n1": true}
	before := map[string]map[string]cluster.Version{}
	for _, a := range small {
		before[a.cfg.NodeName] = schedulerWrites(a)
	}

	cut := time.Now()
	nc.Cut([]string{small[0].Node().Addr(), small[1].Node().Addr()},
		[]string{large[0].Node().Addr(), large[1].Node().Addr(), large[2].Node().Addr()})
	allOnLarge := func(a *Agent) bool {
		p := assigned(t, a)
		return len(p) == 5 && countOn(p, "n0")+countOn(p, "n1") == 0
	}
	eventually(t, 30*time.Second, "the large side runs the 5 pods on its 3 nodes", func() bool {
		for _, a := range large {
			if !allOnLarge(a) {
				return false
			}
		}
		return true
	})
	eventually(t, 30*time.Second, "the small side's leader says why it does not schedule", func() bool {
		return len(book.find("not scheduling", "test-node", "n0")) > 0
	})
	for _, a := range small {
		if got := schedulerWrites(a); !reflect.DeepEqual(got, before[a.cfg.NodeName]) {
			t.Fatalf("%s's scheduler records changed during the cut: %v; were %v", a.cfg.NodeName, got, before[a.cfg.NodeName])
		}
	}

	// The fences went up before the first replacement.
	var replaced time.Time
	for _, r := range book.find("pod assigned") {
		if r.Time.After(cut) && !onSmall[r.Attrs["test-node"]] && (replaced.IsZero() || r.Time.Before(replaced)) {
			replaced = r.Time
		}
	}
	for _, a := range small {
		fenced := book.find("fenced:", "test-node", a.cfg.NodeName)
		if len(fenced) != 1 {
			t.Fatalf("%s fenced itself %d times; want once", a.cfg.NodeName, len(fenced))
		}
		t.Logf("%s fenced itself %s after the cut; the first replacement came %s after it", a.cfg.NodeName,
			fenced[0].Time.Sub(cut).Round(time.Millisecond), replaced.Sub(cut).Round(time.Millisecond))
		if !fenced[0].Time.Before(replaced) {
			book.dump(t, cut)
			t.Errorf("%s fenced itself %s after the cut, not before the first replacement %s after it",
				a.cfg.NodeName, fenced[0].Time.Sub(cut), replaced.Sub(cut))
		}
	}
	for _, a := range large {
		if got := book.find("fenced:", "test-node", a.cfg.NodeName); len(got) != 0 {
			t.Fatalf("%s, on the large side, fenced itself", a.cfg.NodeName)
		}
	}

	nc.Heal()
	want := assigned(t, large[0])
	eventually(t, 30*time.Second, "every node holds the large side's 5 assignments and the fences are lifted", func() bool {
		for _, a := range large {
			if got := assigned(t, a); !maps.Equal(got, want) {
				book.dump(t, cut)
				t.Fatalf("during the heal %s's assignments changed: %v; were %v", a.cfg.NodeName, got, want)
			}
		}
		for _, a := range small {
			if !maps.Equal(assigned(t, a), want) || len(book.find("fence lifted", "test-node", a.cfg.NodeName)) != 1 {
				return false
			}
		}
		return true
	})
}
