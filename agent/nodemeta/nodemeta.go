// Package nodemeta is what every agent gossips about its node besides its address: where
// its API listens, its runtime, its labels, and whether it can write its store. The cluster
// package carries these as plain strings; this package names them.
package nodemeta

import "strings"

// Keys of a node's metadata.
const (
	API         = "api"    // the node's API address, host:port
	APIScheme   = "apis"   // "https" when the node's API listens on TLS; absent: http
	Runtime     = "rt"     // the node's runtime: systemd or none
	LabelPrefix = "label/" // label/<key> = <value>: the node's labels, for nodeSelector
)

// Labels reads a member's labels from its metadata.
func Labels(meta map[string]string) map[string]string {
	labels := map[string]string{}
	for k, v := range meta {
		if l, ok := strings.CutPrefix(k, LabelPrefix); ok {
			labels[l] = v
		}
	}
	return labels
}
