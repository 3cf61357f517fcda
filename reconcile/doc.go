// Package reconcile runs, on one node, the pods the cluster assigned to it.
//
// It is a level-triggered loop in three parts:
//
//   - Plan is a pure function: the desired pods (each rendered into Quadlet unit files) and
//     what is observed (our unit files on disk, our units in systemd) give a set of actions:
//     files to write and remove, whether to reload systemd, pods to stop, start, restart and
//     keep. Planning again after applying those actions gives nothing to do.
//   - Systemd is the narrow interface the loop drives systemd with; NewDBus implements it
//     over the user's D-Bus session bus. Reading the journal, removing volumes and
//     killing a container past its grace period exec journalctl and podman; units are
//     never driven through systemctl.
//   - Reconciler is the loop: it wakes when the agent hands it new desired pods, when one of
//     our units changes in systemd, and on a periodic resync; each pass rereads everything,
//     plans, applies and reports each pod's status once it changes.
//
// A desired pod is built from quadlet's units and their facts (which container is an init
// container, how it restarts, whether it has a health check, its probes, its image and pull
// policy, the service each unit becomes); the loop never reads rendered text back, it only
// writes it and compares it with the files on disk. A running container is Ready here
// unless it has a readinessProbe or startupProbe: those the agent runs, and its status
// writer raises the pod to Ready once they pass (Status.ReadyBarProbes). podman's health
// check (the livenessProbe) kills a failing container, which systemd reports; it does not
// decide readiness. A file on disk is known by its name, through
// quadlet.ParseUnitName, which is also the only place that knows what quadlet's names look
// like.
//
// Files are written before anything is stopped or started, and a pod's files are removed
// only after it stopped, so an agent killed in the middle of a pass finishes the work on its
// next pass. Writes and removals go through internal/atomicfile, so systemd and a restarted
// agent only ever see whole files, and a change is on disk before systemd is told about it.
// A unit file is ours only when it carries quadlet's marker; nothing else in the unit
// folder is ever touched.
package reconcile
