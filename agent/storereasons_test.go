package agent

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/podman-swarm/podman-swarm/api"
	"github.com/podman-swarm/podman-swarm/cluster"
	"github.com/podman-swarm/podman-swarm/internal/testdisk"
)

// nodeList is the part of a node list the tests read.
type nodeList struct {
	Items []struct {
		Metadata struct{ Name string }
		Status   struct {
			Conditions []struct{ Type, Status, Reason, Message string }
		}
	}
}

// storeCondition is the StoreFailing condition of node as a reads it: its status and
// message.
func storeCondition(t *testing.T, a *Agent, node string) (status, message string) {
	t.Helper()
	var l nodeList
	if code := call(t, a, "GET", "/api/v1/nodes", "", nil, &l); code != http.StatusOK {
		t.Fatalf("get nodes: HTTP %d", code)
	}
	for _, n := range l.Items {
		if n.Metadata.Name != node {
			continue
		}
		for _, c := range n.Status.Conditions {
			if c.Type == "StoreFailing" {
				return c.Status, c.Message
			}
		}
	}
	return "", ""
}

// notPlaced maps the name of every pod a lists as Pending, on no node, to the message of
// its PodScheduled condition.
func notPlaced(t *testing.T, a *Agent, prefix string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, p := range pods(t, a).Items {
		if !strings.HasPrefix(p.Metadata.Name, prefix) || p.Spec.NodeName != "" || p.Status.Phase != "Pending" {
			continue
		}
		for _, c := range p.Status.Conditions {
			if c.Type == "PodScheduled" && c.Status == "False" {
				out[p.Metadata.Name] = c.Message
			}
		}
	}
	return out
}

// allSay reports whether every value of m is want, and m has n of them.
func allSay(m map[string]string, n int, want string) bool {
	if len(m) != n {
		return false
	}
	for _, v := range m {
		if v != want {
			return false
		}
	}
	return true
}

