package main

import (
	"errors"
	"strings"

	"github.com/podman-swarm/podman-swarm/agent"
)

// agentFlags names the fields of agent.Config as the flags that set them.
var agentFlags = map[string]string{
	"NodeName":        "--node-name",
	"Bind":            "--bind",
	"Advertise":       "--advertise",
	"Join":            "--join",
	"JoinToken":       "--join-token",
	"APIListen":       "--api-listen",
	"NoAuth":          "--no-auth",
	"TLSCert":         "--tls-cert",
	"TLSKey":          "--tls-key",
	"TLSCA":           "--tls-ca",
	"StateDir":        "--state-dir",
	"Runtime":         "--runtime",
	"UnitDir":         "--unit-dir",
	"PodDNS":          "--pod-dns",
	"ClusterDomain":   "--cluster-domain",
	"PodNetwork":      "--pod-network",
	"Labels":          "--label",
	"DeadGrace":       "--dead-grace",
	"ProbeInterval":   "--probe-interval",
	"SelfFence":       "--self-fence",
	"ForceNewCluster": "--force-new-cluster",
	"Resync":          "--resync",
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
func withFlagNames(err error) error {
	var ce *agent.ConfigError
	if errors.As(err, &ce) {
		return errors.New(strings.Replace(err.Error(), ce.Error(), ce.Message(flagName), 1))
	}
	var fe *agent.FieldError
	if errors.As(err, &fe) {
		return errors.New(strings.Replace(err.Error(), fe.Error(), fe.Message(flagName), 1))
	}
	return err
}
