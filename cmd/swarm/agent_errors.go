package main

import (
	"errors"
	"fmt"

	"github.com/podman-swarm/podman-swarm/cluster"
)

// explainStartError restates the cluster's start-up errors that need the operator's
// decision in terms of the agent's flags; the cluster package names its Config fields.
func explainStartError(err error) error {
	var (
		noKeyring *cluster.StoreWithoutKeyringError
		damaged   *cluster.DamagedStoreError
		noPeers   *cluster.ResyncWithoutPeersError
	)
	switch {
	case errors.As(err, &noKeyring):
		return fmt.Errorf("%s holds %d entries but the keyring beside it is missing, so this node will not found a new cluster: "+
			"to rejoin its cluster, start it with --join HOST:PORT --join-token TOKEN of a member (swarm join-token on a member prints both); "+
			"to found a new cluster with this store, start it once with --force-new-cluster",
			noKeyring.Store, noKeyring.Entries)
	case errors.As(err, &damaged):
		return fmt.Errorf("the store %s is damaged (%v): start with --resync to set it aside and fetch the state from the other members, or restore the file from a backup",
			damaged.Path, damaged.Err)
	case errors.As(err, &noPeers):
		var fix string
		switch {
		case noPeers.NoPeers && noPeers.NoToken:
			fix = "give --join HOST:PORT of a member and --join-token TOKEN"
		case noPeers.NoPeers:
			fix = "give --join HOST:PORT of a member"
		default:
			fix = "this node has no keyring, so give --join-token TOKEN (swarm join-token on a member prints it)"
		}
		return fmt.Errorf("--resync fetches the state from the other members, but this node cannot reach them: %s", fix)
	case errors.Is(err, cluster.ErrRemoved):
		return fmt.Errorf("%w: to bring this machine back, start it with a fresh --state-dir under another --node-name, "+
			"or first run `swarm node forget NAME` on a member; either way with --join and the current --join-token (swarm join-token on a member prints both)", err)
	}
	return err
}
