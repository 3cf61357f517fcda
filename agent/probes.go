package agent

import (
	"log/slog"

	"github.com/podman-swarm/podman-swarm/agent/events"
	"github.com/podman-swarm/podman-swarm/agent/noderuntime"
	"github.com/podman-swarm/podman-swarm/agent/prober"
	"github.com/podman-swarm/podman-swarm/reconcile"
)

// newProber runs the readiness and startup probes of the pods the reconciler runs, from
// this node (at addr, where the pods' ports are published), and hands their results to the
// status writer, which makes a pod an endpoint only once they pass.
func newProber(r *reconcile.Reconciler, status *noderuntime.StatusWriter, recorder *events.Recorder, addr string, log *slog.Logger) *prober.Prober {
	return prober.New(prober.Config{
		Source:   r,
		Sink:     status,
		WasReady: status.WasReady,
		Events:   recorder,
		Checker:  prober.Checker{NodeAddr: addr},
		Logger:   log,
	})
}
