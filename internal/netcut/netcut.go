// Package netcut cuts the gossip links between groups of nodes in tests: a wrapper of
// memberlist's transport (cluster.Config.WrapTransport) that loses every packet and refuses
// every stream across a cut, in both directions, since each side's sends are cut.
package netcut

import (
	"errors"
	"net"
	"strconv"
	"sync"
	"time"

	"github.com/hashicorp/memberlist"
)

// Net is the links between the nodes whose transports it wraps. The zero value cuts nothing.
type Net struct {
	mu    sync.Mutex
	group map[string]int // gossip address -> group, while cut
}

// Cut splits the nodes, named by gossip address (host:port), into groups that cannot
// reach one another. Nodes in no group reach everyone.
func (nc *Net) Cut(groups ...[]string) {
	nc.mu.Lock()
	defer nc.mu.Unlock()
	nc.group = map[string]int{}
	for i, g := range groups {
		for _, addr := range g {
			nc.group[addr] = i
		}
	}
}

// Heal restores every link.
func (nc *Net) Heal() {
	nc.mu.Lock()
	defer nc.mu.Unlock()
	nc.group = nil
}

func (nc *Net) blocked(from, to string) bool {
	nc.mu.Lock()
	defer nc.mu.Unlock()
	gf, okf := nc.group[from]
	gt, okt := nc.group[to]
	return okf && okt && gf != gt
}

// ErrCut is the error of a stream opened across a cut.
var ErrCut = errors.New("link cut by the test")

// Wrap is a cluster.Config.WrapTransport for a node that binds 127.0.0.1.
func (nc *Net) Wrap(inner memberlist.NodeAwareTransport) memberlist.NodeAwareTransport {
	nt := inner.(*memberlist.NetTransport)
	return &transport{
		NodeAwareTransport: inner,
		net:                nc,
		self:               net.JoinHostPort("127.0.0.1", strconv.Itoa(nt.GetAutoBindPort())),
	}
}

type transport struct {
	memberlist.NodeAwareTransport
	net  *Net
	self string
}

func (w *transport) WriteTo(b []byte, addr string) (time.Time, error) {
	return w.WriteToAddress(b, memberlist.Address{Addr: addr})
}

func (w *transport) WriteToAddress(b []byte, a memberlist.Address) (time.Time, error) {
	if w.net.blocked(w.self, a.Addr) {
		return time.Now(), nil // lost on the way
	}
	return w.NodeAwareTransport.WriteToAddress(b, a)
}

func (w *transport) DialTimeout(addr string, timeout time.Duration) (net.Conn, error) {
	return w.DialAddressTimeout(memberlist.Address{Addr: addr}, timeout)
}

func (w *transport) DialAddressTimeout(a memberlist.Address, timeout time.Duration) (net.Conn, error) {
	if w.net.blocked(w.self, a.Addr) {
		return nil, ErrCut
	}
	return w.NodeAwareTransport.DialAddressTimeout(a, timeout)
}
