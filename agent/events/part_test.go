package events

import (
	"slices"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/podman-swarm/podman-swarm/agent/store"
)

func TestRecorderCountsRepeatsAndRecordsOnceWhenAsked(t *testing.T) {
	n := startNodes(t, 1, nil)[0]
	web := Object("Deployment", "default", "web")
	n.rec.Event(web, corev1.EventTypeNormal, "Scheduled", "placed on n0")
	n.clock.advance(time.Minute)
	n.rec.Event(web, corev1.EventTypeNormal, "Scheduled", "placed on n0")
	n.rec.Eventf(web, corev1.EventTypeNormal, "Scheduled", "placed on %s", "n1")

	evs := Read(n, Filter{}, testLogger())
	if len(evs) != 2 {
		t.Fatalf("%d events, want 2: %+v", len(evs), evs)
	}
	first := evs[0]
	if first.Message != "placed on n0" || first.Count != 2 || !first.LastTimestamp.After(first.FirstTimestamp.Time) {
		t.Errorf("the repeated event: %q count %d, first %s last %s", first.Message, first.Count, first.FirstTimestamp, first.LastTimestamp)
	}
	if first.InvolvedObject.APIVersion != "apps/v1" || first.Source.Host != "n0" || first.Source.Component != Component ||
		first.Type != corev1.EventTypeNormal || first.Namespace != "default" || !strings.HasPrefix(first.Name, "web.") {
		t.Errorf("the event is not shaped as a v1 Event of this node: %+v", first)
	}
	if _, ok := n.Get(store.EventKey("default", first.Name)); !ok {
		t.Errorf("the event is not under %s", store.EventKey("default", first.Name))
	}
	if n.rec.recordOnce(web, corev1.EventTypeNormal, "Scheduled", "placed on n1") {
		t.Error("recordOnce wrote an event that was already there")
	}
	if evs := Read(n, Filter{}, testLogger()); evs[1].Count != 1 {
		t.Errorf("recordOnce counted an event again: %+v", evs[1])
	}
}

// TestRetentionBoundsTheStore: the part deletes the events beyond the bound of an object
// right after a record, and those older than MaxAge.
func TestRetentionBoundsTheStore(t *testing.T) {
	n := startNodes(t, 1, func(c *Config) {
		c.Retention = Retention{MaxPerObject: 3, MaxAge: time.Hour, Interval: 100 * time.Millisecond}
	})[0]
	web := Object("Deployment", "default", "web")
	for i := range 6 {
		n.clock.advance(time.Second)
		n.rec.Eventf(web, corev1.EventTypeWarning, "Test", "event %d", i)
	}
	n.rec.Event(Object("Service", "default", "web"), corev1.EventTypeNormal, "Test", "another object")
	waitFor(t, 5*time.Second, "the deployment keeps its three newest events", func() bool {
		evs := Read(n, Filter{Object: "deployment/web"}, testLogger())
		var msgs []string
		for _, ev := range evs {
			msgs = append(msgs, ev.Message)
		}
		return strings.Join(msgs, ",") == "event 3,event 4,event 5"
	})
	if evs := Read(n, Filter{Object: "service/web"}, testLogger()); len(evs) != 1 {
		t.Errorf("the service's event went too: %+v", evs)
	}

	n.clock.advance(2 * time.Hour)
	waitFor(t, 5*time.Second, "events older than an hour are deleted", func() bool {
		return len(n.List(store.PrefixEvent)) == 0
	})
}

// TestDeletionRecordsExpire: the record of what a delete had seen goes after
// DeletionMaxAge.
func TestDeletionRecordsExpire(t *testing.T) {
	n := startNodes(t, 1, func(c *Config) {
		c.Retention = Retention{DeletionMaxAge: time.Hour, Interval: 50 * time.Millisecond}
	})[0]
	key := store.DeletionKey("deployment/default/web")
	if _, err := n.Put(key, store.MustJSON(store.Deletion{})); err != nil {
		t.Fatal(err)
	}
	time.Sleep(200 * time.Millisecond)
	if _, ok := n.Get(key); !ok {
		t.Fatal("a fresh deletion record was deleted")
	}
	n.clock.advance(2 * time.Hour)
	waitFor(t, 5*time.Second, "the old deletion record is deleted", func() bool {
		_, ok := n.Get(key)
		return !ok
	})
}

