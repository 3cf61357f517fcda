package apiserver

import (
	"encoding/json"
	"log/slog"
	"strings"
	"testing"

	"github.com/podman-swarm/podman-swarm/agent/store"
	"github.com/podman-swarm/podman-swarm/cluster"
	"github.com/podman-swarm/podman-swarm/manifest"
)

// memCluster is a store in memory with Lamport-like versions of one node, enough for the
// lineage the API writes.
type memCluster struct {
	Cluster // the rest of the interface, unused here
	node    string
	time    uint64
	entries map[string]cluster.Entry
}

func (m *memCluster) Get(key string) (cluster.Entry, bool) {
	e, ok := m.entries[key]
	if !ok || e.Deleted {
		return cluster.Entry{}, false
	}
	return e, true
}

func (m *memCluster) Lookup(key string) (cluster.Entry, bool) {
	e, ok := m.entries[key]
	return e, ok
}

func (m *memCluster) write(e cluster.Entry) cluster.Version {
	m.time++
	e.Version = cluster.Version{Time: m.time, Node: m.node}
	m.entries[e.Key] = e
	return e.Version
}

func (m *memCluster) Put(key string, value []byte) (cluster.Version, error) {
	return m.write(cluster.Entry{Key: key, Value: value}), nil
}

func (m *memCluster) Delete(key string) (cluster.Version, error) {
	return m.write(cluster.Entry{Key: key, Deleted: true}), nil
}

const webKey = "deployment/default/web"

// webValue is a Deployment as the API stores it.
func webValue(t *testing.T, image string) []byte {
	t.Helper()
	set, err := manifest.Parse(manifest.Input{Name: "web.yaml", Data: []byte(`apiVersion: apps/v1
kind: Deployment
metadata: {name: web, resourceVersion: "7.n9"}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: main, image: ` + image + `}]}
`)})
	if err != nil {
		t.Fatal(err)
	}
	return encodeObject(set.Objects[0])
}

func lineageAt(t *testing.T, m *memCluster, key string) store.Lineage {
	t.Helper()
	l, ok := store.LineageOf(m.entries[key].Value)
	if !ok {
		t.Fatalf("%s carries no lineage: %s", key, m.entries[key].Value)
	}
	return l
}

// TestLineageClusterRecordsWhatEachWriteSaw: a create has seen nothing, an update the value
// it replaced and that value's past, a delete leaves what it had seen, and a create after
// a delete has seen the delete, with or without its record.
func TestLineageClusterRecordsWhatEachWriteSaw(t *testing.T) {
	m := &memCluster{node: "n1", entries: map[string]cluster.Entry{}}
	c := lineageCluster{Cluster: m, log: slog.New(slog.DiscardHandler)}

	v1, _ := c.Put(webKey, webValue(t, "a"))
	if l := lineageAt(t, m, webKey); len(l) != 0 {
		t.Errorf("a create saw %v", l)
	}
	got, ok := c.Get(webKey)
	if !ok || string(got.Value) != string(webValue(t, "a")) || strings.Contains(string(got.Value), "resourceVersion") {
		t.Errorf("Get gives %s, want the value as the API encodes it", got.Value)
	}
	m.node = "n2"
	v2, _ := c.Put(webKey, webValue(t, "b"))
	if l := lineageAt(t, m, webKey); !l.Covers(v1) || l.Covers(v2) {
		t.Errorf("an update saw %v, want %v", l, v1)
	}

	m.node = "n3"
	tomb, _ := c.Delete(webKey)
	var d store.Deletion
	if err := json.Unmarshal(m.entries[store.DeletionKey(webKey)].Value, &d); err != nil {
		t.Fatalf("no deletion record: %v", err)
	}
	if d.Tombstone != tomb || !d.Seen.Covers(v1) || !d.Seen.Covers(v2) {
		t.Errorf("the deletion record %+v, want the delete %v having seen %v and %v", d, tomb, v1, v2)
	}
	m.node = "n4"
	c.Put(webKey, webValue(t, "c"))
	if l := lineageAt(t, m, webKey); !l.Covers(v1) || !l.Covers(v2) || !l.Covers(tomb) {
		t.Errorf("a create after a delete with its record saw %v, want %v, %v and %v", l, v1, v2, tomb)
	}

	// The delete's record has not come yet: the create has still seen the delete.
	tomb2, _ := c.Delete(webKey)
	delete(m.entries, store.DeletionKey(webKey))
	c.Put(webKey, webValue(t, "d"))
	if l := lineageAt(t, m, webKey); !l.Covers(tomb2) {
		t.Errorf("a create after a delete without its record saw %v, want %v", l, tomb2)
	}

	// Keys that hold no object pass through untouched.
	c.Put("dns/whitelist", []byte(`{"enabled":true}`))
	if string(m.entries["dns/whitelist"].Value) != `{"enabled":true}` {
		t.Errorf("the whitelist was changed: %s", m.entries["dns/whitelist"].Value)
	}
}
