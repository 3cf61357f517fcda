package e2e

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// nslookup asks node i's swarm dns (at the node's address, where its pods' DNS= points)
// from the node's network namespace; busybox's nslookup works there, not inside containers.
func nslookup(i int, name string) string {
	out, _ := fromNode(i, "timeout", "10", "busybox", "nslookup", name, nodeAddr(i))
	return out
}

// The cluster's DNS whitelist, set once through any node's API, filters the names every
// node's swarm dns forwards: others are REFUSED, listed ones (and their subdomains) go
// upstream, and the cluster's own names always answer.
func TestDNSWhitelist(t *testing.T) {
	needRig(t)
	if out, err := swarmCLI(2, "dns", "whitelist", "set", "example.test"); err != nil {
		t.Fatalf("swarm dns whitelist set: %v\n%s", err, out)
	}
	t.Cleanup(func() {
		if out, err := swarmCLI(2, "dns", "whitelist", "set", "--enabled=false"); err != nil {
			t.Errorf("switch the whitelist off: %v\n%s", err, out)
		}
	})
	start := time.Now()
	for i := 1; i <= nodeCount; i++ {
		eventually(t, 15*time.Second, fmt.Sprintf("node %d's swarm dns refuses other.org", i), func() (bool, string) {
			out := nslookup(i, "other.org")
			return strings.Contains(out, "REFUSED"), out
		})
	}
	t.Logf("the whitelist was in force on every node %.1f s after swarm dns whitelist set", time.Since(start).Seconds())
	for i := 1; i <= nodeCount; i++ {
		// Forwarded: the rig's nodes have no reachable upstream, so the answer is a failure,
		// but not a refusal.
		if out := nslookup(i, "www.example.test"); strings.Contains(out, "REFUSED") {
			t.Errorf("node %d refused a whitelisted name:\n%s", i, out)
		}
		// The cluster's zone is answered, not refused: an unknown Service is NXDOMAIN.
		if out := nslookup(i, "nosuch.default.svc.cluster.local"); !strings.Contains(out, "NXDOMAIN") {
			t.Errorf("node %d does not answer the cluster's zone under the whitelist:\n%s", i, out)
		}
	}
	if out, err := swarmCLI(3, "dns", "whitelist", "set", "--enabled=false"); err != nil {
		t.Fatalf("swarm dns whitelist set --enabled=false: %v\n%s", err, out)
	}
	eventually(t, 15*time.Second, "node 3 forwards other.org again", func() (bool, string) {
		out := nslookup(3, "other.org")
		return !strings.Contains(out, "REFUSED"), out
	})
}
