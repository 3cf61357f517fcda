package cluster

import (
	"fmt"
	"path/filepath"
)

// The errors of Start that call for the operator's decision carry what the
// caller needs to say it in its own terms: a command names its flags, this
// package names the Config fields.

// StoreWithoutKeyringError is returned by Start when the state folder holds a
// store but no keyring and the node would found a new cluster: most likely
// the keyring was lost, and founding would split the node from its cluster
// while it kept acting on the old state.
type StoreWithoutKeyringError struct {
	Store   string // path of the store file
	Entries int    // entries in it, tombstones included
}

func (e *StoreWithoutKeyringError) Error() string {
	return fmt.Sprintf("%s holds %d entries but %s is missing: to rejoin the cluster set Join to a member's address and JoinToken to its token, or set ForceNewCluster to found a new cluster with this store",
		e.Store, e.Entries, filepath.Join(filepath.Dir(e.Store), keyringFile))
}

// DamagedStoreError is returned by Start when the store file cannot be read
// back: damaged on disk, or not a store file at all.
type DamagedStoreError struct {
	Path string // the store file
	Err  error  // what is wrong with it
}

func (e *DamagedStoreError) Error() string {
	return fmt.Sprintf("the store %s is damaged (%v): start with Resync to set it aside and fetch the state from the other members, or restore it from a backup",
		e.Path, e.Err)
}

func (e *DamagedStoreError) Unwrap() error { return e.Err }

// ResyncWithoutPeersError is returned by Start when Resync is set but the
// node has no member to fetch the state from, or nothing to be admitted with.
type ResyncWithoutPeersError struct {
	NoPeers bool // neither Join nor remembered peers
	NoToken bool // neither a keyring nor JoinToken
}

func (e *ResyncWithoutPeersError) Error() string {
	var fix string
	switch {
	case e.NoPeers && e.NoToken:
		fix = "set Join to the address of a member and JoinToken to the cluster's join token"
	case e.NoPeers:
		fix = "set Join to the address of a member"
	default:
		fix = "this node has no keyring, so set JoinToken to the cluster's join token"
	}
	return "Resync fetches the state from the other members, but this node cannot reach them: " + fix
}
