package agent

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"

	"github.com/podman-swarm/podman-swarm/agent/events"
	"github.com/podman-swarm/podman-swarm/agent/store"
	"github.com/podman-swarm/podman-swarm/cluster"
	"github.com/podman-swarm/podman-swarm/internal/netcut"
)

// startPartitionable starts n agents whose gossip links a linkCutter can cut, and that
// rejoin fast once the links are back.
func startPartitionable(t *testing.T, n int) ([]*Agent, *linkCutter) {
	t.Helper()
	lc := &linkCutter{}
	agents := startAgents(t, n, func(_ int, c *Config) {
		c.WrapTransport = lc.net.Wrap
		c.tuneCluster = func(cc *cluster.Config) { cc.ReconnectInterval = 200 * time.Millisecond }
	})
	return agents, lc
}

// linkCutter cuts the links between groups of agents, as a network partition would.
type linkCutter struct{ net netcut.Net }

func (lc *linkCutter) partition(groups ...[]*Agent) {
	addrs := make([][]string, len(groups))
	for i, g := range groups {
		for _, a := range g {
			addrs[i] = append(addrs[i], a.Node().Addr())
		}
	}
	lc.net.Cut(addrs...)
}

func (lc *linkCutter) heal() { lc.net.Heal() }

// waitAliveOn waits until each agent sees want members alive.
func waitAliveOn(t *testing.T, agents []*Agent, want int) {
	t.Helper()
	eventually(t, 20*time.Second, fmt.Sprintf("each node sees %d alive members", want), func() bool {
		for _, a := range agents {
			if alive(a) != want {
				return false
			}
		}
		return true
	})
}

// outpace moves ahead's Lamport clock well past behind's, by local writes outside the
// objects, so that ahead's next write is ordered after behind's next one: across a
// partition neither sees the other's, and each side counts on by itself (its leader places
// pods, for one).
func outpace(t *testing.T, ahead, behind *Agent) {
	t.Helper()
	put := func(a *Agent) uint64 {
		v, err := a.Node().Put("test/clock/"+a.cfg.NodeName, []byte("tick"))
		if err != nil {
			t.Fatal(err)
		}
		return v.Time
	}
	target := put(behind) + 50
	for put(ahead) <= target { // each local write moves the clock on by one
	}
}

// applyResult applies a manifest and returns the one result it answers.
func applyResult(t *testing.T, a *Agent, yaml string) string {
	t.Helper()
	res := apply(t, a, yaml)
	if len(res.Applied) != 1 {
		t.Fatalf("apply answered %+v", res)
	}
	return res.Applied[0].Result
}

// deployment reads a Deployment through an agent's API; false on 404.
func deployment(t *testing.T, a *Agent, name string) (*appsv1.Deployment, bool) {
	t.Helper()
	var d appsv1.Deployment
	switch code := call(t, a, "GET", "/api/v1/deployments/default/"+name, "", nil, &d); code {
	case http.StatusOK:
		return &d, true
	case http.StatusNotFound:
		return nil, false
	default:
		t.Fatalf("get deployment %s from %s: HTTP %d", name, a.cfg.NodeName, code)
		return nil, false
	}
}

func image(d *appsv1.Deployment) string { return d.Spec.Template.Spec.Containers[0].Image }

// waitDeployment waits until every agent serves the Deployment, and check holds for it.
func waitDeployment(t *testing.T, agents []*Agent, name, what string, check func(*appsv1.Deployment) bool) {
	t.Helper()
	eventually(t, 20*time.Second, what, func() bool {
		for _, a := range agents {
			d, ok := deployment(t, a, name)
			if !ok || !check(d) {
				return false
			}
		}
		return true
	})
}

// waitGone waits until no agent serves the Deployment.
func waitGone(t *testing.T, agents []*Agent, name string) {
	t.Helper()
	eventually(t, 20*time.Second, "no node serves deployment "+name, func() bool {
		for _, a := range agents {
			if _, ok := deployment(t, a, name); ok {
				return false
			}
		}
		return true
	})
}

// listEvents lists the events an agent's API answers for a query.
func listEvents(t *testing.T, a *Agent, query url.Values) []corev1.Event {
	t.Helper()
	var l struct{ Items []corev1.Event }
	path := "/api/v1/events"
	if len(query) > 0 {
		path += "?" + query.Encode()
	}
	if code := call(t, a, "GET", path, "", nil, &l); code != http.StatusOK {
		t.Fatalf("get events from %s: HTTP %d", a.cfg.NodeName, code)
	}
	return l.Items
}

// settle lets several push/pull rounds pass, in which a second event would appear.
func settle() { time.Sleep(2 * time.Second) }

