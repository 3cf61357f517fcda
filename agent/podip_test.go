package agent

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/netip"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/podman-swarm/podman-swarm/agent/store"
	"github.com/podman-swarm/podman-swarm/cluster"
)

// assignments reads the assignments in an agent's own store, by pod key.
func assignments(t *testing.T, a *Agent) map[string]store.Assignment {
	t.Helper()
	out := map[string]store.Assignment{}
	for _, e := range a.Node().List(store.PrefixAssignment) {
		var as store.Assignment
		if err := json.Unmarshal(e.Value, &as); err != nil {
			t.Fatal(err)
		}
		out[as.Pod.Key()] = as
	}
	return out
}

// checkPodIPs fails the test unless every assignment but those of old has a pod IP of its
// own in the pod CIDR, never its network, gateway (first) or broadcast address; those of
// old have none.
func checkPodIPs(t *testing.T, where string, as map[string]store.Assignment, old map[string]bool) {
	t.Helper()
	seen := map[netip.Addr]string{}
	for key, a := range as {
		if old[key] {
			if a.PodIP != "" {
				t.Errorf("%s: %s, placed before pods had addresses, was given %s", where, key, a.PodIP)
			}
			continue
		}
		ip, err := netip.ParseAddr(a.PodIP)
		switch {
		case err != nil:
			t.Errorf("%s: %s on %s has pod IP %q", where, key, a.Node, a.PodIP)
			continue
		case !testPodCIDR.Contains(ip) || ip == testPodCIDR.Addr() || ip == testPodCIDR.Addr().Next() ||
			ip == netip.MustParseAddr("10.42.255.255"):
			t.Errorf("%s: %s has pod IP %s, which is not one to give out of %s", where, key, ip, testPodCIDR)
		case seen[ip] != "":
			t.Errorf("%s: %s and %s both have pod IP %s", where, seen[ip], key, ip)
		}
		seen[ip] = key
	}
}

// New pods get a pod IP of their own from the pod CIDR, across the cluster, also when
// two nodes apply at once; the API shows it as status.podIP. A pod placed before pods had
// addresses (an assignment without one) keeps none while the leader plans on. When a node
// dies, its pods move with their addresses.
func TestPodsGetTheirOwnAddresses(t *testing.T) {
	agents := startAgents(t, 3, nil)
	var wg sync.WaitGroup
	errs := make(chan error, 2)
	for i, a := range agents[1:] {
		token := nodeToken(t, a)
		wg.Go(func() {
			code, body, err := postManifest(a, token, deploymentYAML(fmt.Sprintf("app%d", i), 8, ""), "")
			if err == nil && code != http.StatusOK {
				err = fmt.Errorf("HTTP %d %s", code, body)
			}
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("apply: %v", err)
		}
	}
	eventually(t, 20*time.Second, "every node holds the 16 assignments", func() bool {
		for _, a := range agents {
			if len(assignments(t, a)) != 16 {
				return false
			}
		}
		return true
	})
	first := assignments(t, agents[0])
	checkPodIPs(t, "n0", first, nil)
	var l struct{ Items []corev1.Pod }
	if code := call(t, agents[2], "GET", "/api/v1/pods", "", nil, &l); code != http.StatusOK {
		t.Fatalf("list pods: HTTP %d", code)
	}
	for _, p := range l.Items {
		if want := first[p.Namespace+"/"+p.Name].PodIP; p.Status.PodIP != want || len(p.Status.PodIPs) != 1 || p.Status.PodIPs[0].IP != want {
			t.Errorf("n2 shows %s with podIP %q %v; it was given %s", p.Name, p.Status.PodIP, p.Status.PodIPs, want)
		}
	}

	// A pod on n1 as an earlier release placed it: the same assignment, without an address.
	var oldKey string
	var oldVersion cluster.Version
	for key, a := range first {
		if a.Node == "n1" {
			a.PodIP = ""
			v, err := agents[1].Node().Write(t.Context(), []cluster.Change{{Key: store.AssignmentKey(key), Value: store.MustJSON(a)}}, cluster.AckAll)
			if err != nil {
				t.Fatal(err)
			}
			oldKey, oldVersion = key, v
			break
		}
	}
	if oldKey == "" {
		t.Fatal("no pod on n1")
	}
	old := map[string]bool{oldKey: true}

	victim := agents[2]
	_ = victim.Shutdown(false)
	survivors := agents[:2]
	eventually(t, 30*time.Second, "n2's pods move to n0 and n1", func() bool {
		for _, a := range survivors {
			as := assignments(t, a)
			if len(as) != 16 {
				return false
			}
			for _, x := range as {
				if x.Node == victim.cfg.NodeName {
					return false
				}
			}
		}
		return true
	})
	// A new pod after the move, so that the leader plans new addresses beside the moved.
	apply(t, agents[0], deploymentYAML("late", 2, ""))
	eventually(t, 20*time.Second, "the survivors hold 18 assignments", func() bool {
		return len(assignments(t, agents[0])) == 18 && len(assignments(t, agents[1])) == 18
	})
	settle()
	moved := 0
	for _, a := range survivors {
		as := assignments(t, a)
		checkPodIPs(t, a.cfg.NodeName, as, old)
		for key, was := range first {
			now := as[key]
			if was.Node == victim.cfg.NodeName {
				moved++
				if now.PodIP != was.PodIP {
					t.Errorf("%s: %s moved from %s to %s with pod IP %s; it had %s", a.cfg.NodeName, key, was.Node, now.Node, now.PodIP, was.PodIP)
				}
			}
		}
		if e, _ := a.Node().Get(store.AssignmentKey(oldKey)); e.Version != oldVersion {
			t.Errorf("%s: the assignment of %s, placed before pods had addresses, was written again: %s", a.cfg.NodeName, oldKey, e.Value)
		}
	}
	if moved == 0 {
		t.Fatal("n2 ran no pod, so none moved")
	}
}
