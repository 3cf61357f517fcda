package reconcile

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/podman-swarm/podman-swarm/manifest"
)

// Phase is a pod's phase, as Kubernetes names it.
type Phase string

// The phases of a pod.
const (
	// PhasePending: the pod is not running yet: its units are being written or started,
	// an init container runs, or no container has come up (a missing image, a crash
	// before the first start). A pod whose own service failed, or whose start failed, is
	// Pending too: the loop starts it again after a back-off, for as long as it is
	// assigned here, and its containers wait in CrashLoopBackOff meanwhile.
	PhasePending Phase = "Pending"
	// PhaseRunning: the pod runs and at least one container is up (or restarting).
	PhaseRunning Phase = "Running"
	// PhaseSucceeded: every container ended with status 0 and none will restart.
	PhaseSucceeded Phase = "Succeeded"
	// PhaseFailed: nothing will run the pod as it is: its units cannot be written or
	// loaded, or a container ended in failure and will not restart; Error says why.
	PhaseFailed Phase = "Failed"
)

// Container states, as Kubernetes names them.
const (
	ContainerWaiting    = "waiting"
	ContainerRunning    = "running"
	ContainerTerminated = "terminated"
)

// Status is what the node reports about one of its pods.
type Status struct {
	Phase Phase
	// Ready is set when the pod runs and every container is up and has no readiness or
	// startup probe: the pod can take traffic. podman's health check (the livenessProbe)
	// does not decide it.
	Ready bool
	// ReadyBarProbes is set when the pod would be Ready but for the containers whose
	// readiness is up to the agent's probes (running, with a readinessProbe or
	// startupProbe, left not Ready here): the agent's status writer makes it Ready once
	// their probes pass.
	ReadyBarProbes bool
	// Restarts sums systemd's automatic restarts of the pod's containers since the pod
	// was last started.
	Restarts int
	// Error says, in one sentence, why the pod is not running and ready (never "" then),
	// or the last problem of one that is ("" when there is none).
	Error string
	// Ports are the ports the pod publishes on the node.
	Ports []manifest.PublishedPort
	// Containers are the containers' states, init containers first.
	Containers []ContainerStatus
	// TemplateHash is that of the desired pod the status was worked out for (see
	// DesiredPod.TemplateHash).
	TemplateHash string
}

// ContainerStatus is one container's state.
type ContainerStatus struct {
	Name string
	// State is ContainerWaiting, ContainerRunning or ContainerTerminated.
	State string
	// Ready: running and without a readiness or startup probe (the agent's probes decide
	// for one with them).
	Ready    bool
	Restarts int
	// Started is when the container last started running, from systemd; zero when it does
	// not run. With Restarts it tells one run of the container from the next, which starts
	// its probes over.
	Started time.Time `json:",omitzero"`
	// ExitCode is the last exit status of a terminated container (128+signal when killed).
	ExitCode int
	// Reason says why it waits or ended, e.g. "CrashLoopBackOff", "Completed", "Error".
	Reason string
}

// Equal tells whether two statuses report the same thing.
func (s Status) Equal(o Status) bool {
	return s.TemplateHash == o.TemplateHash && s.Phase == o.Phase && s.Ready == o.Ready && s.ReadyBarProbes == o.ReadyBarProbes && s.Restarts == o.Restarts && s.Error == o.Error &&
		slices.Equal(s.Ports, o.Ports) && slices.Equal(s.Containers, o.Containers)
}

// statusInput is everything a pod's status is made of.
type statusInput struct {
	pod   DesiredPod
	units map[string]UnitState
	// journal maps a service to the last error line in its journal.
	journal map[string]string
	// blocked says why the pod cannot be written; notLoaded why systemd has no unit for
	// one of its files; startErr why its last start failed.
	blocked, notLoaded, startErr string
	// ran is set when the pod has been seen Running since it was last started: a
	// container that systemd restarts then keeps the pod Running, as in Kubernetes.
	ran bool
}

