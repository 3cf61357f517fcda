package cluster

import (
	"errors"
	"fmt"
	"sync"
	"syscall"
)

// ErrNotPersisted is matched (errors.Is) by the error of a write that could
// not be written to this node's disk (disk full, I/O error). Such a write
// changed nothing: not the store in memory, and nothing was sent.
var ErrNotPersisted = errors.New("the store could not be written to disk")

// compactBytes is the size of the log beyond which its frames are folded
// into the store file (or beyond the store file's size, if that is larger,
// so that a large store is not rewritten for every few changes).
const compactBytes = 4 << 20

// commitReq is one write waiting for the log: a write of this node, or
// entries from a peer.
type commitReq struct {
	entries []Entry
	// spread is how far entries from a peer travel on once stored. A local
	// write is spread by its writer, after the commit.
	spread spreadMode
	// reserved is what a local write counts against maxStoreBytes until it
	// is applied, so that concurrent writes cannot pass the bound together.
	reserved int
	done     chan error // nil when nobody waits for the commit
}

// commitQueue holds the requests that arrived while the log was busy. Every
// request taken is answered; after close, push refuses.
type commitQueue struct {
	mu     sync.Mutex
	reqs   []*commitReq
	closed bool
	wake   chan struct{}
}

func newCommitQueue() *commitQueue {
	return &commitQueue{wake: make(chan struct{}, 1)}
}

func (q *commitQueue) push(r *commitReq) error {
	q.mu.Lock()
	if q.closed {
		q.mu.Unlock()
		return ErrClosed
	}
	q.reqs = append(q.reqs, r)
	q.mu.Unlock()
	select {
	case q.wake <- struct{}{}:
	default:
	}
	return nil
}

// take returns every waiting request.
func (q *commitQueue) take() []*commitReq {
	q.mu.Lock()
	defer q.mu.Unlock()
	reqs := q.reqs
	q.reqs = nil
	return reqs
}

// close refuses further requests and returns those still waiting.
func (q *commitQueue) close() []*commitReq {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.closed = true
	reqs := q.reqs
	q.reqs = nil
	return reqs
}

// diskHealth remembers the last failure to write the disk, until a write
// succeeds again.
type diskHealth struct {
	mu  sync.Mutex
	err error
}

func (h *diskHealth) set(err error) (changed bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	changed = (h.err == nil) != (err == nil)
	h.err = err
	return changed
}

func (h *diskHealth) get() error {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.err
}

// StoreError returns why this node could not write its store to disk, while
// that lasts: it is the error of the last write to the log, and nil again
// once a write succeeds, this node's or one that a peer sent.
func (n *Node) StoreError() error {
	return n.disk.get()
}

// notPersisted is the error a writer gets when its frame did not reach the
// disk: short, since it goes to API clients; the log has the path.
func notPersisted(err error) error {
	var errno syscall.Errno
	if errors.As(err, &errno) {
		return fmt.Errorf("%w: %w", ErrNotPersisted, errno)
	}
	return fmt.Errorf("%w: %w", ErrNotPersisted, err)
}

// commitLoop is the only writer of the log. Each turn it takes every request
// that arrived while it was writing, appends them as one frame, flushes it
// with one fsync (group commit), and only then applies them in memory and
// answers their writers. Requests that arrive during the fsync wait for the
// next turn, so that many concurrent writers share one flush.
func (n *Node) commitLoop() {
	defer n.wg.Done()
	for {
		select {
		case <-n.commits.wake:
			n.commitBatch(n.commits.take())
		case <-n.stop:
			n.commitBatch(n.commits.close())
			return
		}
		n.maybeCompact()
	}
}

