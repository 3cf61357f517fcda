// Package netns loads the node's nftables rules into the network namespaces of its pods.
// A rootless pod's namespace belongs to its user's rootless user namespace, so entering it
// needs no root, only that user namespace: one `podman unshare` process runs the swarm
// binary again (its hidden `netns enter` command), which enters each pod's namespace on a
// thread of its own and loads the rules there with `nft -f -`.
package netns

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
)

// Tools are the commands the loader runs inside the user namespace, and where a distribution
// puts them: nft often lives in /usr/sbin, which a user's PATH may lack.
var toolDirs = []string{"/usr/sbin", "/sbin", "/usr/bin", "/bin"}

// lookTool finds a command on PATH, then in the system folders.
func lookTool(name string) (string, error) {
	if p, err := exec.LookPath(name); err == nil {
		return p, nil
	}
	for _, dir := range toolDirs {
		p := filepath.Join(dir, name)
		if st, err := os.Stat(p); err == nil && st.Mode().IsRegular() && st.Mode()&0o111 != 0 {
			return p, nil
		}
	}
	return "", fmt.Errorf("find %s: not on PATH nor in %v", name, toolDirs)
}

// Missing tells whether the command the loader needs (nft, from nftables) is installed,
// saying which package to install when it is not.
func Missing() error {
	if _, err := lookTool("nft"); err != nil {
		return errors.New("nft (package nftables) is not installed: install it with `apt install nftables` (Debian, Ubuntu) or `dnf install nftables` (Fedora, RHEL)")
	}
	return nil
}

// Load loads rules into the network namespace of each of the node's pods (by podman pod
// name) with the default Loader.
func Load(ctx context.Context, rules []byte, pods []string) error {
	var l Loader
	return l.Load(ctx, rules, pods)
}

// RulesFile is the name of the node's rules file in the agent's state folder: the agent
// keeps it current, and a pod starting loads it from there, whether the agent runs or not.
const RulesFile = "netrules.nft"
