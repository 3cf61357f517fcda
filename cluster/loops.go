package cluster

import (
	"context"
	"errors"
	"time"

	"github.com/podman-swarm/podman-swarm/internal/debounce"
)

// markDirty wakes the persist loop.
func (n *Node) markDirty() {
	select {
	case n.dirty <- struct{}{}:
	default:
	}
}

// persistLoop writes changes to disk shortly after they happen, so that a
// burst of changes costs one write.
func (n *Node) persistLoop() {
	defer n.wg.Done()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		select {
		case <-n.stop:
			cancel()
		case <-ctx.Done():
		}
	}()
	for {
		select {
		case <-n.dirty:
		case <-ctx.Done():
			return
		}
		if !debounce.Settle(ctx, n.dirty, persistDelay) {
			return // Shutdown writes what is left
		}
		if err := n.persist(); err != nil {
			n.log.Error("save state", "err", err)
		}
	}
}

// persist writes the store file and the peers, each only if it changed.
// Every write to the store is on disk already, in the log; the store file is
// rewritten here only when something left the store without a write (old
// tombstones collected).
func (n *Node) persist() error {
	var errs []error
	if n.storeDirty.Swap(false) {
		if err := n.saveSnapshot(); err != nil {
			n.storeDirty.Store(true)
			errs = append(errs, err)
		}
	}
	if n.peersDirty.Swap(false) {
		// Only a view with company is worth remembering: a node restarted
		// alone must not forget the peers it is about to look for.
		if peers := n.members.addrsIn(n.cfg.NodeName, StateAlive, StateDead); len(peers) > 0 &&
			n.members.aliveCount() > 1 {
			if err := savePeers(n.cfg.StateDir, peers); err != nil {
				n.peersDirty.Store(true)
				errs = append(errs, err)
			}
		}
	}
	return errors.Join(errs...)
}

// reconnectLoop dials failed members, and the remembered peers while this
// node is alone. memberlist stops talking to a member it declared dead, so
// without this two sides of a healed partition, or the nodes of a cluster
// restarted at once, would never find each other again.
func (n *Node) reconnectLoop() {
	defer n.wg.Done()
	tick := time.NewTicker(n.cfg.ReconnectInterval)
	defer tick.Stop()
	for {
		select {
		case <-tick.C:
		case <-n.stop:
			return
		}
		n.members.forgetBefore(n.now().Add(-n.cfg.ReconnectTimeout))
		addrs := n.members.addrsIn(n.cfg.NodeName, StateDead)
		if n.members.aliveCount() <= 1 {
			addrs = append(addrs, n.seeds...)
		}
		addrs = n.joinable(dedupe(addrs))
		if len(addrs) == 0 {
			continue
		}
		if _, err := n.ml.Load().Join(addrs); err != nil {
			n.log.Debug("reconnect", "peers", addrs, "err", err)
		}
	}
}

// collectLoop forgets old tombstones.
func (n *Node) collectLoop() {
	defer n.wg.Done()
	every := min(max(n.cfg.TombstoneTTL/10, time.Second), 10*time.Minute)
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		select {
		case <-tick.C:
			n.collectTombstones(n.now())
		case <-n.stop:
			return
		}
	}
}
