package agent

import (
	"slices"
	"strings"
	"testing"
)

// The pods resolve with this node's swarm dns and the cluster's search path, and get an
// address of their own in pasta, unless the flags say otherwise.
func TestRenderOptionsPointPodsAtTheNodeDNS(t *testing.T) {
	for _, tc := range []struct {
		name    string
		cfg     Config
		dns     []string
		domain  string
		network string
	}{
		{"defaults", Config{PodNetwork: DefaultPodNetwork}, []string{"198.18.0.11"}, "cluster.local", DefaultPodNetwork},
		{"another DNS address and domain", Config{PodDNS: "10.9.0.1", ClusterDomain: "swarm.test"}, []string{"10.9.0.1"}, "swarm.test", ""},
		{"the node's resolvers", Config{PodDNS: PodDNSNone}, nil, "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := tc.cfg
			cfg.NodeName = "n1"
			opts, err := renderOptions(cfg.withDefaults(), "198.18.0.11")
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(opts.DNS, tc.dns) || opts.ClusterDomain != tc.domain || opts.Network != tc.network {
				t.Errorf("DNS %v, cluster domain %q, network %q; want %v, %q, %q", opts.DNS, opts.ClusterDomain, opts.Network, tc.dns, tc.domain, tc.network)
			}
			if opts.PublishAddress != "198.18.0.11" || opts.PodIP != "198.18.0.11" {
				t.Errorf("published on %q with pod IP %q: want the node's address", opts.PublishAddress, opts.PodIP)
			}
		})
	}
}

func TestBadNetworkFlagsRefused(t *testing.T) {
	for _, tc := range []struct {
		edit func(*Config)
		want string
	}{
		{func(c *Config) { c.PodDNS = "node1" }, `PodDNS "node1": want the IP address`},
		{func(c *Config) { c.ClusterDomain = "Cluster_Local" }, `ClusterDomain "Cluster_Local"`},
		{func(c *Config) { c.PodNetwork = "pasta:-a 10.0.2.100" }, `PodNetwork "pasta:-a 10.0.2.100": want one podman --network value`},
	} {
		cfg := testConfig(t, "n0")
		tc.edit(&cfg)
		err := cfg.withDefaults().validate()
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("validate: %v; want an error with %q", err, tc.want)
		}
	}
}
