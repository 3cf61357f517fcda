package main

import (
	"errors"

	"github.com/podman-swarm/podman-swarm/cluster"
)

// exitRemoved is the exit status of an agent whose node was removed from the cluster for
// good: starting it again cannot help, so the packaged unit does not restart it
// (RestartPreventExitStatus=).
const exitRemoved = 3

// exitStatus is the process's exit status for the error a command ended with.
func exitStatus(err error) int {
	if errors.Is(err, cluster.ErrRemoved) {
		return exitRemoved
	}
	if status, ok := exitStatusOf(err); ok {
		return status
	}
	return 1
}
