package apiserver

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"

	"github.com/podman-swarm/podman-swarm/agent/store"
	"github.com/podman-swarm/podman-swarm/cluster"
)

// lineageCluster is the store as the API writes objects: each object it writes keeps in
// its value what this node had seen of that object (store.Lineage), and each object it
// deletes leaves a store.Deletion beside its tombstone. That is how a node whose write was
// replaced by a concurrent one can tell, since the store orders writes but cannot say
// whether one writer saw the other's. Reading an object gives its value without the
// lineage, as the API encodes objects, so that an apply compares like with like.
//
// The handlers read and write through it as through the store: a write that races with
// another between its read and its write is one that did not see the other, and is judged
// so.
type lineageCluster struct {
	Cluster
	log *slog.Logger
}

func (c lineageCluster) Get(key string) (cluster.Entry, bool) {
	e, ok := c.Cluster.Get(key)
	if !ok || e.Deleted || !store.IsObjectKey(key) {
		return e, ok
	}
	if v, err := store.WithResourceVersion(key, e.Value, ""); err == nil {
		e.Value = v
	}
	return e, true
}

func (c lineageCluster) Put(key string, value []byte) (cluster.Version, error) {
	if !store.IsObjectKey(key) {
		return c.Cluster.Put(key, value)
	}
	stamped, err := store.WithResourceVersion(key, value, c.seen(key).String())
	if err != nil {
		return cluster.Version{}, fmt.Errorf("put %s: %w", key, err)
	}
	return c.Cluster.Put(key, stamped)
}

func (c lineageCluster) Delete(key string) (cluster.Version, error) {
	if !store.IsObjectKey(key) {
		return c.Cluster.Delete(key)
	}
	cur, live := c.Cluster.Get(key)
	v, err := c.Cluster.Delete(key)
	if err != nil || !live {
		return v, err
	}
	// Without the record, a node whose write this delete replaces could not tell whether
	// the delete had seen it; the delete itself has been made either way.
	d := store.Deletion{Tombstone: v, Seen: store.SeenIn(cur)}
	if _, err := c.Cluster.Put(store.DeletionKey(key), store.MustJSON(d)); err != nil {
		c.log.Warn("record what a delete had seen", "key", key, "err", err)
	}
	return v, nil
}

// Write is the store's atomic write, each object it puts stamped with what this node had
// seen of it and each object it deletes followed by its deletion record, as Put and Delete
// do one at a time.
func (c lineageCluster) Write(ctx context.Context, changes []cluster.Change, ack cluster.Ack) (cluster.Version, error) {
	stamped := make([]cluster.Change, len(changes))
	var deleted []deletedObject
	for i, ch := range changes {
		stamped[i] = ch
		if !store.IsObjectKey(ch.Key) {
			continue
		}
		if ch.Delete {
			if cur, live := c.Cluster.Get(ch.Key); live {
				deleted = append(deleted, deletedObject{key: ch.Key, seen: store.SeenIn(cur)})
			}
			continue
		}
		v, err := store.WithResourceVersion(ch.Key, ch.Value, c.seen(ch.Key).String())
		if err != nil {
			return cluster.Version{}, fmt.Errorf("put %s: %w", ch.Key, err)
		}
		stamped[i].Value = v
	}
	v, err := c.Cluster.Write(ctx, stamped, ack)
	if err != nil && !errors.Is(err, cluster.ErrNotConfirmed) {
		return v, err
	}
	// The deletes are made (confirmed or not): their records follow, as Delete's do.
	for _, d := range deleted {
		rec := store.Deletion{Tombstone: v, Seen: d.seen}
		if _, perr := c.Cluster.Put(store.DeletionKey(d.key), store.MustJSON(rec)); perr != nil {
			c.log.Warn("record what a delete had seen", "key", d.key, "err", perr)
		}
	}
	return v, err
}

// deletedObject is an object a Write deletes and what this node had seen of it.
type deletedObject struct {
	key  string
	seen store.Lineage
}

// seen is what this node has seen of the object under key: its value and that value's
// lineage; for a deleted object, the delete and, when its record is here, what its deleter
// had seen; for a new one, nothing.
func (c lineageCluster) seen(key string) store.Lineage {
	e, ok := c.Cluster.Lookup(key)
	switch {
	case !ok:
		return store.Lineage{}
	case !e.Deleted:
		return store.SeenIn(e)
	}
	saw := store.Lineage{}
	if r, ok := c.Cluster.Get(store.DeletionKey(key)); ok {
		var d store.Deletion
		if json.Unmarshal(r.Value, &d) == nil && d.Tombstone == e.Version {
			saw = d.Seen
		}
	}
	return saw.With(e.Version)
}
