package agent

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/podman-swarm/podman-swarm/agent/store"
)

// statefulSetYAML is a StatefulSet named db of replicas pods of image, each with a claim
// data-db-<i> from its volumeClaimTemplate; a grace period of 1 s, so that a deleted pod is
// made again 4 s later (the drain, the grace, a second).
func statefulSetYAML(replicas int, image string) string {
	return fmt.Sprintf(`apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db}
spec:
  serviceName: db
  replicas: %d
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec:
      terminationGracePeriodSeconds: 1
      containers:
        - name: main
          image: %s
          volumeMounts: [{name: data, mountPath: /data}]
  volumeClaimTemplates:
    - metadata: {name: data}
      spec:
        accessModes: [ReadWriteOnce]
        resources: {requests: {storage: 1Gi}}
`, replicas, image)
}

// statefulSetState is the part of a StatefulSet's view the test reads.
type statefulSetState struct {
	Status struct {
		Replicas, ReadyReplicas, UpdatedReplicas, CurrentReplicas int
		UpdateRevision, CurrentRevision                           string
	}
}

// setPods maps the names of db's pods the store assigns to their node and image.
func setPods(a *Agent) map[string][2]string {
	st := store.Read(a.Node(), testLogger())
	out := map[string][2]string{}
	for _, as := range st.Assignments {
		if as.Pod.Owner == "db" && as.Pod.OwnerKind == "StatefulSet" {
			out[as.Pod.Name] = [2]string{as.Node, as.Pod.Spec.Containers[0].Image}
		}
	}
	return out
}

// A StatefulSet through real agents on loopback: its pods come up one at a time as each
// turns ready, each bound to its own claim made by the leader; the API counts them as
// `kubectl get sts` shows them; a new image rolls out from the highest ordinal down, each
// pod staying on its claim's node; scale down takes the highest ordinals and keeps their
// claims; deleting the set deletes its pods, not its claims.
func TestStatefulSetLifecycle(t *testing.T) {
	agents := startAgents(t, 3, nil)
	eventually(t, 10*time.Second, "a leader", func() bool { return leaderOf(agents) != "" })
	apply(t, agents[1], statefulSetYAML(3, "localhost/test:1"))
	var order []string
	eventually(t, 20*time.Second, "db-0..2 ready, one at a time", func() bool {
		before := setPods(agents[0])
		for name := range before {
			if !slices.Contains(order, name) {
				order = append(order, name)
			}
		}
		return reportReady(t, agents, "db-") == 3
	})
	if !slices.Equal(order, []string{"db-0", "db-1", "db-2"}) {
		t.Fatalf("pods appeared in the order %v, want db-0, db-1, db-2", order)
	}
	first := setPods(agents[0])
	for name, p := range first {
		c := "default/data-" + name
		eventually(t, 10*time.Second, "claim "+c+" stored and bound to "+p[0]+" on every node", func() bool {
			for _, a := range agents {
				st := store.Read(a.Node(), testLogger())
				if _, ok := st.Claims[c]; !ok {
					return false
				}
				if b, _, ok := binding(a, c); !ok || b.Node != p[0] {
					return false
				}
			}
			return true
		})
	}
	eventually(t, 10*time.Second, "the StatefulSet's events as Kubernetes words them", func() bool {
		var l struct {
			Items []struct{ Reason, Message string }
		}
		if call(t, agents[0], "GET", "/api/v1/events?namespace=default&object=StatefulSet/db", "", nil, &l) != http.StatusOK {
			return false
		}
		want := map[string]bool{}
		for i := 0; i < 3; i++ {
			want[fmt.Sprintf("SuccessfulCreate create Pod db-%d in StatefulSet db successful", i)] = true
			want[fmt.Sprintf("SuccessfulCreate create Claim data-db-%d Pod db-%d in StatefulSet db success", i, i)] = true
		}
		for _, e := range l.Items {
			delete(want, e.Reason+" "+e.Message)
		}
		return len(want) == 0
	})
	eventually(t, 10*time.Second, "the API counts 3 ready", func() bool {
		var s statefulSetState
		code := call(t, agents[2], "GET", "/api/v1/statefulsets/default/db", "", nil, &s)
		return code == http.StatusOK && s.Status.Replicas == 3 && s.Status.ReadyReplicas == 3 && s.Status.UpdatedReplicas == 3 &&
			s.Status.CurrentRevision == s.Status.UpdateRevision
	})

	apply(t, agents[2], statefulSetYAML(3, "localhost/test:2"))
	var updated []string
	eventually(t, 30*time.Second, "every pod on the new image", func() bool {
		now := setPods(agents[0])
		for name, p := range now {
			if p[1] == "localhost/test:2" && !slices.Contains(updated, name) {
				updated = append(updated, name)
			}
		}
		reportReady(t, agents, "db-")
		return len(updated) == 3
	})
	if !slices.Equal(updated, []string{"db-2", "db-1", "db-0"}) {
		t.Fatalf("pods updated in the order %v, want db-2, db-1, db-0", updated)
	}
	for name, p := range setPods(agents[0]) {
		if p[0] != first[name][0] {
			t.Errorf("%s moved from %s to %s, away from its claim", name, first[name][0], p[0])
		}
	}

	apply(t, agents[0], statefulSetYAML(1, "localhost/test:2"))
	eventually(t, 20*time.Second, "scaled down to db-0", func() bool {
		reportReady(t, agents, "db-")
		p := setPods(agents[1])
		_, zero := p["db-0"]
		return len(p) == 1 && zero
	})
	if code := call(t, agents[1], "DELETE", "/api/v1/manifests/default/db?kind=StatefulSet", "", nil, nil); code != http.StatusOK {
		t.Fatalf("delete the StatefulSet: HTTP %d", code)
	}
	eventually(t, 20*time.Second, "no pod of db left, its 3 claims kept", func() bool {
		if len(setPods(agents[2])) != 0 {
			return false
		}
		st := store.Read(agents[2].Node(), testLogger())
		for i := 0; i < 3; i++ {
			if _, ok := st.Claims[fmt.Sprintf("default/data-db-%d", i)]; !ok {
				return false
			}
		}
		return true
	})
	if code := call(t, agents[1], "GET", "/api/v1/statefulsets/default/db", "", nil, nil); code != http.StatusNotFound {
		t.Fatalf("get the deleted StatefulSet: HTTP %d, want 404", code)
	}
}