// podStatus works a pod's status out of its units' states. It is pure.
func podStatus(in statusInput) Status {
	d := in.pod
	st := Status{Ports: d.Ports, TemplateHash: d.TemplateHash}
	var running, restarting, waiting, failedEnd, initPending, initFailed bool
	allReady, allButProbes := true, true
	var problems []string
	unit := func(s string) UnitState {
		// What systemd remembers of a unit without a file (a pod of the same name
		// that ran before) is not this pod's.
		if u := in.units[s]; u.loaded() {
			return u
		}
		return UnitState{}
	}
	pod := unit(d.PodService)
	podFailed := pod.ActiveState == stateFailed
	// Quadlet gives the pod service Restart=on-failure: between its own tries systemd
	// holds it in auto-restart, which is a failure too, only not a final one.
	podRetrying := pod.SubState == "auto-restart" || pod.ActiveState == stateActivating && pod.NRestarts > 0
	// The pod's service is down after a failure, or the loop's last start of it failed:
	// the loop starts it again after a back-off, so none of its containers can run now
	// and each waits for that next try.
	backingOff := podFailed || podRetrying || in.startErr != "" && pod.down()
	for _, c := range d.Containers {
		u := unit(c.Service)
		cs := containerStatus(c, u, in.journal[c.Service])
		if backingOff {
			cs = ContainerStatus{Name: c.Name, State: ContainerWaiting, Reason: ReasonCrashLoopBackOff, Restarts: cs.Restarts}
		}
		st.Restarts += cs.Restarts
		st.Containers = append(st.Containers, cs)
		if detail := containerProblem(c, cs, u, in.journal[c.Service]); detail != "" {
			problems = append(problems, detail)
		}
		if c.Init {
			switch {
			case cs.State == ContainerTerminated && cs.ExitCode == 0:
			case cs.State == ContainerTerminated && c.Restart == "no":
				initFailed = true
			default:
				initPending = true
			}
			continue
		}
		allReady = allReady && cs.Ready
		allButProbes = allButProbes && (cs.Ready || cs.State == ContainerRunning && c.Gated())
		switch cs.State {
		case ContainerRunning:
			running = true
		case ContainerWaiting:
			waiting = true
			restarting = restarting || retrying(cs)
		case ContainerTerminated:
			failedEnd = failedEnd || cs.ExitCode != 0
		}
	}
	switch {
	case in.blocked != "" || in.notLoaded != "":
		st.Phase = PhaseFailed
	case pod.ActiveState != stateActive || backingOff:
		st.Phase = PhasePending
	case initFailed:
		st.Phase = PhaseFailed
	case initPending:
		st.Phase = PhasePending
	case running || restarting && in.ran:
		st.Phase = PhaseRunning
	case waiting:
		st.Phase = PhasePending
	case failedEnd:
		st.Phase = PhaseFailed
	default:
		st.Phase = PhaseSucceeded
	}
	st.Ready = st.Phase == PhaseRunning && allReady
	st.ReadyBarProbes = st.Phase == PhaseRunning && allButProbes
	// The most specific reason first: a container's own journal says more than the
	// failed job of the start that brought it up.
	switch {
	case in.blocked != "":
		st.Error = in.blocked
	case in.notLoaded != "":
		st.Error = in.notLoaded
	case podFailed || podRetrying:
		st.Error = podProblem(d.PodService, pod, in.journal[d.PodService])
	case in.startErr != "" && pod.down() && clarify(in.journal[d.PodService]) != "":
		st.Error = podProblem(d.PodService, pod, in.journal[d.PodService])
	case in.startErr != "" && pod.down():
		st.Error = in.startErr
	case len(problems) > 0:
		st.Error = problems[0]
	case in.startErr != "":
		st.Error = in.startErr
	case !st.Ready:
		st.Error = waitingReason(st, d, pod)
	}
	return st
}

