package liveness

import (
	"context"
	"errors"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/podman-swarm/podman-swarm/agent/store"
	"github.com/podman-swarm/podman-swarm/cluster"
)

// listCounter is a leader's store that counts the prefixes it is listed by.
type listCounter struct {
	mu      sync.Mutex
	members []cluster.Member
	entries map[string][]byte
	listed  map[string]int
}

func (c *listCounter) Name() string                                       { return "n1" }
func (c *listCounter) IsLeader() bool                                     { return true }
func (c *listCounter) Members() []cluster.Member                          { return c.members }
func (c *listCounter) WatchMembers() (<-chan cluster.MemberEvent, func()) { return nil, func() {} }
func (c *listCounter) Write(context.Context, []cluster.Change, cluster.Ack) (cluster.Version, error) {
	return cluster.Version{}, nil
}

func (c *listCounter) List(prefix string) []cluster.Entry {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.listed[prefix]++
	var out []cluster.Entry
	for k, v := range c.entries {
		if strings.HasPrefix(k, prefix) {
			out = append(out, cluster.Entry{Key: k, Value: v})
		}
	}
	return out
}

// readsBeyondNodes counts the lists of anything but the verdicts.
func (c *listCounter) readsBeyondNodes() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for p, count := range c.listed {
		if p != store.PrefixNode {
			n += count
		}
	}
	return n
}

// A leader with every member alive and no verdict on record reads nothing more than the
// verdicts in a round; once a member is dead it reads the pods to probe.
func TestRoundReadsThePodsOnlyWithSomeoneToJudge(t *testing.T) {
	alive := cluster.Member{Name: "n2", State: cluster.StateAlive, Since: time.Unix(0, 0)}
	c := &listCounter{members: []cluster.Member{{Name: "n1", State: cluster.StateAlive}, alive}, entries: map[string][]byte{}, listed: map[string]int{}}
	m := New(Config{Node: c, Grace: time.Second, Interval: time.Second,
		Dial: func(context.Context, string, string) (net.Conn, error) { return nil, errors.New("refused") }})
	for range 3 {
		m.round(t.Context())
	}
	if n := c.readsBeyondNodes(); n != 0 {
		t.Fatalf("%d lists beyond the verdicts in three rounds with everyone alive", n)
	}
	c.members[1].State = cluster.StateDead
	m.round(t.Context())
	if c.readsBeyondNodes() == 0 {
		t.Fatal("a round with a dead member did not read the pods it would probe")
	}
}
