package main

import "github.com/podman-swarm/podman-swarm/internal/fielderr"

// agentFlags names the fields of agent.Config as the flags that set them.
var agentFlags = map[string]string{
	"NodeName":             "--node-name",
	"Bind":                 "--bind",
	"Advertise":            "--advertise",
	"Join":                 "--join",
	"JoinToken":            "--join-token",
	"APIListen":            "--api-listen",
	"NoAuth":               "--no-auth",
	"TLSCert":              "--tls-cert",
	"TLSKey":               "--tls-key",
	"TLSCA":                "--tls-ca",
	"StateDir":             "--state-dir",
	"Runtime":              "--runtime",
	"UnitDir":              "--unit-dir",
	"PodDNS":               "--pod-dns",
	"ClusterDomain":        "--cluster-domain",
	"PodNetwork":           "--pod-network",
	"ServiceCIDR":          "--service-cidr",
	"PodCIDR":              "--pod-cidr",
	"ServiceNodePortRange": "--service-node-port-range",
	"NodePortRange":        "--node-port-range",
	"Labels":               "--label",
	"DeadGrace":            "--dead-grace",
	"ProbeInterval":        "--probe-interval",
	"SelfFence":            "--self-fence",
	"RollbackOnFailure":    "--rollback-on-failure",
	"ForceNewCluster":      "--force-new-cluster",
	"Resync":               "--resync",
}

// flagName is the flag that sets a Config field; a field without one keeps its name.
func flagName(field string) string {
	if flag, ok := agentFlags[field]; ok {
		return flag
	}
	return field
}

// withFlagNames words the agent's refusal of its configuration with the flags the user
// gave, not the Config fields they set; the rest of the message stays.
func withFlagNames(err error) error { return fielderr.Rename(err, flagName) }
