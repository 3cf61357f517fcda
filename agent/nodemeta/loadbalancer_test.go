package nodemeta

import (
	"fmt"
	"testing"

	"github.com/hashicorp/memberlist"
)

func TestLoadBalancerPortsRoundTrip(t *testing.T) {
	meta := map[string]string{"api": "x"}
	SetLoadBalancerPorts(meta, []string{"8088/TCP", "53/UDP", "8088/TCP"})
	got := LoadBalancerPorts(meta)
	if len(got) != 2 || !got["8088/TCP"] || !got["53/UDP"] {
		t.Fatalf("LoadBalancerPorts = %v", got)
	}
	SetLoadBalancerPorts(meta, nil)
	if _, ok := meta[keyLoadBalancer]; ok || len(LoadBalancerPorts(meta)) != 0 {
		t.Errorf("no ports left the key: %v", meta)
	}
	// Many ports are cut to what the metadata can carry, never past memberlist's limit.
	var many []string
	for p := range 200 {
		many = append(many, fmt.Sprintf("%d/TCP", 30000+p))
	}
	SetLoadBalancerPorts(meta, many)
	if n := len(meta[keyLoadBalancer]); n > maxLoadBalancer || n >= memberlist.MetaMaxSize {
		t.Errorf("value of %d bytes", n)
	}
}