// Under OnDelete a new template waits until the user deletes a pod: `swarm delete pod`
// of a StatefulSet's pod removes it, through the leader, and the set makes it again under
// its name, on its claim's node, with the new template; the request leaves the store.
func TestStatefulSetOnDeletePodDeleted(t *testing.T) {
	agents := startAgents(t, 3, nil)
	eventually(t, 10*time.Second, "a leader", func() bool { return leaderOf(agents) != "" })
	onDelete := func(image string) string {
		return strings.Replace(statefulSetYAML(2, image), "  serviceName: db\n",
			"  serviceName: db\n  podManagementPolicy: Parallel\n  updateStrategy: {type: OnDelete}\n", 1)
	}
	apply(t, agents[0], onDelete("localhost/test:1"))
	eventually(t, 20*time.Second, "db-0 and db-1 ready", func() bool { return reportReady(t, agents, "db-") == 2 })
	first := setPods(agents[0])
	apply(t, agents[1], onDelete("localhost/test:2"))
	if code := call(t, agents[2], "DELETE", "/api/v1/manifests/default/db-9?kind=Pod", "", nil, nil); code != http.StatusNotFound {
		t.Fatalf("delete a pod the set does not have: HTTP %d, want 404", code)
	}
	if code := call(t, agents[2], "DELETE", "/api/v1/manifests/default/db-1?kind=Pod", "", nil, nil); code != http.StatusOK {
		t.Fatalf("delete pod db-1: HTTP %d", code)
	}
	eventually(t, 20*time.Second, "db-1 made again with the new template on its node, the request gone", func() bool {
		reportReady(t, agents, "db-")
		p := setPods(agents[1])
		if p["db-1"] != [2]string{first["db-1"][0], "localhost/test:2"} {
			return false
		}
		for _, a := range agents {
			if len(store.Read(a.Node(), testLogger()).PodDeletions) != 0 {
				return false
			}
		}
		return true
	})
	if p := setPods(agents[0]); p["db-0"] != first["db-0"] {
		t.Errorf("db-0 changed to %v under OnDelete, was %v", p["db-0"], first["db-0"])
	}
	eventually(t, 10*time.Second, "the event of db-1's deletion", func() bool {
		var l struct {
			Items []struct{ Reason, Message string }
		}
		call(t, agents[0], "GET", "/api/v1/events?namespace=default&object=StatefulSet/db", "", nil, &l)
		for _, e := range l.Items {
			if e.Reason == "SuccessfulDelete" && e.Message == "delete Pod db-1 in StatefulSet db successful" {
				return true
			}
		}
		return false
	})
}
