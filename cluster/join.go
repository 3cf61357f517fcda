package cluster

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// startTokens decides which join tokens a starting node uses. A former
// member uses its own keyring, keeping a different configured token as a
// fallback in case the cluster rotated its token meanwhile; a new node uses
// the configured token; a new node that joins no one founds a cluster with a
// fresh token; a new node that joins without a token cannot get in.
func startTokens(persisted []string, configured string, joining bool, fresh func() (string, error)) (tokens []string, fallback string, err error) {
	if configured != "" {
		if _, err := parseToken(configured); err != nil {
			return nil, "", fmt.Errorf("read join token: %w", err)
		}
	}
	switch {
	case len(persisted) > 0:
		if configured != "" && !slices.Contains(persisted, configured) {
			fallback = configured
		}
		return persisted, fallback, nil
	case configured != "":
		return []string{configured}, "", nil
	case !joining:
		tok, err := fresh()
		if err != nil {
			return nil, "", fmt.Errorf("create join token: %w", err)
		}
		return []string{tok}, "", nil
	default:
		return nil, "", errors.New("join cluster: no join token given: read it on a member of the cluster and pass it with the join addresses")
	}
}

// joinAtStart joins the configured and remembered peers. For a new node a
// failure is fatal. A former member tries Config.JoinToken if the cluster
// refuses its own keyring (the token was rotated while it was away), and
// otherwise carries on alone until the reconnect loop finds a peer. A node
// that finds a removal record of its own name, on disk or from the members,
// does not start.
func (n *Node) joinAtStart(ctx context.Context, wasMember bool, fallback string) error {
	if n.isRemoved(n.cfg.NodeName) {
		return n.errRemoved()
	}
	addrs := n.joinable(n.seeds)
	if len(addrs) == 0 {
		if wasMember {
			n.log.Info("no peers to rejoin; waiting for others to join")
		}
		return nil
	}
	err := n.join(ctx, addrs)
	if err != nil && isKeyMismatch(err) && fallback != "" {
		n.log.Info("the cluster refused this node's keyring; trying the join token from the configuration")
		old := n.keys.snapshot()
		if err = n.keys.set([]string{fallback}); err != nil {
			return err
		}
		if err = n.join(ctx, addrs); err != nil {
			if rerr := n.keys.set(old); rerr != nil {
				return rerr
			}
		}
	}
	// The members refuse a removed node, but it learns so only from the
	// store they handed over while refusing it.
	if n.isRemoved(n.cfg.NodeName) {
		return n.errRemoved()
	}
	switch {
	case err == nil:
		n.log.Info("joined the cluster", "addr", n.Addr(), "members", n.members.aliveCount())
		return nil
	case ctx.Err() != nil:
		return fmt.Errorf("join cluster via %s: %w", strings.Join(addrs, ", "), ctx.Err())
	case isKeyMismatch(err) && !wasMember:
		return fmt.Errorf("join cluster via %s: the members refused this node's join token: it is wrong, or was rotated since it was read", strings.Join(addrs, ", "))
	case !wasMember:
		return fmt.Errorf("join cluster: no member answered at %s: %w", strings.Join(addrs, ", "), err)
	case isKeyMismatch(err):
		n.log.Error("the cluster refuses this node's keyring: the join token was rotated while the node was away; restart it with the current token", "peers", addrs)
	default:
		n.log.Warn("no remembered peer answered; retrying in the background", "peers", addrs, "err", err)
	}
	return nil
}

// join runs memberlist's join, which may block for the stream timeout per
// address, within ctx.
func (n *Node) join(ctx context.Context, addrs []string) error {
	done := make(chan error, 1)
	go func() {
		_, err := n.ml.Load().Join(addrs)
		done <- err
	}()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// isKeyMismatch tells a refusal by the peers' encryption apart from an
// unreachable peer. memberlist reports it only as text: a peer that cannot
// decrypt our push/pull answers with an error sealed by its own key, which
// we cannot decrypt either.
func isKeyMismatch(err error) bool {
	return err != nil && strings.Contains(err.Error(), "could decrypt")
}

// joinable drops this node's own address from addrs.
func (n *Node) joinable(addrs []string) []string {
	self := n.Addr()
	return slices.DeleteFunc(slices.Clone(addrs), func(a string) bool { return a == self })
}

// syncWith exchanges whole states with member m at once (a push/pull, as a
// join does with a node that is a member already).
func (n *Node) syncWith(m Member) {
	if n.isClosed() {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), n.cfg.StreamTimeout)
	defer cancel()
	if err := n.join(ctx, []string{m.Addr}); err != nil && !n.isClosed() {
		n.log.Warn("exchange states with a member that came back", "member", m.Name, "err", err)
		return
	}
	n.log.Debug("exchanged states with a member that came back", "member", m.Name)
}