// commitBatch writes the requests as one frame and applies them, or fails
// them all.
func (n *Node) commitBatch(batch []*commitReq) {
	if len(batch) == 0 {
		return
	}
	entries := batch[0].entries // a burst's one large write, not copied
	if len(batch) > 1 {
		entries = nil
		for _, r := range batch {
			entries = append(entries, r.entries...)
		}
	}
	n.frame = appendFrame(n.frame[:0], entries)
	err := n.wal.append(n.frame)
	if cap(n.frame) > 1<<20 {
		n.frame = nil // do not keep a large batch's buffer
	}
	if n.disk.set(err) {
		if err != nil {
			n.log.Error("the store cannot be written to disk: writes are refused until it can", "err", err)
		} else {
			n.log.Info("the store is written to disk again")
		}
	}
	if err != nil {
		err = notPersisted(err)
		for _, r := range batch {
			n.release(r)
			if r.done != nil {
				r.done <- err
			} else {
				n.log.Warn("entries from a peer not stored; the digests will show them missing and a fetch brings them again", "count", len(r.entries), "err", err)
			}
		}
		return
	}
	for _, r := range batch {
		n.mu.Lock()
		n.reserved -= r.reserved
		changed, replaced := n.mergeLocked(r.entries)
		n.mu.Unlock()
		if len(changed) > 0 {
			n.markDigestDirty()
		}
		n.notifyReplaced(replaced)
		// A removal record takes effect however it arrived (gossip, a direct send, a
		// fetch, a push/pull): on every path, once it is merged.
		n.noticeRemovals(changed)
		n.changed(changed, r.spread)
		if r.done != nil {
			r.done <- nil
		}
	}
}

func (n *Node) release(r *commitReq) {
	if r.reserved == 0 {
		return
	}
	n.mu.Lock()
	n.reserved -= r.reserved
	n.mu.Unlock()
}

// maybeCompact folds the log into the store file once it has grown past
// compactAt. It runs between commits, so every frame in the log has been
// applied in memory and the snapshot holds it.
func (n *Node) maybeCompact() {
	if n.wal.logged() < n.compactAt {
		return
	}
	size, err := n.compact()
	if err != nil {
		// The log still holds everything; try again when it has grown as much.
		n.compactAt = n.wal.logged() + compactBytes
		n.log.Error("fold the store log into the store file", "err", err)
		return
	}
	n.compactAt = max(compactBytes, int64(size))
}

// compact writes the store file from memory, then empties the log. Called
// only when no commit is under way: from the commit loop, or once it ended.
func (n *Node) compact() (int, error) {
	n.snapMu.Lock()
	defer n.snapMu.Unlock()
	size, err := n.saveSnapshotLocked()
	if err != nil {
		return 0, err
	}
	return size, n.wal.reset()
}

// saveSnapshot writes the store file from memory without touching the log.
// It is safe at any time: the log keeps every frame, and anything in memory
// was written to the log before it was applied.
func (n *Node) saveSnapshot() error {
	n.snapMu.Lock()
	defer n.snapMu.Unlock()
	_, err := n.saveSnapshotLocked()
	return err
}

func (n *Node) saveSnapshotLocked() (int, error) {
	n.mu.RLock()
	entries := make([]Entry, 0, len(n.entries))
	size := 0
	for _, e := range n.entries {
		entries = append(entries, e)
		size += entrySize(e)
	}
	clock := n.clock.Time()
	n.mu.RUnlock()
	if err := saveStore(n.cfg.StateDir, clock, entries); err != nil {
		return 0, fmt.Errorf("save store: %w", err)
	}
	return size, nil
}

// startLog opens the log, merges what it holds into the store read from the
// store file, and starts the commit loop. It runs before memberlist starts,
// since entries may arrive as soon as it does.
func (n *Node) startLog() error {
	w, replay, err := openWAL(n.cfg.StateDir)
	if err != nil {
		return err
	}
	if replay.discarded > 0 {
		n.log.Warn("cut off the torn end of the store log: a write cut short by a crash, never acknowledged",
			"bytes", replay.discarded)
	}
	if replay.frames > 0 {
		n.log.Info("read the store log", "frames", replay.frames, "entries", len(replay.entries))
	}
	n.restore(0, replay.entries)
	n.wal = w
	n.commits = newCommitQueue()
	n.compactAt = compactBytes
	n.wg.Add(1)
	go n.commitLoop()
	return nil
}

// stopLog ends the commit loop of a node that failed to start.
func (n *Node) stopLog() {
	close(n.stop)
	n.wg.Wait()
	_ = n.wal.close()
}

// closeLog folds the log into the store file once the commit loop has ended,
// so that the next start reads one file, and closes it. If the store file
// cannot be written, the log keeps everything.
func (n *Node) closeLog() error {
	_, err := n.compact()
	if err == nil {
		n.storeDirty.Store(false)
	}
	return errors.Join(err, n.wal.close())
}