// TestLostWriteOfAGoneNodeIsRecordedByTheOthers: the node that made a write is gone when a
// concurrent write replaces it; the nodes that saw it replaced record it after the
// fallback delay, once.
func TestLostWriteOfAGoneNodeIsRecordedByTheOthers(t *testing.T) {
	nodes := startNodes(t, 3, func(c *Config) { c.FallbackDelay = 300 * time.Millisecond })
	const key = "deployment/default/web"
	putObject(t, nodes[0].Node, key, value(t, 1, "nginx:1", nil), store.Lineage{})
	waitFor(t, 5*time.Second, "every node holds the object", func() bool {
		for _, n := range nodes {
			if _, ok := n.Get(key); !ok {
				return false
			}
		}
		return true
	})
	if err := nodes[0].Shutdown(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 10*time.Second, "n0 is declared dead", func() bool {
		return aliveCount(nodes[1].Node) == 2 && aliveCount(nodes[2].Node) == 2
	})
	// n1 writes without having seen n0's version: a create of its own.
	putObject(t, nodes[1].Node, key, value(t, 2, "nginx:2", nil), store.Lineage{})

	waitFor(t, 10*time.Second, "a WriteConflict is recorded on both nodes", func() bool {
		for _, n := range nodes[1:] {
			if len(Read(n, Filter{Object: "deployment/web"}, testLogger())) == 0 {
				return false
			}
		}
		return true
	})
	time.Sleep(500 * time.Millisecond) // both nodes' fallbacks have fired by now
	for _, n := range nodes[1:] {
		evs := Read(n, Filter{}, testLogger())
		if len(evs) != 1 {
			t.Fatalf("%s holds %d events, want one: %+v", n.Name(), len(evs), evs)
		}
		ev := evs[0]
		if ev.Reason != ReasonWriteConflict || ev.Type != corev1.EventTypeWarning ||
			!strings.Contains(ev.Message, "made through node n1") || !strings.Contains(ev.Message, "this change made through node n0") {
			t.Errorf("%s: event %s %s %q", n.Name(), ev.Type, ev.Reason, ev.Message)
		}
	}
}

func TestReadFilters(t *testing.T) {
	n := startNodes(t, 1, nil)[0]
	for _, o := range []struct{ kind, ns, name string }{
		{"Deployment", "default", "web"}, {"Service", "default", "web"}, {"Pod", "default", "web-1"}, {"Deployment", "shop", "web"},
	} {
		n.rec.Event(Object(o.kind, o.ns, o.name), corev1.EventTypeNormal, "Test", o.kind+" "+o.ns+"/"+o.name)
	}
	for _, c := range []struct {
		f    Filter
		want string
	}{
		{Filter{}, "Deployment default/web,Deployment shop/web,Pod default/web-1,Service default/web"},
		{Filter{Namespace: "default"}, "Deployment default/web,Pod default/web-1,Service default/web"},
		{Filter{Object: "web"}, "Deployment default/web,Deployment shop/web,Service default/web"},
		{Filter{Namespace: "default", Object: "web"}, "Deployment default/web,Service default/web"},
		{Filter{Namespace: "default", Object: "deployment/web"}, "Deployment default/web"},
		{Filter{Namespace: "default", Object: "deploy/web"}, "Deployment default/web"},
		{Filter{Namespace: "default", Object: "Deployment/web"}, "Deployment default/web"},
		{Filter{Namespace: "default", Object: "svc/web"}, "Service default/web"},
		{Filter{Object: "pods/web-1"}, "Pod default/web-1"},
		{Filter{Object: "node/web"}, ""},
	} {
		var got []string
		for _, ev := range Read(n, c.f, testLogger()) {
			got = append(got, ev.Message)
		}
		slices.Sort(got)
		if strings.Join(got, ",") != c.want {
			t.Errorf("%+v: %q, want %q", c.f, strings.Join(got, ","), c.want)
		}
	}
}
