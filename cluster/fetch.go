package cluster

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

// Fetch repairs what the direct sends and gossip missed, within a probe interval or two
// rather than at the next push/pull (30 s and more, longer still in large clusters).
// Every probe answer carries the answering node's digest (digest.go). A prober whose
// store differs from the peer's, holds no more entries than it, has not changed for
// fetchSettle and has no stream arriving (so that a write still on its way is not
// fetched a second time), or has differed from its peers' for fetchOverdue, sends its
// bucket hashes to that peer over TCP; the peer answers with its entries in the buckets
// that differ, in chunks of at most fetchChunkBytes, each its own sealed stream as every
// message is. The entries merge as any others (newest version wins, tombstones and ages
// kept), through the write-ahead log. A fetch that fails, or a peer that stops answering
// midway, is tried again from another member whose digest differs.
//
// A bucket holds some 1/256th of the store, so a node that lacks a few hundred entries
// spread over the store differs in nearly every bucket, and a fetch of whole buckets
// brings it the whole store: a node behind on a burst of thousands of writes, fetching
// from peers themselves still behind, received the same state a dozen times over. So a
// fetch from a member that says it can (nodeMeta.ExactFetches) also lists the hashes of
// every entry the asker holds, 8 bytes each, and the answer leaves those out: what
// arrives is what the asker lacks or holds at another version, nothing more.
const (
	fetchChunkBytes = 512 << 10
	fetchSettle     = time.Second
	fetchOverdue    = 10 * time.Second
	fetchTries      = 3
	// fetchMaxChunks bounds the chunks of one answer: the whole store, at most
	// maxStoreBytes, fits with room to spare.
	fetchMaxChunks = 2*maxStoreBytes/fetchChunkBytes + 1
	// fetchMaxHeld bounds the hashes an exact fetch lists (1 MiB of them); a store with
	// more entries asks for whole buckets.
	fetchMaxHeld = 1 << 17
)

// fetcher remembers the digests peers last reported, and runs one fetch at a time.
type fetcher struct {
	mu      sync.Mutex
	running bool
	peers   map[string]peerDigest
	// differSince is when a peer's digest first differed from this node's since one
	// last matched it or this node last fetched; zero: none differs.
	differSince time.Time
}

// overdue notes whether a peer's digest differs from this node's at now, and reports
// whether one has differed for fetchOverdue.
func (f *fetcher) overdue(differs bool, now time.Time) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	switch {
	case !differs:
		f.differSince = time.Time{}
	case f.differSince.IsZero():
		f.differSince = now
	}
	return differs && now.Sub(f.differSince) >= fetchOverdue
}

// fetched restarts the count towards an overdue fetch.
func (f *fetcher) fetched() {
	f.mu.Lock()
	f.differSince = time.Time{}
	f.mu.Unlock()
}

// noticeDigest takes the digest of a peer's probe answer, and starts a fetch from it when
// it holds what this node may lack. It runs on memberlist's probe path: the work is
// done in a goroutine.
func (n *Node) noticeDigest(peer string, d peerDigest) {
	f := &n.fetches
	f.mu.Lock()
	if f.peers == nil {
		f.peers = make(map[string]peerDigest)
	}
	f.peers[peer] = d
	start := !f.running
	if start {
		f.running = true
	}
	f.mu.Unlock()
	if !start {
		return
	}
	go func() {
		defer func() {
			f.mu.Lock()
			f.running = false
			f.mu.Unlock()
		}()
		mine := n.storeDigest()
		overdue := f.overdue(d.root != mine.root, n.now())
		receiving := n.inbound.receiving() || n.awaited.waiting(n.now())
		if !fetchWanted(d, mine, n.storeQuietFor(fetchSettle), receiving, overdue) {
			return
		}
		n.fetch(peer)
		f.fetched()
	}()
}

// fetchWanted decides whether a peer's digest is worth a fetch: it differs from this
// node's, the peer holds at least as many entries (a peer that holds fewer is the one
// behind, and will fetch from this node), and either this node's store has been quiet
// for fetchSettle and no member is sending it a stream, which may be the very write the
// digest shows (a direct send of thousands of entries takes seconds to arrive on a busy
// machine, and fetching it meanwhile moves it twice and slows every node down), or a
// digest has differed for fetchOverdue (overdue), so that a node whose store never
// rests still converges.
func fetchWanted(peer peerDigest, mine storeDigest, quiet, receiving, overdue bool) bool {
	return peer.root != mine.root && peer.count >= mine.count && (overdue || quiet && !receiving)
}

// fetch asks first, then other members whose digest differs from this node's, until one
// answers whole.
func (n *Node) fetch(first string) {
	tried := map[string]bool{}
	peer := first
	for range fetchTries {
		tried[peer] = true
		got, err := n.fetchFrom(context.Background(), peer, false)
		if err == nil {
			if got > 0 {
				n.log.Debug("fetched what this node lacked", "from", peer, "entries", got)
			}
			return
		}
		if errors.Is(err, ErrClosed) {
			return
		}
		n.log.Warn("fetch from a member failed; trying another", "member", peer, "err", err)
		if peer = n.otherDiffering(tried); peer == "" {
			return
		}
	}
}

