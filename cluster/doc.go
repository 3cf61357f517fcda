// Package cluster is a node's membership and the desired state that every
// node replicates. It knows nothing about what the values mean.
//
// Membership is hashicorp/memberlist. All gossip, UDP and TCP, is sealed
// with AES-256-GCM under a key derived (HKDF-SHA256) from the join token,
// and anything not sealed with a key of ours is dropped, so the token is the
// one secret a node needs and a node without it learns nothing.
// RotateJoinToken replaces it on every member in three confirmed rounds.
//
// RemoveMember evicts a member for good: it writes a removal record under
// cluster/removed/<name>, then rotates the join token on every alive member
// but that one, which keeps a key nobody uses any more. The record
// replicates like any entry, so every node, one that was down included,
// refuses the name (memberlist's alive and merge hooks) and reports the
// member as left at once. A removed machine cannot come back with its old
// key, which no member holds, nor under its old name with a new token: it
// joins again only under another name with a fresh state folder, or after
// ForgetRemoval deletes the record. Keys under ReservedPrefix ("cluster/")
// belong to this package; callers must not write them.
//
// The store maps keys to byte values. Each write carries a Version: the
// Lamport time of the write, witnessed on every message received, and the
// writer's name as tie-break. One merge (the newer entry wins, an equal
// version resolves by content) serves live gossip, direct TCP sends of large
// values and push/pull anti-entropy, so that every order of delivery ends in
// the same state. Deletes are tombstones, collected after
// Config.TombstoneTTL.
//
// Under Config.StateDir, each replaced whole by an atomic rename:
//
//	keyring.json  join tokens, the one in use first (mode 0600)
//	store         entries, tombstones and the clock, with a checksum
//	peers.json    gossip addresses of the last known members
//
// A restarted node, or a whole cluster restarted at once, loads its store
// and finds its peers again from these files.
//
// The leader is the alive member that started first; every node computes it
// from its own view of the membership.
package cluster