// TestConcurrentWritesInAPartitionRecordTheLostOne is the defect as reported: during a
// partition the same Deployment is changed on both sides; the change made later in wall
// time, answered "configured", loses to the other (whose side had counted its Lamport
// clock further). Once healed, the cluster holds one WriteConflict warning about it,
// recorded by the node that answered the lost change, and every node serves it.
func TestConcurrentWritesInAPartitionRecordTheLostOne(t *testing.T) {
	agents, lc := startPartitionable(t, 4)
	left, right := agents[:2], agents[2:]
	if r := applyResult(t, agents[0], deploymentYAML("web", 1, "")); r != "created" {
		t.Fatalf("first apply: %s", r)
	}
	applyResult(t, agents[0], deploymentYAML("same", 1, ""))
	waitDeployment(t, agents, "web", "every node serves web", func(*appsv1.Deployment) bool { return true })
	waitDeployment(t, agents, "same", "every node serves same", func(*appsv1.Deployment) bool { return true })

	lc.partition(left, right)
	waitAliveOn(t, agents, 2)

	outpace(t, left[1], right[1])
	if r := applyResult(t, left[1], deploymentYAML("web", 3, "")); r != "configured" {
		t.Fatalf("apply on the left: %s", r)
	}
	// The same change on both sides loses nothing, whichever wins.
	applyResult(t, left[0], deploymentYAML("same", 2, ""))
	applyResult(t, right[0], deploymentYAML("same", 2, ""))
	time.Sleep(10 * time.Millisecond) // the right's change is later on every clock
	lost := strings.Replace(deploymentYAML("web", 1, ""), "localhost/test:1", "localhost/test:2", 1)
	if r := applyResult(t, right[1], lost); r != "configured" {
		t.Fatalf("apply on the right: %s", r)
	}
	waitDeployment(t, right, "web", "the right side serves its change, and not the left's", func(d *appsv1.Deployment) bool {
		return image(d) == "localhost/test:2" && *d.Spec.Replicas == 1
	})
	waitDeployment(t, left, "web", "the left side serves its change, and not the right's", func(d *appsv1.Deployment) bool {
		return *d.Spec.Replicas == 3 && image(d) == "localhost/test:1"
	})

	lc.heal()
	waitAliveOn(t, agents, 4)
	waitDeployment(t, agents, "web", "every node holds the left's change", func(d *appsv1.Deployment) bool {
		return *d.Spec.Replicas == 3 && image(d) == "localhost/test:1"
	})
	for _, a := range agents {
		eventually(t, 20*time.Second, a.cfg.NodeName+" serves the WriteConflict", func() bool {
			return len(listEvents(t, a, url.Values{"namespace": {"default"}, "object": {"deployment/web"}})) > 0
		})
	}
	settle()
	won, _ := agents[0].Node().Get(store.ObjectKey(store.PrefixDeployment, "default", "web"))
	for _, a := range agents {
		all := listEvents(t, a, nil)
		if len(all) != 1 {
			t.Fatalf("%s serves %d events, want the one WriteConflict: %+v", a.cfg.NodeName, len(all), all)
		}
		ev := all[0]
		if a == agents[0] {
			t.Logf("the event: %s %s %s/%s: %s", ev.Type, ev.Reason, ev.InvolvedObject.Kind, ev.InvolvedObject.Name, ev.Message)
		}
		o := ev.InvolvedObject
		if ev.Reason != events.ReasonWriteConflict || ev.Type != corev1.EventTypeWarning || ev.Count != 1 ||
			o.Kind != "Deployment" || o.Namespace != "default" || o.Name != "web" || ev.Source.Host != right[1].cfg.NodeName {
			t.Errorf("%s: event %s %s x%d about %s %s/%s from %s", a.cfg.NodeName, ev.Type, ev.Reason, ev.Count, o.Kind, o.Namespace, o.Name, ev.Source.Host)
		}
		for _, want := range []string{
			"a concurrent change made through node " + left[1].cfg.NodeName,
			"replaced this change made through node " + right[1].cfg.NodeName + " (answered 'configured' at ",
			"the object now holds " + left[1].cfg.NodeName + "'s version (store version " + store.FormatVersion(won.Version) + ")",
			"spec.replicas", "spec.template.spec.containers[0].image",
		} {
			if !strings.Contains(ev.Message, want) {
				t.Errorf("%s: the message %q lacks %q", a.cfg.NodeName, ev.Message, want)
			}
		}
	}
}

