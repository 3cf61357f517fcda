// Package quadlet turns one Kubernetes pod into the Quadlet units (podman 5.4) that run it as
// rootless systemd user services: a .pod unit, one .container unit per init container and
// container, and one .volume unit per emptyDir volume and per PersistentVolumeClaim (whose
// podman volume is the claim's, kept across pods). Render is pure and deterministic; the
// reconciler writes its units into ~/.config/containers/systemd.
//
// # What Render returns
//
// Each Unit is a file name and text, with the facts the reconciler acts on so that it never
// reads the text back: its UnitRef (kind, pod, container or volume, the systemd service and
// the podman volume it makes) and, for a container, whether it is an init container that
// runs to its end, its Restart=, whether it has a health check, its probes, its image, its
// Pull= and its preStop hook, resolved (see Stopping).
// The facts come from the values the text is written from. A file known only by its name,
// such as one left in the unit folder by an earlier run, gets its UnitRef from
// ParseUnitName, which always agrees with Render's.
//
// A pod that cannot run as written is refused with a *FieldError: the path of the field at
// fault (in the pod; Check moves it under a Deployment's template) and the reason.
//
// # Names
//
// Every name is NamePrefix ("swarm-") + namespace + "_" + pod [+ "_" + container or
// volume]; "_" never occurs in Kubernetes names, so names are unique and ParseUnitName
// splits them back. The podman pod and its service share the name (ServiceName= in [Pod]),
// so `systemctl --user status swarm-<ns>_<pod>` finds the pod; a container, its podman
// container and its service share theirs, so `journalctl --user -u swarm-<ns>_<pod>_<c>`
// shows its output (LogDriver=journald, set explicitly in case containers.conf says
// otherwise). A volume's service ends in "_volume". Every unit starts with a "# podman-swarm
// pod <ns>/<pod>" line and carries X-Swarm-Pod=<ns>/<pod> in [Unit]; Owner checks both.
//
// # Values
//
// Values are data: escape.go writes them for the whole chain Quadlet parser -> ExecStart= ->
// systemd, doubling '%' and '$' and quoting per key, and refuses what cannot be carried (a
// NUL byte, text that is not UTF-8, U+0080, a word that is exactly ";" or empty where
// Quadlet splits words, and control characters, surrounding white space or quotes where
// Quadlet takes a value verbatim). Kubernetes' own $(VAR) expansion is applied first, as
// the kubelet would.
//
// A command becomes a JSON Entrypoint= holding command and args together, which carries
// every word exactly; args without a command become Exec=.
//
// # Probes
//
// Probes are split between podman and the node's agent, so that all three work at once
// with Kubernetes' meaning:
//   - livenessProbe: podman's health check (one per container), with HealthOnFailure=kill;
//     systemd's Restart= (from restartPolicy) then restarts the container. It does not
//     decide readiness.
//   - startupProbe: with a livenessProbe, also podman's startup check (HealthStartup* keys)
//     in front of the health check, which podman refuses alone; the agent runs it too.
//   - readinessProbe, and a startupProbe without a livenessProbe: not written into the
//     unit; the agent runs them from the node (see Unit.Readiness and Unit.Startup).
//
// Every probe's fields are checked alike, and each probe is a fact of its unit (Probe),
// resolved: its kind, the port (a named port resolved) and where the node reaches it, and
// the timing fields with Kubernetes' defaults. The agent reaches an http or tcp probe's port
// through the node port it is published on; a port that only such a probe names is
// published too (ProbePorts), like a declared port without a hostPort.
//
// In podman's checks, periodSeconds, timeoutSeconds, failureThreshold and
// initialDelaySeconds become the interval, timeout, retries and start period. An exec probe
// runs as written (JSON exec form). httpGet and tcpSocket probes run the node's swarm binary, bind-mounted read-only at
// ProbeBinary, as `swarm probe http|tcp ...`, so the image needs no curl and no shell; so
// does an exec probe that podman would read in Docker's way (one word, or a first word of
// CMD, CMD-SHELL or NONE), as `swarm probe exec -- ...`.
//
// # Stopping
//
// Every container gets StopTimeout= (podman's --stop-timeout): the pod's grace period
// (terminationGracePeriodSeconds, Kubernetes' 30 s when unset, not podman's 10 s), at least
// the kubelet's 2 s; and TimeoutStopSec= 30 s longer, since systemd would otherwise kill
// podman's stop at its own default of 90 s, or before podman kills the container.
// lifecycle.stopSignal becomes StopSignal=. A preStop hook (exec, httpGet or sleep) is
// checked with Kubernetes' rules and messages and handed out as a fact for the agent, which
// runs it before the container stops (the units cannot: Quadlet's ExecStop= is its own); an
// httpGet hook without a host must use a TCP port a container of the pod declares, since
// the agent reaches it through the node port it is published on. postStart hooks are
// ignored with a warning, and so is a tcpSocket hook, which the kubelet does not run.
//
// # Volumes
//
// An emptyDir (also a volume with no source, as in Kubernetes) is a podman volume named
// after the pod and the volume, made by its .volume unit (tmpfs for medium Memory, with
// sizeLimit as its size); the reconciler removes it with the pod. A hostPath is a bind
// mount, with readOnly and subPath. A configMap volume is a folder on the node
// (Options.ConfigDir), bind-mounted read-only, which the node writes from Result.ConfigVolumes
// and rewrites in place when the ConfigMap changes (with subPath, the file is mounted through
// ConfigDataDir and keeps its version). A secret volume is one podman secret per file,
// mounted at its path (Secret=...,type=mount). Any other volume type refuses the pod.
//
// # ConfigMaps and Secrets
//
// Options.Config finds the objects the pod takes values from. A ConfigMap's values as
// environment are written as Environment=; a Secret's never enter a unit: each is a podman
// secret (Result.Secrets, named by SecretName after the Secret's stored version), named with
// Secret=...,type=env, which the node creates before the pod starts. A $(VAR) naming such a
// variable stays unexpanded. envFrom comes before env, a key that is no variable name is
// skipped with a warning, a missing optional object or key adds nothing, and a missing
// required one refuses the pod with a *MissingError once every other check passed.
//
// # Init containers
//
// Init containers start in order, before the containers: each is a oneshot service that the
// ones after it require; an init container with restartPolicy Always (a sidecar) is a
// normal service that the ones after it start after. Quadlet creates pods with
// --exit-policy=stop, which would stop the pod between an init container and the rest, or
// between a container's exit and its restart; the pod gets --exit-policy=continue instead.
//
// # What is ignored, and what is refused
//
// Every field of PodSpec, Container and the structs under them has a rule (fields.go): mapped,
// ignored with a warning ("not supported, ignored", with the reason), honoured elsewhere
// (nodeName and nodeSelector, by the scheduler), or refused with an error, when ignoring it
// would change what the workload does in a way a user relies on: env sources other than
// fieldRef, configMapKeyRef and secretKeyRef, other volume types, privileged containers, hostPID, hostIPC, gRPC probes,
// resource claims, volume devices. A test checks the rules against the Kubernetes types,
// so a field added to them cannot slip through. Resource requests only inform scheduling and
// are ignored with a warning; limits become --memory and --cpus (Quadlet 5.4 has no key
// for either).
package quadlet