func names[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// describedReason is the message of the PodScheduled condition of a pod as describe
// (GET /api/v1/pods/NS/NAME) answers it through a.
func describedReason(t *testing.T, a *Agent, pod string) string {
	t.Helper()
	var d api.PodDescription
	if code := call(t, a, "GET", "/api/v1/pods/default/"+pod, "", nil, &d); code != http.StatusOK {
		t.Fatalf("describe %s: HTTP %d", pod, code)
	}
	for _, c := range d.Pod.Status.Conditions {
		if c.Type == "PodScheduled" && c.Status == "False" {
			return c.Message
		}
	}
	return ""
}

// fillLeaderDisk fills the file system of dir, which holds the state folder of leader,
// until leader cannot write its store.
func fillLeaderDisk(t *testing.T, dir string, leader *Agent) {
	t.Helper()
	testdisk.Fill(t, dir)
	// The log's last page may still take a few small frames: write until the disk
	// refuses one, which leaves less room than any later frame needs.
	for i := 0; ; i++ {
		_, err := leader.Node().Put(fmt.Sprintf("test/fill/%d", i), []byte("x"))
		if errors.Is(err, cluster.ErrNotPersisted) {
			return
		}
		if err != nil || i == 10000 {
			t.Fatalf("write %d on the full disk: %v", i, err)
		}
	}
}

// replicaFailure is the message of a Deployment's ReplicaFailure condition as a reads it;
// "" without one.
func replicaFailure(t *testing.T, a *Agent, name string) string {
	t.Helper()
	var d struct {
		Status struct {
			Conditions []struct{ Type, Status, Reason, Message string }
		}
	}
	if code := call(t, a, "GET", "/api/v1/deployments/default/"+name, "", nil, &d); code != http.StatusOK {
		t.Fatalf("get deployment %s: HTTP %d", name, code)
	}
	for _, c := range d.Status.Conditions {
		if c.Type == "ReplicaFailure" && c.Status == "True" {
			return c.Message
		}
	}
	return ""
}

// The leader's disk is full: it cannot store the Deployment applied through another node,
// let alone place its pods. Every node lists the leader as StoreFailing with the reason,
// and the nodes that hold the Deployment list its pods Pending with the leader's reason, in
// get and describe. Once there is room again, the pods are placed under the names they were
// listed with, and the reasons clear.
func TestLeaderOnAFullDiskShowsWhyPodsWait(t *testing.T) {
	full := testdisk.Tmpfs(t, "1m")
	agents := startAgents(t, 3, func(i int, c *Config) {
		if i == 0 {
			c.StateDir = filepath.Join(full, "n0")
		}
	})
	leader := agents[0]
	eventually(t, 5*time.Second, "every node names n0 the leader", func() bool {
		for _, a := range agents {
			if a.Node().Leader() != "n0" {
				return false
			}
		}
		return true
	})

	fillLeaderDisk(t, full, leader)
	const failing = "the node cannot write to its store: no space left on device"
	for _, a := range agents {
		eventually(t, 5*time.Second, a.cfg.NodeName+" lists n0 as StoreFailing", func() bool {
			status, msg := storeCondition(t, a, "n0")
			return status == "True" && msg == failing
		})
		if status, msg := storeCondition(t, a, "n1"); status != "False" {
			t.Errorf("%s lists n1's store as %s: %s", a.cfg.NodeName, status, msg)
		}
	}
	var h map[string]any
	if code := callAs(t, leader, "", "GET", "/healthz", "", nil, &h); code != http.StatusServiceUnavailable {
		t.Errorf("healthz of the full leader: HTTP %d %v", code, h)
	}

	apply(t, agents[1], deploymentYAML("web", 2, ""))
	const leaderFails = "the leader n0 cannot write to its store: no space left on device"
	const why = "not placed yet: " + leaderFails
	var listed []string
	for _, a := range agents[1:] {
		eventually(t, 5*time.Second, a.cfg.NodeName+" lists 2 pods Pending with the leader's reason", func() bool {
			return allSay(notPlaced(t, a, "web-"), 2, why)
		})
		got := names(notPlaced(t, a, "web-"))
		if listed != nil && !slices.Equal(got, listed) {
			t.Fatalf("%s lists %v, another node %v", a.cfg.NodeName, got, listed)
		}
		listed = got
		for _, name := range got {
			if r := describedReason(t, a, name); r != why {
				t.Errorf("describe %s through %s: reason %q, want %q", name, a.cfg.NodeName, r, why)
			}
		}
		if r := replicaFailure(t, a, "web"); r != leaderFails {
			t.Errorf("deployment web through %s: ReplicaFailure %q, want %q", a.cfg.NodeName, r, leaderFails)
		}
	}
	// The leader could not store the Deployment: it lists nothing of it, and says why
	// through its node's condition above.
	if p := pods(t, leader); len(p.Items) != 0 {
		t.Errorf("the full leader lists pods it cannot have stored: %+v", p.Items)
	}
	// It stays so: nothing is placed while the leader cannot write.
	time.Sleep(time.Second)
	if p := placement(t, agents[2]); len(p) != 0 {
		t.Fatalf("pods placed by a leader that cannot write: %v", p)
	}

	if err := os.Remove(filepath.Join(full, "filler")); err != nil {
		t.Fatal(err)
	}
	for _, a := range agents {
		eventually(t, 10*time.Second, a.cfg.NodeName+" lists the 2 pods placed, under the names they waited with", func() bool {
			return slices.Equal(names(placement(t, a)), listed) && len(notPlaced(t, a, "web-")) == 0
		})
		eventually(t, 5*time.Second, a.cfg.NodeName+" lists n0's store as writable", func() bool {
			status, _ := storeCondition(t, a, "n0")
			return status == "False"
		})
	}
	if code := callAs(t, leader, "", "GET", "/healthz", "", nil, nil); code != http.StatusOK {
		t.Errorf("healthz of the leader with room again: HTTP %d", code)
	}
	for _, a := range agents {
		if r := replicaFailure(t, a, "web"); r != "" {
			t.Errorf("deployment web through %s: ReplicaFailure %q with room again", a.cfg.NodeName, r)
		}
	}

	// A new template while the leader's disk is full: the old pods stand, nothing is
	// missing, and the Deployment says why its rollout does not start.
	fillLeaderDisk(t, full, leader)
	apply(t, agents[1], strings.Replace(deploymentYAML("web", 2, ""), "test:1", "test:2", 1))
	for _, a := range agents[1:] {
		eventually(t, 5*time.Second, a.cfg.NodeName+" says why the rollout of web does not start", func() bool {
			return replicaFailure(t, a, "web") == leaderFails
		})
		if p := names(placement(t, a)); !slices.Equal(p, listed) || len(notPlaced(t, a, "web-")) != 0 {
			t.Errorf("%s lists %v placed and %v not, want the old pods %v", a.cfg.NodeName, p, notPlaced(t, a, "web-"), listed)
		}
	}
	if err := os.Remove(filepath.Join(full, "filler")); err != nil {
		t.Fatal(err)
	}
	for _, a := range agents {
		eventually(t, 10*time.Second, a.cfg.NodeName+" sees the rollout of web start", func() bool {
			return len(placement(t, a)) > 2 && replicaFailure(t, a, "web") == ""
		})
	}
}

// fillStore writes filler values through a until the store refuses even the smallest:
// every write after that which makes the store larger is refused with ErrStoreFull.
func fillStore(t *testing.T, a *Agent) {
	t.Helper()
	i := 0
	for size := cluster.MaxValueBytes; size > 0; size /= 2 {
		for {
			_, err := a.Node().Put(fmt.Sprintf("test/filler/%d", i), bytes.Repeat([]byte{'f'}, size))
			if errors.Is(err, cluster.ErrStoreFull) {
				break
			}
			if err != nil {
				t.Fatalf("fill the store: %v", err)
			}
			i++
		}
	}
}

// The store is full (every node's: it is replicated): a Deployment scaled up in place is
// accepted, since it takes no more room, but the leader cannot write the assignments of the
// new pods. Every node, the leader included, lists them Pending with the leader's reason,
// and the leader as StoreFailing; once room is made, they are placed and the reasons clear.
func TestLeaderWithAFullStoreShowsWhyPodsWait(t *testing.T) {
	agents := startAgents(t, 3, nil)
	eventually(t, 5*time.Second, "every node names n0 the leader", func() bool {
		for _, a := range agents {
			if a.Node().Leader() != "n0" {
				return false
			}
		}
		return true
	})
	apply(t, agents[1], deploymentYAML("web", 1, ""))
	for _, a := range agents {
		eventually(t, 5*time.Second, a.cfg.NodeName+" lists 1 pod placed", func() bool { return len(placement(t, a)) == 1 })
	}
	first := names(placement(t, agents[0]))

	// A small value kept aside while the store fills, freed before the scale up below.
	if _, err := agents[1].Node().Put("test/filler/reserve", make([]byte, 64)); err != nil {
		t.Fatal(err)
	}
	fillStore(t, agents[1])
	want := len(agents[1].Node().List("test/filler/"))
	for _, a := range agents {
		eventually(t, 10*time.Second, a.cfg.NodeName+" holds every filler value", func() bool {
			return len(a.Node().List("test/filler/")) == want
		})
	}
	// The same Deployment with 3 replicas takes as many bytes, give or take what its value
	// records of the write it replaces (a dozen bytes: its lineage): the 64 bytes kept
	// aside leave room for that, and not for the new pods' assignments.
	if _, err := agents[1].Node().Delete("test/filler/reserve"); err != nil {
		t.Fatal(err)
	}
	if res := apply(t, agents[1], deploymentYAML("web", 3, "")); res.Applied[0].Result != "configured" {
		t.Fatalf("scale up on a full store: %+v", res.Applied)
	}
	const why = "not placed yet: the leader n0 cannot write to its store: the store is full"
	var listed []string
	for _, a := range agents {
		eventually(t, 5*time.Second, a.cfg.NodeName+" lists 2 new pods Pending with the leader's reason", func() bool {
			return allSay(notPlaced(t, a, "web-"), 2, why)
		})
		got := names(notPlaced(t, a, "web-"))
		if listed != nil && !slices.Equal(got, listed) {
			t.Fatalf("%s lists %v, another node %v", a.cfg.NodeName, got, listed)
		}
		listed = got
		if r := describedReason(t, a, got[0]); r != why {
			t.Errorf("describe %s through %s: reason %q, want %q", got[0], a.cfg.NodeName, r, why)
		}
		if p := placement(t, a); !slices.Equal(names(p), first) {
			t.Errorf("%s lists %v placed, want the first pod only, %v", a.cfg.NodeName, p, first)
		}
		eventually(t, 5*time.Second, a.cfg.NodeName+" lists n0 as StoreFailing", func() bool {
			status, msg := storeCondition(t, a, "n0")
			return status == "True" && msg == "the node cannot write to its store: the store is full"
		})
		if r := replicaFailure(t, a, "web"); r != "the leader n0 cannot write to its store: the store is full" {
			t.Errorf("deployment web through %s: ReplicaFailure %q", a.cfg.NodeName, r)
		}
	}

	// Room again: one filler value less.
	if _, err := agents[2].Node().Delete("test/filler/0"); err != nil {
		t.Fatal(err)
	}
	for _, a := range agents {
		eventually(t, 10*time.Second, a.cfg.NodeName+" lists the 3 pods placed", func() bool {
			p := names(placement(t, a))
			return len(p) == 3 && len(notPlaced(t, a, "web-")) == 0 && slices.Contains(p, listed[0]) && slices.Contains(p, listed[1])
		})
		eventually(t, 5*time.Second, a.cfg.NodeName+" lists n0's store as writable", func() bool {
			status, _ := storeCondition(t, a, "n0")
			return status == "False"
		})
		if r := replicaFailure(t, a, "web"); r != "" {
			t.Errorf("deployment web through %s: ReplicaFailure %q with room again", a.cfg.NodeName, r)
		}
	}
}
