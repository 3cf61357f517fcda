package schedule

import (
	"context"

	"github.com/podman-swarm/podman-swarm/agent/store"
	"github.com/podman-swarm/podman-swarm/cluster"
)

// deletedObject is an object a plan deletes, as the store held it before.
type deletedObject struct {
	key  string
	seen store.Lineage
}

// objectsDeleted are the objects changes delete (claims no pod uses any more, the Jobs the
// Job and CronJob controllers end, the content of a namespace being deleted), with what
// this node had seen of each.
func (a *Loop) objectsDeleted(changes []change) []deletedObject {
	var out []deletedObject
	for _, c := range changes {
		if c.delete && store.IsObjectKey(c.key) {
			if e, ok := a.live(c.key); ok && !e.Deleted {
				out = append(out, deletedObject{key: c.key, seen: store.SeenIn(e)})
			}
		}
	}
	return out
}

// recordDeletions writes, beside the tombstone of each object the plan deleted (at version
// v), what the leader had seen of it, as the API does for the objects it deletes: without
// it, a node whose write the delete replaced could not tell whether the leader had seen
// that write.
func (a *Loop) recordDeletions(ctx context.Context, v cluster.Version, deleted []deletedObject) {
	if len(deleted) == 0 {
		return
	}
	writes := make([]cluster.Change, len(deleted))
	for i, d := range deleted {
		writes[i] = cluster.Change{Key: store.DeletionKey(d.key), Value: store.MustJSON(store.Deletion{Tombstone: v, Seen: d.seen})}
	}
	if _, err := a.node.Write(ctx, writes, cluster.AckOne); err != nil {
		a.log.Warn("record what the deletes of objects had seen", "objects", len(deleted), "err", err)
	}
}