// otherDiffering picks an alive member, not yet tried, whose last digest differs from
// this node's.
func (n *Node) otherDiffering(tried map[string]bool) string {
	mine := n.storeDigest()
	n.fetches.mu.Lock()
	defer n.fetches.mu.Unlock()
	for name, d := range n.fetches.peers {
		if !tried[name] && d.root != mine.root && n.members.protocolOf(name) != 0 {
			return name
		}
	}
	return ""
}

// fetchFrom asks peer for the buckets where it differs and stores its answer as it comes,
// returning how many entries arrived. With wait, it returns only once every entry that
// arrived is merged into the store (on disk and in memory), or with the error that kept
// one out; without, the merge goes on behind it.
func (n *Node) fetchFrom(ctx context.Context, peer string, wait bool) (int, error) {
	member, ok := n.memberNode(peer)
	if !ok || n.members.protocolOf(peer) == 0 {
		return 0, fmt.Errorf("fetch from %s: not an alive member", peer)
	}
	mine := n.storeDigest()
	id, chunks := n.fetchWait.open(fetchMaxChunks)
	defer n.fetchWait.close(id)
	req := fetchRequest{ID: id, From: n.cfg.NodeName, Buckets: mine.buckets}
	if n.members.answersExactFetch(peer) {
		req.Held = n.heldHashes()
	}
	if err := n.ml.Load().SendReliable(member, encodeFetchRequest(req)); err != nil {
		return 0, fmt.Errorf("ask %s: %w", peer, err)
	}
	got := 0
	timer := time.NewTimer(n.cfg.StreamTimeout)
	defer timer.Stop()
	for {
		select {
		case c := <-chunks:
			if len(c.Entries) > 0 {
				got += len(c.Entries)
				if err := n.storeRemote(c.Entries, spreadNone, wait); err != nil && wait {
					return got, fmt.Errorf("store what %s sent: %w", peer, err)
				}
				n.noticeRemovals(c.Entries)
			}
			if c.Last {
				return got, nil
			}
			timer.Reset(n.cfg.StreamTimeout)
		case <-timer.C:
			return got, fmt.Errorf("fetch from %s: no answer within %s after %d entries", peer, n.cfg.StreamTimeout, got)
		case <-n.stop:
			return got, ErrClosed
		case <-ctx.Done():
			return got, fmt.Errorf("fetch from %s: %w", peer, ctx.Err())
		}
	}
}

// answerFetch sends a member this node's entries in the buckets where their digests
// differ, in bounded chunks. It runs in its own goroutine.
func (n *Node) answerFetch(r fetchRequest) {
	member, ok := n.memberNode(r.From)
	if !ok {
		return
	}
	mine := n.storeDigest()
	n.mu.RLock()
	entries := fetchAnswer(n.entries, &mine.buckets, r)
	n.mu.RUnlock()
	ml := n.ml.Load()
	for _, c := range fetchChunks(r.ID, n.cfg.NodeName, entries) {
		if err := ml.SendReliable(member, encodeFetchChunk(c, n.now())); err != nil {
			n.log.Warn("answer a fetch", "to", r.From, "err", err)
			return
		}
	}
}

// fetchAnswer picks what answers r: the entries in the buckets where r's digest differs
// from mine, less those whose hash r lists as held by the asker. A digest taken a moment
// before r's hashes, as the asker takes them, is no harm: entries only grow newer, so a
// bucket that matched then lacks nothing, and what arrived since is what the hashes list.
func fetchAnswer(entries map[string]Entry, mine *buckets, r fetchRequest) []Entry {
	var differ [digestBuckets]bool
	for i := range mine {
		differ[i] = mine[i] != r.Buckets[i]
	}
	var held map[uint64]struct{}
	if len(r.Held) > 0 {
		held = make(map[uint64]struct{}, len(r.Held))
		for _, h := range r.Held {
			held[h] = struct{}{}
		}
	}
	var out []Entry
	for k, e := range entries {
		if !differ[bucketOf(k)] {
			continue
		}
		if held != nil {
			h, _ := entryHash(e)
			if _, ok := held[h]; ok {
				continue
			}
		}
		out = append(out, e)
	}
	return out
}

// heldHashes are the hashes of the entries this node holds, for an exact fetch; nil
// when there are more than fetchMaxHeld.
func (n *Node) heldHashes() []uint64 {
	n.mu.RLock()
	defer n.mu.RUnlock()
	if len(n.entries) > fetchMaxHeld {
		return nil
	}
	out := make([]uint64, 0, len(n.entries))
	for _, e := range n.entries {
		h, _ := entryHash(e)
		out = append(out, h)
	}
	return out
}

// fetchChunks cuts entries into chunks of at most fetchChunkBytes (a larger entry goes
// alone), the last one marked.
func fetchChunks(id uint64, from string, entries []Entry) []fetchChunk {
	var out []fetchChunk
	cur := fetchChunk{ID: id, From: from}
	size := 0
	for _, e := range entries {
		if s := entrySize(e); size+s > fetchChunkBytes && len(cur.Entries) > 0 {
			out = append(out, cur)
			cur = fetchChunk{ID: id, From: from}
			size = 0
		}
		cur.Entries = append(cur.Entries, e)
		size += entrySize(e)
	}
	cur.Last = true
	return append(out, cur)
}
