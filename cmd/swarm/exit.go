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
	// swarm exec exits with the status of the command it ran, swarm diff with 1 when
	// there are differences, as kubectl diff.
	if status, ok := exitStatusOf(err); ok {
		return status
	}
	return 1
}

// exitError ends a command with a given exit status; with no err, silently.
type exitError struct {
	status int
	err    error
}

func (e *exitError) Error() string {
	if e.err == nil {
		return ""
	}
	return e.err.Error()
}

func (e *exitError) Unwrap() error { return e.err }

// exitStatusOf is the status an exitError asks for, if err is one.
func exitStatusOf(err error) (int, bool) {
	var e *exitError
	if errors.As(err, &e) {
		return e.status, true
	}
	return 0, false
}
