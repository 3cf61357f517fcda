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
// Whatever those miss (a lost packet, a direct send that failed, a writer
// that died after reaching one member) is repaired within a probe interval
// or two rather than at the next push/pull: every probe answer carries a
// digest of the answering node's store, and a node whose store differs
// fetches the entries of the differing buckets from that member over TCP, in
// bounded chunks, trying another member when one fails midway (fetch.go). The
// request lists the hashes of the entries the asker holds, and the answer
// leaves those out, so that a node that lacks a few entries in every bucket
// is not sent the whole store. A member does not fetch while a large write
// announced to it by its writer (a UDP note, incoming.go) is on its way.
// CatchUp makes the same fetch from one member at once, for a caller that
// must hold what that member holds before it acts (the leader, after the
// membership changed), and returns once the entries are merged.
//
// Two writes of a key made without either writer seeing the other's (on the
// two sides of a partition, say) are ordered like any others, and the older
// one is replaced everywhere without a word. The store cannot tell such a
// write from a sequential update; Config.OnReplace hands every replacement,
// with the entry it replaced, to the caller, which can (the agent keeps in
// each value what its writer had seen).
//
// # Clocks
//
// No decision compares one node's wall clock with another's, since nothing
// keeps them in step and a node an hour or a day off must not lose writes or
// win elections:
//
//   - Writes are ordered by Lamport time alone. The writer's wall clock
//     (Entry.Modified) is carried for people to read; it only orders two
//     writes with the same version, which come from the same node.
//   - Each node keeps Entry.Received, when a version was written as measured
//     on its own clock: the write itself, or the arrival less the age the
//     sender reports. Messages carry that age, a duration, never a time, so
//     a wrong clock anywhere changes no one else's reckoning; queueing and
//     transit only make an entry look a little younger. Tombstones are
//     collected TombstoneTTL after it. Counting from the bare arrival would
//     let two nodes that collect at different moments hand a tombstone back
//     and forth for ever; with the age, all collect it at about the same
//     time, and one already past its retention is dropped on arrival unless
//     it still deletes an older value.
//   - Callers can time other things the same way: the agent counts an API
//     token's lifetime from Entry.Received.
//   - The leader is the alive member with the lowest rank (see Leader), and
//     a rank is taken from the Lamport clock, not from a start time.
//
// Probe answers carry the answering node's wall clock, and a node logs a
// warning naming any member more than 30 s off, since times shown to people
// then disagree. Config.Clock is the one place the wall clock is read.
//
// # Leader
//
// A node takes its rank once it has joined: past the Lamport clock the join
// brought and past every rank it sees, so that it comes after every member,
// the leader included, and keeps it in rank.json. Every node computes the
// leader from its own view of the membership: the alive member with the
// lowest rank, the name breaking ties (two nodes joining at the same moment
// may draw the same rank). A node that comes back keeps its rank unless
// another member announces, in its gossiped metadata, that it leads: then
// the role has moved while it was away and it takes a new rank behind
// everyone. So a quick restart of the leader keeps the role where it was,
// and neither a newcomer nor a returning node takes it from a leader that is
// alive.
//
// # Writes
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
// writers share connections as they share flushes. Messages of 256 KiB and
// more take turns, at most eight on their way at once: each takes three
// buffers of its size to send, and a plan of thousands of pods goes to every
// member. A write no member
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
// # Files
//
// Under Config.StateDir, all but the log replaced whole by an atomic rename:
//
//	keyring.json  join tokens, the one in use first (mode 0600)
//	store         entries with their receipt times, tombstones and the clock, with a checksum
//	wal           the writes since the store file was written, in frames
//	peers.json    gossip addresses of the last known members: a cache
//	rank.json     this node's rank
//
// A restarted node, or a whole cluster restarted at once, loads its store
// and finds its peers again from these files. A node with a store but no
// keyring does not found a new cluster, which would split it from its own
// while it kept acting on the old state: Start returns a
// *StoreWithoutKeyringError until the node joins a member (Join and
// JoinToken) or Config.ForceNewCluster says to found one with that store. A
// store file that cannot be read is a *DamagedStoreError: Config.Resync
// starts with an empty store, fetches the state from a member, and keeps the
// old file beside the new one under a name with the time. A peers file that
// cannot be read is ignored with a warning.
package cluster
