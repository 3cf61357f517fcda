package agent

import (
	"errors"
	"net"
	"sync"
	"time"

	"github.com/hashicorp/memberlist"

	"github.com/podman-swarm/podman-swarm/cluster"
)

// linkCutter cuts the gossip links between groups of agents, as a network partition
// would: packets between groups are lost and connections refused, both ways.
type linkCutter struct {
	mu    sync.Mutex
	group map[string]int // gossip address -> group, while partitioned
}

// configure makes an agent's gossip go through the cutter, and rejoin fast once the links
// are back.
func (lc *linkCutter) configure(cfg *Config) {
	self := cfg.Bind
	cfg.tuneCluster = func(cc *cluster.Config) {
		inner := cc.WrapTransport
		cc.WrapTransport = func(t memberlist.NodeAwareTransport) memberlist.NodeAwareTransport {
			if inner != nil {
				t = inner(t)
			}
			return &cutTransport{NodeAwareTransport: t, cutter: lc, self: self}
		}
		cc.ReconnectInterval = 200 * time.Millisecond
	}
}

// partition cuts every link between agents of different groups.
func (lc *linkCutter) partition(groups ...[]*Agent) {
	lc.mu.Lock()
	defer lc.mu.Unlock()
	lc.group = map[string]int{}
	for i, g := range groups {
		for _, a := range g {
			lc.group[a.cfg.Bind] = i
		}
	}
}

// heal restores every link.
func (lc *linkCutter) heal() {
	lc.mu.Lock()
	defer lc.mu.Unlock()
	lc.group = nil
}

func (lc *linkCutter) cut(from, to string) bool {
	lc.mu.Lock()
	defer lc.mu.Unlock()
	gf, okf := lc.group[from]
	gt, okt := lc.group[to]
	return okf && okt && gf != gt
}

var errLinkCut = errors.New("link cut by the test")

type cutTransport struct {
	memberlist.NodeAwareTransport
	cutter *linkCutter
	self   string
}

func (c *cutTransport) WriteTo(b []byte, addr string) (time.Time, error) {
	return c.WriteToAddress(b, memberlist.Address{Addr: addr})
}

func (c *cutTransport) WriteToAddress(b []byte, a memberlist.Address) (time.Time, error) {
	if c.cutter.cut(c.self, a.Addr) {
		return time.Now(), nil // a lost packet
	}
	return c.NodeAwareTransport.WriteToAddress(b, a)
}

func (c *cutTransport) DialTimeout(addr string, timeout time.Duration) (net.Conn, error) {
	return c.DialAddressTimeout(memberlist.Address{Addr: addr}, timeout)
}

func (c *cutTransport) DialAddressTimeout(a memberlist.Address, timeout time.Duration) (net.Conn, error) {
	if c.cutter.cut(c.self, a.Addr) {
		return nil, errLinkCut
	}
	return c.NodeAwareTransport.DialAddressTimeout(a, timeout)
}
