package cluster

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/hashicorp/memberlist"
)

// RotateJoinToken replaces the join token, and with it the gossip key, on
// every alive member, and returns the new token. It runs three rounds, each
// applied here first and then confirmed by every other alive member before
// the next: install the new key (accepted but unused), make it primary
// (used to encrypt), prune every other key. Members stay connected
// throughout, since each round starts only when every member holds what the
// round needs. Afterwards the old token admits no one.
//
// A member that is down during the rotation keeps the old key and must be
// restarted with the new token. A removed member is never asked, nor
// listened to when it asks (see RemoveMember). If a round fails, the error
// says which members did not confirm; the cluster keeps working (every
// member that confirmed a round also accepts the keys of the rounds before)
// and the rotation can be run again. Run one rotation at a time in the cluster.
func (n *Node) RotateJoinToken(ctx context.Context) (string, error) {
	if n.isClosed() {
		return "", fmt.Errorf("rotate join token: %w", ErrClosed)
	}
	n.rotateMu.Lock()
	defer n.rotateMu.Unlock()
	token, err := n.rotateLocked(ctx)
	if err != nil {
		return "", fmt.Errorf("rotate join token: %w", err)
	}
	n.log.Info("join token rotated", "members", n.members.aliveCount())
	return token, nil
}

// rotateLocked runs the three rounds of a rotation to a fresh token, among
// the alive members that were not removed. The caller holds rotateMu.
func (n *Node) rotateLocked(ctx context.Context) (string, error) {
	token, err := newToken()
	if err != nil {
		return "", err
	}
	for _, op := range []keyOp{keyInstall, keyUse, keyPrune} {
		if err := n.keyRound(ctx, op, token); err != nil {
			return "", err
		}
	}
	return token, nil
}

// keyRound applies one step locally, then asks every other alive member to
// apply it and waits for all answers.
func (n *Node) keyRound(ctx context.Context, op keyOp, token string) error {
	if err := n.keys.apply(op, token); err != nil {
		return fmt.Errorf("%s the new key on %s: %w", op, n.cfg.NodeName, err)
	}
	ctx, cancel := context.WithTimeout(ctx, n.cfg.StreamTimeout)
	defer cancel()

	ml := n.ml.Load()
	var peers []*memberlist.Node
	for _, m := range n.alivePeers() {
		// A removed member may still be counted alive until the table hears of
		// its removal; it must never see the new token.
		if !n.isRemoved(m.Name) {
			peers = append(peers, m)
		}
	}
	id, answers := n.rotations.open(len(peers))
	defer n.rotations.close(id)
	req := encodeKeyRequest(keyRequest{ID: id, From: n.cfg.NodeName, Op: op, Token: token})
	for _, p := range peers {
		go func() {
			if err := ml.SendReliable(p, req); err != nil {
				n.rotations.deliver(id, keyResponse{ID: id, From: p.Name, Error: err.Error()})
			}
		}()
	}

	waiting := make(map[string]bool, len(peers))
	for _, p := range peers {
		waiting[p.Name] = true
	}
	var errs []error
	for len(waiting) > 0 {
		select {
		case a := <-answers:
			if !waiting[a.From] {
				continue
			}
			delete(waiting, a.From)
			if a.Error != "" {
				errs = append(errs, fmt.Errorf("%s the new key on %s: %s", op, a.From, a.Error))
			}
		case <-ctx.Done():
			names := slices.Sorted(func(yield func(string) bool) {
				for name := range waiting {
					if !yield(name) {
						return
					}
				}
			})
			errs = append(errs, fmt.Errorf("%s the new key: no answer from %s: %w", op, strings.Join(names, ", "), ctx.Err()))
			return errors.Join(errs...)
		}
	}
	return errors.Join(errs...)
}

// answerKeyRequest applies a step of a rotation asked by another member and
// answers it. The key change is on disk before the answer leaves.
func (n *Node) answerKeyRequest(req keyRequest) {
	resp := keyResponse{ID: req.ID, From: n.cfg.NodeName}
	if err := n.admit(req.From); err != nil {
		// A removed member must not steer the keys it is being cut off from.
		n.log.Warn("refuse key rotation step", "op", req.Op.String(), "from", req.From, "err", err)
		return
	}
	if err := n.keys.apply(req.Op, req.Token); err != nil {
		resp.Error = err.Error()
		n.log.Warn("key rotation step failed", "op", req.Op.String(), "from", req.From, "err", err)
	} else {
		n.log.Info("key rotation step applied", "op", req.Op.String(), "from", req.From)
	}
	if m, ok := n.memberNode(req.From); ok {
		if err := n.ml.Load().SendReliable(m, encodeKeyResponse(resp)); err != nil {
			n.log.Warn("answer key rotation step", "to", req.From, "err", err)
		}
		return
	}
	n.log.Warn("answer key rotation step: the asking member is gone", "to", req.From)
}
