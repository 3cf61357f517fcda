package agent

import (
	"net/http"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/podman-swarm/podman-swarm/agent/store"
)

// deploymentState is the part of a Deployment's view the rollout test reads.
type deploymentState struct {
	Metadata struct{ Annotations map[string]string }
	Spec     struct {
		Template struct {
			Spec struct{ Containers []struct{ Image string } }
		}
	}
	Status struct {
		Replicas, UpdatedReplicas, AvailableReplicas int
		Conditions                                   []struct{ Type, Status, Reason, Message string }
	}
}

func getDeployment(t *testing.T, a *Agent, name string) deploymentState {
	t.Helper()
	var d deploymentState
	if code := call(t, a, "GET", "/api/v1/deployments/default/"+name, "", nil, &d); code != http.StatusOK {
		t.Fatalf("get deployment %s: HTTP %d", name, code)
	}
	return d
}

func (d deploymentState) progressing() (status, reason, message string) {
	for _, c := range d.Status.Conditions {
		if c.Type == "Progressing" {
			return c.Status, c.Reason, c.Message
		}
	}
	return "", "", ""
}

// reportReady writes, as the node that runs it, a ready status for every pod whose name
// starts with prefix that the store assigns, and counts them: what the node's status
// writer does once a pod's containers are ready (these agents run nothing).
func reportReady(t *testing.T, agents []*Agent, prefix string) int {
	t.Helper()
	byName := map[string]*Agent{}
	for _, a := range agents {
		byName[a.cfg.NodeName] = a
	}
	st := store.Read(agents[0].Node(), testLogger())
	n := 0
	for key, as := range st.Assignments {
		if !strings.HasPrefix(as.Pod.Name, prefix) {
			continue
		}
		if s, ok := st.Status[key]; ok && s.Ready && s.Node == as.Node {
			n++
			continue
		}
		ps := store.PodStatus{Node: as.Node, Phase: corev1.PodRunning, Ready: true, ReadySince: time.Now().UTC(), Updated: time.Now().UTC()}
		if _, err := byName[as.Node].Node().Put(store.StatusKey(key), store.MustJSON(ps)); err != nil {
			t.Fatalf("report %s ready: %v", key, err)
		}
		n++
	}
	return n
}

// podsWithImage counts the pods of Deployment name that the store assigns with image.
func podsWithImage(t *testing.T, a *Agent, name, image string) int {
	st := store.Read(a.Node(), testLogger())
	n := 0
	for _, as := range st.Assignments {
		if as.Pod.Owner == name && as.Pod.Spec.Containers[0].Image == image {
			n++
		}
	}
	return n
}

