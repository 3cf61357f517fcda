// Package testnet finds loopback addresses for tests that start gossiping agents.
package testnet

import (
	"net"
	"testing"
)

// GossipAddr finds a loopback port free for both TCP and UDP, as gossip needs both. Another
// process may take it before the test binds it: a test that starts agents on many such
// ports can try another one then.
func GossipAddr(t testing.TB) string {
	t.Helper()
	for range 50 {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := l.Addr().String()
		u, err := net.ListenPacket("udp", addr)
		l.Close()
		if err != nil {
			continue
		}
		u.Close()
		return addr
	}
	t.Fatal("no free loopback port for gossip")
	return ""
}
