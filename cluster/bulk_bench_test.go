package cluster

import (
	"context"
	"fmt"
	"strconv"
	"testing"
	"time"
)

// BenchmarkBulkWrite is one write of 1,000 keys of 400 bytes, about the leader's plan
// for 1,000 pods, confirmed by every member of a cluster of 20 in this process.
func BenchmarkBulkWrite(b *testing.B) {
	nodes := startBenchCluster(b, 20)
	value := make([]byte, 400)
	b.ResetTimer()
	for i := range b.N {
		changes := make([]Change, 1000)
		for k := range changes {
			changes[k] = Change{Key: fmt.Sprintf("bulk/%d/%d", i, k), Value: value}
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		if _, err := nodes[i%len(nodes)].Write(ctx, changes, AckAll); err != nil {
			b.Fatal(err)
		}
		cancel()
	}
}

func startBenchCluster(b *testing.B, count int) []*Node {
	b.Helper()
	var nodes []*Node
	for i := range count {
		cfg := fastConfig("n"+strconv.Itoa(i), b.TempDir())
		cfg.ProbeInterval, cfg.GossipInterval, cfg.PushPullInterval = time.Second, 200*time.Millisecond, 30*time.Second
		cfg.AckTimeout = time.Minute
		if i > 0 {
			cfg.Join = []string{nodes[0].Addr()}
			cfg.JoinToken = nodes[0].JoinToken()
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		n, err := Start(ctx, cfg)
		cancel()
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { _ = n.Shutdown() })
		nodes = append(nodes, n)
	}
	deadline := time.Now().Add(30 * time.Second)
	for _, n := range nodes {
		for n.members.aliveCount() != count {
			if time.Now().After(deadline) {
				b.Fatal("members did not all see each other")
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	return nodes
}
