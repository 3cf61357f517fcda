package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// A node whose agent never wrote rules starts its pods all the same.
func TestNetnsLoadWithoutRulesFile(t *testing.T) {
	out, err := runCLI(t, "netns", "load", "--rules", filepath.Join(t.TempDir(), "none.nft"), "--pod", "swarm-default_web")
	if err != nil || !strings.Contains(out, "nothing to load") {
		t.Errorf("netns load without a rules file: %v, %q; want success saying nothing to load", err, out)
	}
}

func TestNetnsLoadNeedsAPod(t *testing.T) {
	if _, err := runCLI(t, "netns", "load", "--rules", filepath.Join(t.TempDir(), "none.nft")); err == nil || !strings.Contains(err.Error(), "--pod") {
		t.Errorf("netns load without --pod: %v, want an error naming --pod", err)
	}
}

func TestNetnsEnterRefusesBadTargets(t *testing.T) {
	if _, err := runCLI(t, "netns", "enter", "web"); err == nil || !strings.Contains(err.Error(), "POD=PID") {
		t.Errorf("netns enter web: %v, want an error asking for POD=PID", err)
	}
}

func TestNetnsHelpShowsTheUnitLine(t *testing.T) {
	out, err := runCLI(t, "netns", "load", "--help")
	if err != nil || !strings.Contains(out, "ExecStartPost=") || !strings.Contains(out, "--pod swarm-NAMESPACE_POD") {
		t.Errorf("netns load --help: %v\n%s", err, out)
	}
}
