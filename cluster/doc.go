// Package cluster is a node's membership and the desired state that every
// node replicates. It knows nothing about what the values mean.
//
// Membership is hashicorp/memberlist. All gossip, UDP and TCP, is sealed
// with AES-256-GCM under a key derived (HKDF-SHA256) from the join token,
// and anything not sealed with a key of ours is dropped, so the token is the
// one secret a node needs and a node without it learns nothing.
// RotateJoinToken replaces it on every member in three confirmed rounds.
//
// The store maps keys to byte values. Each write carries a Version: the
// Lamport time of the write, witnessed on every message received, and the
// writer's name as tie-break. One merge (the newer entry wins, an equal
// version resolves by content) serves live gossip, direct TCP sends of large
// values and push/pull anti-entropy, so that every order of delivery ends in
// the same state. Deletes are tombstones, collected after
// Config.TombstoneTTL.
//
// A write returns only once it is on this node's disk. It is appended to a
// write-ahead log and flushed (fsync) before it is applied in memory or
// sent anywhere, so that the store in memory never holds what the disk does
// not. One goroutine owns the log: each turn it takes every write that
// arrived meanwhile, appends them as one checksummed frame and flushes once
// (group commit), so concurrent writers share a flush. A write whose frame
// cannot be written (disk full, I/O error) fails with ErrNotPersisted and
// changes nothing; the frame is cut off the log again (a node that dies
// between a failed flush and that cut may read the frame back at its next
// start: the one way a failed write can reappear), and StoreError reports
// the failure until a write succeeds again. Entries from peers go through the
// same log before they are merged; nobody waits for them, except a peer
// asked to confirm a write, which answers once the frame is flushed.
//
// Write stores several keys as one frame, merges them under one lock and
// sends them to every member in one message, so that no node ever holds part
// of it. By default it also waits until another alive member confirms that
// the write is on its disk (Ack): the writer sends the write straight to
// every alive member over TCP and each answers once it has flushed it.
// Writes bound for a member while a message to it is on its way go together
// in the next one, and one answer confirms them all, so that concurrent
// writers share connections as they share flushes. A write no member
// confirms within Config.AckTimeout is still stored here and spreads as
// usual; the error (ErrNotConfirmed) says which members did not confirm, and
// why. A write with AckLocal, and every Put and Delete, goes by gossip as
// before (several keys together: by the same messages, unconfirmed).
//
// The log is folded into the store file (written whole, then the log is
// emptied) once it outgrows the store file or 4 MiB, and at Shutdown. A
// restart reads the store file, then every whole frame of the log: a frame
// cut short or failing its checksum was being written when the node died,
// was never acknowledged, and is cut off. The merge is idempotent, so frames
// that a crash between the two steps of folding left behind change nothing.
//
// Under Config.StateDir, all but the log replaced whole by an atomic rename:
//
//	keyring.json  join tokens, the one in use first (mode 0600)
//	store         entries, tombstones and the clock, with a checksum
//	wal           the writes since the store file was written, in frames
//	peers.json    gossip addresses of the last known members
//
// A restarted node, or a whole cluster restarted at once, loads its store
// and finds its peers again from these files.
//
// The leader is the alive member that started first; every node computes it
// from its own view of the membership.
package cluster
