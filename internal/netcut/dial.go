package netcut

import (
	"context"
	"net"
)

// Dialer is a net.Dialer's DialContext for the node whose gossip address is self, through
// the cuts: a connection to an address in another group than self's (a workload's
// host:port may be put in a group beside its node's gossip address) gets no answer, as
// from a machine behind a cut: it waits for ctx to end, then fails with ctx's error.
func (nc *Net) Dialer(self string) func(ctx context.Context, network, addr string) (net.Conn, error) {
	var d net.Dialer
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		if nc.blocked(self, addr) {
			<-ctx.Done()
			return nil, &net.OpError{Op: "dial", Net: network, Err: ctx.Err()}
		}
		return d.DialContext(ctx, network, addr)
	}
}