// containerStatus reads one container's state from its service; journal is the error
// line of its last messages, which tells an image that cannot be had from a crash.
func containerStatus(c ContainerSpec, u UnitState, journal string) ContainerStatus {
	cs := ContainerStatus{Name: c.Name, Restarts: u.NRestarts}
	exited := u.ExecMainCode != 0 // the main process ran and ended at least once
	switch {
	case c.Init && u.ActiveState == stateActive:
		// A oneshot init container stays "active (exited)" once it succeeded.
		cs.State, cs.Reason = ContainerTerminated, "Completed"
	case u.ActiveState == stateActive:
		cs.State = ContainerRunning
		cs.Ready = !c.Gated()
		cs.Started = u.ActiveEnter
	case u.ActiveState == stateActivating && (u.SubState == "auto-restart" || u.NRestarts > 0):
		// Between two tries systemd says "auto-restart", during a try "start"; both are
		// the same crash loop to a user.
		cs.State, cs.Reason = ContainerWaiting, ReasonCrashLoopBackOff
		if r := imageReason(journal, c, u); r != "" {
			cs.Reason = r
		}
	case u.ActiveState == stateActivating:
		cs.State, cs.Reason = ContainerWaiting, "ContainerCreating"
	case (u.ActiveState == stateFailed || u.ActiveState == stateInactive) && exited && c.Restart != "always":
		cs.State = ContainerTerminated
		cs.ExitCode = exitCode(u)
		cs.Reason = "Completed"
		if cs.ExitCode != 0 {
			cs.Reason = "Error"
		}
	default:
		cs.State, cs.Reason = ContainerWaiting, "ContainerCreating"
	}
	return cs
}

// exitCode is the main process's exit status, or 128+signal as a shell reports it.
func exitCode(u UnitState) int {
	const cldExited = 1
	if u.ExecMainCode == cldExited {
		return u.ExecMainStatus
	}
	return 128 + u.ExecMainStatus
}

// containerProblem says what is wrong with a container, if anything. The words stay the
// same from one try of a crash loop to the next, so that a loop is reported once, not at
// every try.
func containerProblem(c ContainerSpec, cs ContainerStatus, u UnitState, journal string) string {
	detail := withDetail(explain(journal, c))
	switch {
	case cs.State == ContainerWaiting && retrying(cs):
		return "container " + c.Name + " keeps failing, systemd restarts it" + detail
	case u.ActiveState == stateFailed || cs.Reason == "Error":
		what := fmt.Sprintf("exited with status %d", exitCode(u))
		switch {
		case u.Result == "start-limit-hit":
			what = "does not start: " + startLimitSentence
		case u.Result != "" && u.Result != "success" && u.Result != "exit-code":
			what = "ended: " + u.Result
		}
		return "container " + c.Name + " " + what + detail
	}
	return ""
}

func withDetail(s string) string {
	if s == "" {
		return ""
	}
	return ": " + s
}

// containerName is the podman name of a container: its service without ".service".
func containerName(c ContainerSpec) string { return strings.TrimSuffix(c.Service, ".service") }

// needsJournal lists the services whose journal explains a problem: those that failed or
// are waiting to restart after a failure.
func needsJournal(d DesiredPod, units map[string]UnitState) []string {
	var out []string
	for _, s := range d.Services() {
		u := units[s]
		if u.ActiveState == stateFailed || u.SubState == "auto-restart" || u.ActiveState == stateActivating && u.NRestarts > 0 ||
			u.down() && u.Result != "" && u.Result != "success" {
			out = append(out, s)
		}
	}
	return out
}

// lastError picks the line of a unit's last messages that says what went wrong: podman's
// last "Error: ..." (with the line after it when it ends in a colon, as podman's errors
// that quote another program's do), else the last line that mentions an error or failure,
// else "". Container and pod IDs are cut to podman's short form.
func lastError(lines []string) string {
	for i := len(lines) - 1; i >= 0; i-- {
		if msg, ok := strings.CutPrefix(lines[i], "Error: "); ok {
			if strings.HasSuffix(msg, ":") && i+1 < len(lines) {
				msg += " " + lines[i+1]
			}
			return shortIDs(msg)
		}
	}
	for i := len(lines) - 1; i >= 0; i-- {
		l := strings.ToLower(lines[i])
		if strings.Contains(l, "error") || strings.Contains(l, "failed") {
			return shortIDs(lines[i])
		}
	}
	return ""
}

var longID = regexp.MustCompile(`\b([0-9a-f]{12})[0-9a-f]{52}\b`)

// shortIDs cuts 64-digit podman IDs to their first 12 digits.
func shortIDs(s string) string { return longID.ReplaceAllString(s, "$1") }

// explain turns podman's message about a container into a sentence a user can act on.
func explain(msg string, c ContainerSpec) string {
	switch {
	case imageMissing(msg) && c.Pull == "never":
		return fmt.Sprintf("image %s not found and pull policy is Never; load it on this node (podman load or podman import)", c.Image)
	case pullFailed(msg):
		return fmt.Sprintf("pull image %s: %s", c.Image, msg)
	}
	return clarify(msg)
}
