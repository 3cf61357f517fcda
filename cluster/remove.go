package cluster

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Errors of RemoveMember and ForgetRemoval, for callers that map them to an
// answer (errors.Is).
var (
	// ErrNoSuchMember: the name is neither a known member nor removed.
	ErrNoSuchMember = errors.New("no member of that name")
	// ErrRemoveSelf: a node cannot remove itself; another member must.
	ErrRemoveSelf = errors.New("a node cannot remove itself: run the removal on another member")
	// ErrLastMember: removing the member would leave this node with no
	// other member at all, alive or down.
	ErrLastMember = errors.New("it is the last other member: removing it would leave this node alone")
	// ErrNotRemoved: ForgetRemoval of a name that was not removed.
	ErrNotRemoved = errors.New("no removal of that name")
)

// RemoveMember removes a member from the cluster for good, and returns the
// new join token: the old one admits no one afterwards.
//
// It records the removal in the store under a reserved key, which every
// node, including those down at the moment, receives and keeps: from then
// on each refuses the name, and reports the member as left at once, so that
// its pods move without waiting for the failure detector. It sends the
// record to the member itself, which logs that it was removed. Then it
// rotates the join token as RotateJoinToken does, among every alive member
// but the removed one, which keeps the old key and can no longer read or
// write anything the others send.
//
// A member that is down is removed the same way. A removed machine can join
// again only under another name and with a fresh state folder, or after
// ForgetRemoval. Members that were down during the removal must be restarted
// with the new token, and ideally while the removed machine is off: they try
// the key they hold first, which the removed machine still shares.
//
// If the rotation fails, the removal is recorded and the member refused by
// name, but it may still hold the key: run RemoveMember again, which keeps
// the record and rotates again.
func (n *Node) RemoveMember(ctx context.Context, name string) (string, error) {
	if n.isClosed() {
		return "", fmt.Errorf("remove member %s: %w", name, ErrClosed)
	}
	known := n.members.known(name) || n.isRemoved(name)
	if err := removable(n.cfg.NodeName, name, known, n.members.remainingWithout(n.cfg.NodeName, name)); err != nil {
		return "", fmt.Errorf("remove member %s: %w", name, err)
	}
	n.rotateMu.Lock()
	defer n.rotateMu.Unlock()

	// The record goes first: from here on every node that has it refuses
	// the member, and this one excludes it from the rotation below.
	e, err := n.recordRemoval(name)
	if err != nil {
		return "", fmt.Errorf("remove member %s: %w", name, err)
	}
	n.noticeRemovals([]Entry{e})
	n.tellRemoved(ctx, e, name)

	token, err := n.rotateLocked(ctx)
	if err != nil {
		return "", fmt.Errorf("remove member %s: rotate the join token away from it: %w", name, err)
	}
	n.log.Info("member removed and join token rotated", "member", name, "members", n.members.aliveCount())
	return token, nil
}

// removable checks a removal before anything changes.
func removable(self, name string, known bool, remaining int) error {
	switch {
	case name == "":
		return errors.New("no member name given")
	case name == self:
		return ErrRemoveSelf
	case !known:
		return ErrNoSuchMember
	case remaining == 0:
		return ErrLastMember
	}
	return nil
}

// recordRemoval writes the removal record of name, or keeps the one already
// there (a removal run again after its rotation failed), and returns it.
func (n *Node) recordRemoval(name string) (Entry, error) {
	if e, ok := n.removalEntry(name); ok {
		return e, nil
	}
	r := Removal{Name: name, By: n.cfg.NodeName, At: time.Now().UTC()}
	for _, m := range n.members.list() {
		if m.Name == name {
			r.Addr = m.Addr
		}
	}
	value, err := encodeRemoval(r)
	if err != nil {
		return Entry{}, err
	}
	if _, err := n.Put(removalKey(name), value); err != nil {
		return Entry{}, fmt.Errorf("record the removal: %w", err)
	}
	e, ok := n.removalEntry(name)
	if !ok {
		// A concurrent ForgetRemoval won; nothing to rotate against.
		return Entry{}, errors.New("record the removal: it was forgotten meanwhile")
	}
	return e, nil
}

// tellRemoved sends the record straight to the removed member while it still
// holds the key, so that it learns why it is about to be cut off. Gossip
// would reach it too, but maybe not before the rotation ends. A member that
// is down or does not answer learns nothing; the removal goes on.
func (n *Node) tellRemoved(ctx context.Context, e Entry, name string) {
	ml := n.ml.Load()
	// The table reports it left already; memberlist says whether it still answers. Only
	// the name of memberlist's record is read: the rest may change under us.
	counted := false
	for _, m := range ml.Members() {
		counted = counted || m.Name == name
	}
	if m, ok := n.memberNode(name); ok && counted {
		done := make(chan error, 1)
		go func() { done <- ml.SendReliable(m, encodeEntryMsg(e, n.now())) }()
		select {
		case err := <-done:
			if err != nil {
				n.log.Warn("tell the removed member", "member", name, "err", err)
			}
		case <-ctx.Done():
			n.log.Warn("tell the removed member", "member", name, "err", ctx.Err())
		}
		return
	}
}

// ForgetRemoval deletes the removal record of name, so that a machine of
// that name may join again, with the current join token. Every node lets
// the name in once the deletion reaches it. A node that was away for longer
// than Config.TombstoneTTL may bring the record back, as with any delete.
func (n *Node) ForgetRemoval(name string) error {
	if n.isClosed() {
		return fmt.Errorf("forget removal of %s: %w", name, ErrClosed)
	}
	n.rotateMu.Lock()
	defer n.rotateMu.Unlock()
	if !n.isRemoved(name) {
		return fmt.Errorf("forget removal of %s: %w", name, ErrNotRemoved)
	}
	if _, err := n.Delete(removalKey(name)); err != nil {
		return fmt.Errorf("forget removal of %s: %w", name, err)
	}
	n.members.unmarkRemoved(name)
	n.log.Info("removal forgotten; the name may join again", "member", name)
	return nil
}
