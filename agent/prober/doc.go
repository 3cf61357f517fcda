// Package prober runs the readiness and startup probes of this node's containers, with
// Kubernetes' semantics, and reports each container's readiness to the status writer.
//
// podman has one health check per container, which the quadlet package gives the
// livenessProbe (a failure kills the container, systemd restarts it). The readiness and
// startup probes are the agent's:
//
//   - Machine is one probe's pure state machine: initialDelaySeconds from the container's
//     start, then one check every periodSeconds, each bounded by timeoutSeconds;
//     successThreshold consecutive successes pass it, failureThreshold consecutive failures
//     fail it. A readiness probe starts failed, a startup probe unknown.
//   - Container gates them: the readiness probe is not run until the startup probe
//     succeeded (at once then, not a period later, so that a new pod takes traffic as soon
//     as it can), the startup probe is not run once it succeeded, and a new run of the
//     container (another start time or restart count, as systemd reports them) starts both
//     over. A run that was ready before the agent restarted (its containers run on) starts
//     ready instead (Config.WasReady, Container.Seed), so that an agent's restart takes no
//     pod out of the endpoints.
//   - Prober is the thin loop around them: it reads the desired pods and their statuses from
//     the reconciler, runs the probes that are due (a bounded number at once, none for a pod
//     that is not running) and hands every change of a container's readiness to the status
//     writer at once, which writes the status record that endpoints follow.
//
// Where checks connect: Kubernetes connects to the pod's IP. Here the pod's IP is not
// reachable from the node in rootless networking (pasta), so HTTP and TCP probes connect to
// the node's address and the node port the probe's container port is published on (the path
// the node's port check and every client take: node port -> pasta -> pod); a port no
// container declares is published for the probe too. A probe with a host of its own
// (httpGet.host, tcpSocket.host) connects to that host and the container port. HTTPS is not
// verified and a 2xx or 3xx answer passes, as with the kubelet. A TCP check waits a moment
// after connecting (probe.TCPHeld), since pasta accepts on the node even when nothing
// listens in the pod. Exec probes run `podman exec CONTAINER command...` as the agent's
// user, who owns the rootless containers, bounded by timeoutSeconds.
//
// A startup probe that fails failureThreshold times gets the container killed (`podman
// kill`) when it has no livenessProbe; with one, podman's own startup check in front of the
// liveness check does that. systemd's Restart= decides what follows. Failures are recorded as
// events of reason "Unhealthy" with the kubelet's wording, at most one per probe every
// eventInterval, so that a flapping probe does not flood the store.
package prober
