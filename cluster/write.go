package cluster

import (
	"context"
	"errors"
	"fmt"
	"slices"
)

// MaxValueBytes is the largest value a key may hold.
const MaxValueBytes = maxValueLen

// Errors matched (errors.Is) by writes refused for their size. Nothing of
// such a write was stored.
var (
	// ErrTooLarge: a key or a value is over its bound.
	ErrTooLarge = errors.New("too large for the store")
	// ErrStoreFull: the whole store would outgrow what replication carries.
	ErrStoreFull = errors.New("the store is full")
)

// limitError keeps the message of a size refusal as it was, and matches
// its sentinel.
type limitError struct {
	kind error
	msg  string
}

func (e *limitError) Error() string        { return e.msg }
func (e *limitError) Is(target error) bool { return target == e.kind }

func tooLarge(format string, a ...any) error {
	return &limitError{kind: ErrTooLarge, msg: fmt.Sprintf(format, a...)}
}

// Change is one key of a Write: a value to store, or a delete.
type Change struct {
	Key    string
	Value  []byte
	Delete bool
}

// Ack says on how many nodes' disks a write must be before Write returns.
type Ack int

const (
	// AckOne, the default: this node and one other alive member, or this
	// node alone when no other member is alive.
	AckOne Ack = iota
	// AckLocal: this node's disk; the others get it by gossip.
	AckLocal
	// AckAll: every member alive when the write is made.
	AckAll
)

func (a Ack) String() string {
	switch a {
	case AckOne:
		return "one"
	case AckLocal:
		return "local"
	case AckAll:
		return "all"
	default:
		return fmt.Sprintf("Ack(%d)", int(a))
	}
}

// ParseAck reads "local", "one" or "all"; empty is AckOne.
func ParseAck(s string) (Ack, error) {
	switch s {
	case "", "one":
		return AckOne, nil
	case "local":
		return AckLocal, nil
	case "all":
		return AckAll, nil
	}
	return 0, fmt.Errorf("ack %q: want local, one or all", s)
}

// Write stores changes as one atomic write: they are written to this node's
// disk in one log frame, applied together and sent to the other members
// together, or not at all. It returns once they are on this node's disk
// and, as ack asks, confirmed by other members that wrote them to theirs.
//
// An error matching ErrNotPersisted means this node could not write them to
// disk and nothing changed; ErrTooLarge and ErrStoreFull that they do not
// fit, and nothing changed either. An error matching ErrNotConfirmed comes
// with the version: the write is stored here and spreads as usual, but
// fewer members than asked confirmed it within Config.AckTimeout (or before
// ctx ended).
func (n *Node) Write(ctx context.Context, changes []Change, ack Ack) (Version, error) {
	if len(changes) == 0 {
		return Version{}, errors.New("write: no changes")
	}
	if ack < AckOne || ack > AckAll {
		return Version{}, fmt.Errorf("write: unknown %s", ack)
	}
	entries := make([]Entry, 0, len(changes))
	seen := make(map[string]bool, len(changes))
	for _, c := range changes {
		if err := checkKey(c.Key); err != nil {
			return Version{}, fmt.Errorf("write %s: %w", c.Key, err)
		}
		if seen[c.Key] {
			return Version{}, fmt.Errorf("write %s: the key appears twice in one write", c.Key)
		}
		seen[c.Key] = true
		if c.Delete {
			entries = append(entries, Entry{Key: c.Key, Deleted: true})
			continue
		}
		if err := checkValue(c.Value); err != nil {
			return Version{}, fmt.Errorf("write %s: %w", c.Key, err)
		}
		entries = append(entries, Entry{Key: c.Key, Value: slices.Clone(c.Value)})
	}
	// Unwrapped: the errors say what happened to the write as a whole, and
	// go to API clients as they are.
	v, err := n.commitLocal(entries)
	if err != nil {
		return Version{}, err
	}
	if ack == AckLocal {
		n.spreadLocal(entries)
		return v, nil
	}
	ctx, cancel := context.WithTimeout(ctx, n.cfg.AckTimeout)
	defer cancel()
	return v, n.replicate(ctx, entries, ack)
}

func checkValue(value []byte) error {
	if len(value) > maxValueLen {
		return tooLarge("the value takes %d bytes, more than the %d allowed", len(value), maxValueLen)
	}
	return nil
}

// commitLocal stamps a local write with the next Lamport time, writes it to
// the log and applies it. Having witnessed every time stored here, the new
// time is higher than any version of the keys this node holds, so the write
// wins locally. It returns only once the write is on disk, or with an error
// and nothing changed.
func (n *Node) commitLocal(entries []Entry) (Version, error) {
	n.mu.Lock()
	if n.closed {
		n.mu.Unlock()
		return Version{}, ErrClosed
	}
	reserved := 0
	puts := slices.ContainsFunc(entries, func(e Entry) bool { return !e.Deleted })
	if puts {
		// Only a write that makes the store larger is refused: remote writes are never
		// refused, so a store may be over the bound (others wrote while this node's
		// fill had not reached them), and a value rewritten at the same size (a
		// Deployment scaled in place) or smaller must still pass then.
		grown := n.sizeWithLocked(entries...) + n.reserved
		if grown > maxStoreBytes && n.growthLocked(entries) > 0 {
			n.mu.Unlock()
			return Version{}, &limitError{kind: ErrStoreFull,
				msg: fmt.Sprintf("the store would take %d bytes, more than the %d that replication carries", grown, maxStoreBytes)}
		}
		for _, e := range entries {
			reserved += entrySize(e)
		}
		n.reserved += reserved
	}
	v := Version{Time: n.clock.Increment(), Node: n.cfg.NodeName}
	now := n.now()
	for i := range entries {
		entries[i].Version, entries[i].Modified, entries[i].Received = v, now, now
	}
	n.mu.Unlock()

	req := &commitReq{entries: entries, spread: spreadNone, reserved: reserved, done: make(chan error, 1)}
	if err := n.commits.push(req); err != nil {
		n.release(req)
		return Version{}, err
	}
	if err := <-req.done; err != nil {
		return Version{}, err
	}
	return v, nil
}

// spreadLocal sends a committed local write on its way without waiting: one
// entry as before (gossip, or TCP when large), several together in one
// message to every member, so that each applies them at once.
func (n *Node) spreadLocal(entries []Entry) {
	if len(entries) == 1 {
		n.spread(entries[0], spreadAll)
		return
	}
	peers, older := n.splitOlder(n.alivePeers())
	item := replicateItem{Entries: entries}
	if len(peers) > 1 {
		item = item.withEncoding(n.now())
	}
	n.sendToOlder(older, entries)
	n.announceWrite(peers, item)
	for _, p := range peers {
		n.links.send(n, p, item)
	}
}