// TestFailedRolloutStopsAndRollsBack drives two rollouts to an image whose pods never
// become ready, through real agents on loopback: the old pods stay (maxUnavailable 0), the
// Deployment without rollback says ProgressDeadlineExceeded on every node, and the one
// annotated rollback-on-failure is written back to its previous template, with the
// DeploymentRollback event and its revision renumbered.
func TestFailedRolloutStopsAndRollsBack(t *testing.T) {
	agents := startAgents(t, 3, nil)
	const rollout = "  progressDeadlineSeconds: 2\n"
	web := func(image string) string {
		y := strings.Replace(deploymentYAML("web", 3, ""), "spec:\n  replicas", "spec:\n"+rollout+"  replicas", 1)
		y = strings.Replace(y, "metadata: {name: web}", "metadata:\n  name: web\n  annotations: {swarm.podman.io/rollback-on-failure: \"true\"}", 1)
		return strings.Replace(y, "localhost/test:1", image, 1)
	}
	api := func(image string) string {
		y := strings.Replace(deploymentYAML("api", 3, ""), "spec:\n  replicas", "spec:\n"+rollout+"  replicas", 1)
		return strings.Replace(y, "localhost/test:1", image, 1)
	}
	apply(t, agents[1], web("localhost/test:1"))
	apply(t, agents[2], api("localhost/test:1"))
	eventually(t, 10*time.Second, "the first templates run ready and complete", func() bool {
		if reportReady(t, agents, "web-") != 3 || reportReady(t, agents, "api-") != 3 {
			return false
		}
		for _, name := range []string{"web", "api"} {
			d := getDeployment(t, agents[0], name)
			if _, reason, _ := d.progressing(); reason != "NewReplicaSetAvailable" || d.Metadata.Annotations["deployment.kubernetes.io/revision"] != "1" {
				return false
			}
		}
		return true
	})

	apply(t, agents[1], web("localhost/missing:2"))
	apply(t, agents[2], api("localhost/missing:2"))
	for _, a := range agents {
		eventually(t, 15*time.Second, a.cfg.NodeName+" says api exceeded its progress deadline", func() bool {
			status, reason, msg := getDeployment(t, a, "api").progressing()
			return status == "False" && reason == "ProgressDeadlineExceeded" && strings.HasSuffix(msg, "has timed out progressing.")
		})
	}
	// The new pods never turned ready: every old pod of api still runs, beside one new one.
	if old, cur := podsWithImage(t, agents[0], "api", "localhost/test:1"), podsWithImage(t, agents[0], "api", "localhost/missing:2"); old != 3 || cur != 1 {
		t.Fatalf("api runs %d old and %d new pods; want 3 and 1", old, cur)
	}
	if d := getDeployment(t, agents[0], "api"); d.Spec.Template.Spec.Containers[0].Image != "localhost/missing:2" || d.Metadata.Annotations["deployment.kubernetes.io/revision"] != "2" {
		t.Fatalf("api without rollback changed: %+v", d)
	}

	for _, a := range agents {
		eventually(t, 15*time.Second, a.cfg.NodeName+" shows web rolled back to revision 1", func() bool {
			d := getDeployment(t, a, "web")
			return d.Spec.Template.Spec.Containers[0].Image == "localhost/test:1" &&
				d.Metadata.Annotations["deployment.kubernetes.io/revision"] == "3" &&
				d.Metadata.Annotations["swarm.podman.io/rolled-back"] == `Rolled back deployment "web" to revision 1`
		})
	}
	eventually(t, 10*time.Second, "web's rollback completes and its new pods are gone", func() bool {
		reportReady(t, agents, "web-")
		_, reason, _ := getDeployment(t, agents[0], "web").progressing()
		return reason == "NewReplicaSetAvailable" && podsWithImage(t, agents[0], "web", "localhost/missing:2") == 0 &&
			podsWithImage(t, agents[0], "web", "localhost/test:1") == 3
	})
	var evs struct {
		Items []struct{ Reason, Message, Type string }
	}
	if code := call(t, agents[0], "GET", "/api/v1/events?namespace=default", "", nil, &evs); code != http.StatusOK {
		t.Fatalf("get events: HTTP %d", code)
	}
	rollbacks := 0
	for _, e := range evs.Items {
		if e.Reason == "DeploymentRollback" {
			rollbacks++
			if e.Message != `Rolled back deployment "web" to revision 1` {
				t.Errorf("event message %q", e.Message)
			}
		}
	}
	if rollbacks != 1 {
		t.Fatalf("%d DeploymentRollback events; want 1: %+v", rollbacks, evs.Items)
	}
}

// TestMinReadySecondsThroughTheLeader: pods reported ready count as available only once
// they have been ready for minReadySeconds, and the leader looks again by itself then:
// nothing else changes in the store after the reports.
func TestMinReadySecondsThroughTheLeader(t *testing.T) {
	agents := startAgents(t, 3, nil)
	const minReady = 2 * time.Second
	y := strings.Replace(deploymentYAML("web", 3, ""), "spec:\n  replicas", "spec:\n  minReadySeconds: 2\n  replicas", 1)
	apply(t, agents[1], y)
	eventually(t, 10*time.Second, "3 pods placed", func() bool { return len(placement(t, agents[0])) == 3 })
	reported := time.Now()
	if n := reportReady(t, agents, "web-"); n != 3 {
		t.Fatalf("reported %d pods ready", n)
	}
	var d deploymentState
	eventually(t, 15*time.Second, "web complete", func() bool {
		d = getDeployment(t, agents[2], "web")
		_, reason, _ := d.progressing()
		return reason == "NewReplicaSetAvailable" && d.Status.AvailableReplicas == 3
	})
	if since := time.Since(reported); since < minReady {
		t.Fatalf("available %s after the pods turned ready; minReadySeconds is %s", since, minReady)
	}
}
