package cluster

import (
	"context"
	"fmt"
	"net"
)

// Ping probes a member directly and returns once it answers, or with an error when it does
// not within the probe timeout (Config.ProbeTimeout) or before ctx ends. It only reads: the
// probe lies outside failure detection, so a member that does not answer is not suspected
// for it, and nothing in the membership or the store changes. It tells a caller which
// members it reaches now, sooner than failure detection declares the others dead, which
// takes a suspicion period on top.
func (n *Node) Ping(ctx context.Context, name string) error {
	if n.isClosed() {
		return fmt.Errorf("ping %s: %w", name, ErrClosed)
	}
	var addr string
	for _, m := range n.members.list() {
		if m.Name == name {
			addr = m.Addr
		}
	}
	if addr == "" {
		return fmt.Errorf("ping %s: %w", name, ErrNoSuchMember)
	}
	udp, err := net.ResolveUDPAddr("udp", addr)
	if err != nil {
		return fmt.Errorf("ping %s: %w", name, err)
	}
	answered := make(chan error, 1)
	go func() {
		_, err := n.ml.Load().Ping(name, udp)
		answered <- err
	}()
	select {
	case err := <-answered:
		if err != nil {
			return fmt.Errorf("ping %s: %w", name, err)
		}
		return nil
	case <-ctx.Done():
		return fmt.Errorf("ping %s: %w", name, ctx.Err())
	}
}
