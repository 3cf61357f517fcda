package main

import (
	"errors"
	"fmt"
	"testing"

	"github.com/podman-swarm/podman-swarm/cluster"
)

// A removed node's agent ends with the status its unit does not restart on; every other
// failure with 1.
func TestExitStatus(t *testing.T) {
	if got := exitStatus(fmt.Errorf("start: %w", cluster.ErrRemoved)); got != exitRemoved {
		t.Errorf("removed: exit %d, want %d", got, exitRemoved)
	}
	if got := exitStatus(errors.New("listen: address in use")); got != 1 {
		t.Errorf("other: exit %d, want 1", got)
	}
}
