package agent

import (
	"context"

	"github.com/podman-swarm/podman-swarm/agent/view"
	"github.com/podman-swarm/podman-swarm/cluster"
)

// viewedNode is the node as the API uses it: each write made through it is in the view
// when it returns, so that a client reads what it wrote from the node it wrote to. The
// view would learn of it a moment later all the same; it reads the keys again either way,
// so a write that failed costs a read and nothing more.
type viewedNode struct {
	*cluster.Node
	view *view.View
}

func (n viewedNode) Put(key string, value []byte) (cluster.Version, error) {
	defer n.view.Refresh(key)
	return n.Node.Put(key, value)
}

func (n viewedNode) Delete(key string) (cluster.Version, error) {
	defer n.view.Refresh(key)
	return n.Node.Delete(key)
}

func (n viewedNode) Write(ctx context.Context, changes []cluster.Change, ack cluster.Ack) (cluster.Version, error) {
	defer func() {
		keys := make([]string, len(changes))
		for i, c := range changes {
			keys[i] = c.Key
		}
		n.view.Refresh(keys...)
	}()
	return n.Node.Write(ctx, changes, ack)
}
