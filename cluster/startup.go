package cluster

import (
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
)

// startState is what a starting node found in its state folder and what it
// concluded from it.
type startState struct {
	tokens    []string // join tokens to start with, the primary first
	fallback  string   // the configured token, tried if the cluster refuses the keyring
	wasMember bool     // a keyring was found
	founding  bool     // founds a new cluster
	peers     []string // remembered peers worth dialling
	clock     uint64
	entries   []Entry
	rank      uint64 // persisted rank, 0 if none
}

// loadStartState reads the state folder and decides how the node starts:
// it founds a cluster only when it has no keyring, joins no one and holds no
// store (or ForceNewCluster says so); it fetches the state afresh with
// Resync.
func loadStartState(cfg Config, log *slog.Logger) (startState, error) {
	var st startState
	persisted, wasMember, err := loadKeyring(cfg.StateDir)
	if err != nil {
		return st, err
	}
	st.wasMember = wasMember
	joining := len(cfg.Join) > 0
	st.founding = !wasMember && !joining && !cfg.Resync

	st.peers, err = loadPeers(cfg.StateDir)
	if err != nil {
		log.Warn("ignoring the remembered peers: the file cannot be read, and is only a cache that is written again once the node has company",
			"file", filepath.Join(cfg.StateDir, peersFile), "err", err)
		st.peers = nil
	}
	if cfg.ForceNewCluster {
		if wasMember {
			log.Warn("ForceNewCluster is ignored: this node has a keyring, so it rejoins its cluster")
		} else {
			// They are members of the cluster this node is leaving.
			st.peers = nil
		}
	}
	if cfg.Resync {
		noPeers := !joining && len(st.peers) == 0
		noToken := !wasMember && cfg.JoinToken == ""
		if noPeers || noToken {
			return st, &ResyncWithoutPeersError{NoPeers: noPeers, NoToken: noToken}
		}
	} else {
		if st.clock, st.entries, err = loadStore(cfg.StateDir); err != nil {
			return st, err
		}
	}
	if st.founding && !cfg.ForceNewCluster && len(st.entries) > 0 {
		return st, &StoreWithoutKeyringError{Store: filepath.Join(cfg.StateDir, storeFile), Entries: len(st.entries)}
	}

	st.tokens, st.fallback, err = startTokens(persisted, cfg.JoinToken, joining || cfg.Resync, newToken)
	if err != nil {
		return st, err
	}
	if wasMember {
		if st.rank, err = loadRank(cfg.StateDir); err != nil {
			log.Warn("ignoring the persisted rank: the node takes a new one", "err", err)
		}
	}
	return st, nil
}

// settleRank gives the node its rank once it has joined: a founder keeps the
// one it took, a node that comes back keeps its own unless another member
// leads (keepsRank), and any other takes one after every member it sees.
func (n *Node) settleRank(founding bool) error {
	rank := n.rank.Load()
	if !founding && !keepsRank(rank, n.members.list(), n.cfg.NodeName) {
		rank = joinRank(n.clock.Time(), n.members.list())
		n.clock.Witness(rank)
		n.rank.Store(rank)
		n.refreshMeta()
		n.updateNode()
		n.log.Info("took a rank in the order of succession", "rank", rank)
	}
	return saveRank(n.cfg.StateDir, rank)
}

// setStoreAside renames the store file that a resync replaces, adding the
// time to its name, and has the fetched state written in its place.
func (n *Node) setStoreAside() error {
	path := filepath.Join(n.cfg.StateDir, storeFile)
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		n.storeDirty.Store(true)
		n.markDirty()
		return nil
	}
	base := path + "." + n.now().UTC().Format("20060102T150405Z")
	aside := base
	for i := 1; ; i++ {
		if _, err := os.Lstat(aside); errors.Is(err, fs.ErrNotExist) {
			break
		}
		aside = base + "." + strconv.Itoa(i)
	}
	if err := os.Rename(path, aside); err != nil {
		return fmt.Errorf("set the old store aside: %w", err)
	}
	n.log.Warn("resync: the old store file was set aside and the state fetched from the other members",
		"old_store", aside, "entries", len(n.List("")))
	n.storeDirty.Store(true)
	n.markDirty()
	return nil
}
