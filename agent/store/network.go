package store

import (
	"encoding/json"

	"github.com/podman-swarm/podman-swarm/netalloc"
)

// DecodeNetwork reads the value under KeyNetworkSettings.
func DecodeNetwork(value []byte) (*NetworkSettings, error) {
	var n NetworkSettings
	if err := json.Unmarshal(value, &n); err != nil {
		return nil, err
	}
	return &n, nil
}

// Ranges are the cluster's ranges as n records them, else fallback (this node's own): when
// there is no record yet, or one that does not parse. The leader allocates from these, and
// a node gives its pods the pod network the same way, so both always agree.
func Ranges(n *NetworkSettings, fallback netalloc.Ranges) netalloc.Ranges {
	if n != nil {
		if r, errs := netalloc.Parse(*n, nil); len(errs) == 0 {
			return r
		}
	}
	return fallback
}