// TestSequentialUpdatesRecordNothing: changes made one after another through different
// nodes, each seeing the last, lose nothing and record nothing.
func TestSequentialUpdatesRecordNothing(t *testing.T) {
	agents := startAgents(t, 3, nil)
	for i, a := range append(agents, agents[0]) {
		want := map[bool]string{true: "created", false: "configured"}[i == 0]
		if r := applyResult(t, a, deploymentYAML("web", i+1, "")); r != want {
			t.Fatalf("apply %d through %s: %s, want %s", i, a.cfg.NodeName, r, want)
		}
		waitDeployment(t, agents, "web", fmt.Sprintf("every node holds %d replicas", i+1), func(d *appsv1.Deployment) bool {
			return int(*d.Spec.Replicas) == i+1
		})
	}
	// Reapplying what is stored changes nothing, even with the resourceVersion a get shows.
	if r := applyResult(t, agents[1], deploymentYAML("web", 4, "")); r != "unchanged" {
		t.Errorf("reapplying the stored Deployment: %s", r)
	}
	d, _ := deployment(t, agents[2], "web")
	if last, _ := agents[2].Node().Get(store.ObjectKey(store.PrefixDeployment, "default", "web")); last.Version.Node != agents[0].cfg.NodeName {
		t.Errorf("the stored Deployment was last written by %s, want %s", last.Version.Node, agents[0].cfg.NodeName)
	}
	if strings.HasPrefix(d.ResourceVersion, "seen:") || d.ResourceVersion == "" {
		t.Errorf("a get shows resourceVersion %q, want the answering node's version, not the stored lineage", d.ResourceVersion)
	}
	withVersion := strings.Replace(deploymentYAML("web", 4, ""), "metadata: {name: web}", "metadata: {name: web, resourceVersion: \""+d.ResourceVersion+"\"}", 1)
	if r := applyResult(t, agents[2], withVersion); r != "unchanged" {
		t.Errorf("reapplying the Deployment as a get shows it: %s", r)
	}
	// A delete and a create again, each seeing the last.
	if code := call(t, agents[1], "DELETE", "/api/v1/manifests/default/web", "", nil, nil); code != http.StatusOK {
		t.Fatalf("delete: HTTP %d", code)
	}
	waitGone(t, agents, "web")
	if r := applyResult(t, agents[2], deploymentYAML("web", 1, "")); r != "created" {
		t.Fatalf("create again: %s", r)
	}
	waitDeployment(t, agents, "web", "every node holds web again", func(*appsv1.Deployment) bool { return true })
	settle()
	for _, a := range agents {
		if evs := listEvents(t, a, nil); len(evs) != 0 {
			t.Errorf("%s serves events after sequential updates: %+v", a.cfg.NodeName, evs)
		}
	}
}

// TestDeleteAgainstUpdateInAPartition: a delete and an update of the same object on the two
// sides of a partition. Whichever wins, the other was answered to its client and is lost,
// and the node that answered it records one WriteConflict: the update that a delete removed
// (the delete's record says it had not seen the update), or the delete that an update
// undid (the update's lineage does not hold the delete).
func TestDeleteAgainstUpdateInAPartition(t *testing.T) {
	agents, lc := startPartitionable(t, 4)
	left, right := agents[:2], agents[2:]
	deleter, updater := left[1], right[1]
	for _, name := range []string{"gone", "back"} {
		applyResult(t, agents[0], deploymentYAML(name, 1, ""))
		waitDeployment(t, agents, name, "every node serves "+name, func(*appsv1.Deployment) bool { return true })
	}
	lc.partition(left, right)
	waitAliveOn(t, agents, 2)

	// "gone": the update first, the delete on a side whose clock is further: the delete wins.
	if r := applyResult(t, updater, deploymentYAML("gone", 2, "")); r != "configured" {
		t.Fatalf("update gone: %s", r)
	}
	outpace(t, deleter, updater)
	for _, name := range []string{"gone", "back"} {
		if code := call(t, deleter, "DELETE", "/api/v1/manifests/default/"+name, "", nil, nil); code != http.StatusOK {
			t.Fatalf("delete %s: HTTP %d", name, code)
		}
	}
	// "back": the update on a side whose clock is further: the update wins.
	outpace(t, updater, deleter)
	if r := applyResult(t, updater, deploymentYAML("back", 2, "")); r != "configured" {
		t.Fatalf("update back: %s", r)
	}

	lc.heal()
	waitAliveOn(t, agents, 4)
	waitGone(t, agents, "gone")
	waitDeployment(t, agents, "back", "every node holds the update of back", func(d *appsv1.Deployment) bool {
		return *d.Spec.Replicas == 2
	})
	for _, a := range agents {
		eventually(t, 20*time.Second, a.cfg.NodeName+" serves both WriteConflicts", func() bool {
			return len(listEvents(t, a, nil)) >= 2
		})
	}
	settle()
	for _, a := range agents {
		for name, want := range map[string]struct{ host, text string }{
			"gone": {updater.cfg.NodeName, "a concurrent delete made through node " + deleter.cfg.NodeName},
			"back": {deleter.cfg.NodeName, "undid this delete made through node " + deleter.cfg.NodeName},
		} {
			evs := listEvents(t, a, url.Values{"object": {"deployment/" + name}})
			if len(evs) != 1 {
				t.Fatalf("%s serves %d events about %s, want one: %+v", a.cfg.NodeName, len(evs), name, evs)
			}
			ev := evs[0]
			if ev.Reason != events.ReasonWriteConflict || ev.Source.Host != want.host || !strings.Contains(ev.Message, want.text) {
				t.Errorf("%s: the event about %s: %s from %s: %q", a.cfg.NodeName, name, ev.Reason, ev.Source.Host, ev.Message)
			}
		}
		if all := listEvents(t, a, nil); len(all) != 2 {
			t.Errorf("%s serves %d events, want 2", a.cfg.NodeName, len(all))
		}
	}
}
