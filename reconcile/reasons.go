package reconcile

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// The reasons Kubernetes gives a waiting container, as `kubectl get pods` shows them.
const (
	ReasonContainerCreating = "ContainerCreating"
	ReasonCrashLoopBackOff  = "CrashLoopBackOff"
	// ReasonErrImagePull: the image could not be pulled; ReasonImagePullBackOff: it could
	// not, and the next try waits; ReasonErrImageNeverPull: it is not on the node and the
	// pull policy is Never.
	ReasonErrImagePull      = "ErrImagePull"
	ReasonImagePullBackOff  = "ImagePullBackOff"
	ReasonErrImageNeverPull = "ErrImageNeverPull"
)

// retrying tells whether a waiting container waits for a next try after a failure.
func retrying(cs ContainerStatus) bool {
	switch cs.Reason {
	case ReasonCrashLoopBackOff, ReasonErrImagePull, ReasonImagePullBackOff, ReasonErrImageNeverPull:
		return true
	}
	return false
}

var (
	// pasta: "Failed to bind port 8080 (Address already in use) for option '-t 8080-8080:8080-8080'".
	pastaBind = regexp.MustCompile(`Failed to bind port (\d+) \(Address already in use\) for option '-([tu]) `)
	// rootlessport, and Go's net errors in general: "listen tcp 0.0.0.0:8080: bind: address already in use".
	listenBind = regexp.MustCompile(`listen (tcp|udp)[46]? \S*:(\d+): bind: address already in use`)
)

// portInUse finds, in a message of podman's, the node port that another process holds.
func portInUse(msg string) (port int, protocol string, ok bool) {
	if m := pastaBind.FindStringSubmatch(msg); m != nil {
		port, _ = strconv.Atoi(m[1])
		return port, map[string]string{"t": "TCP", "u": "UDP"}[m[2]], true
	}
	if m := listenBind.FindStringSubmatch(msg); m != nil {
		port, _ = strconv.Atoi(m[2])
		return port, strings.ToUpper(m[1]), true
	}
	return 0, "", false
}

// portSentence says which port is taken, if msg is about a taken port.
func portSentence(msg string) string {
	if port, proto, ok := portInUse(msg); ok {
		return fmt.Sprintf("port %d/%s on the node is in use by another process", port, proto)
	}
	return ""
}

// startLimitSentence is what systemd's start limit means to a user.
const startLimitSentence = "systemd stopped restarting it after too many quick failures (start-limit-hit)"

// systemdGeneric matches the lines systemd writes about any failing unit, which say no more
// than the unit's state does.
var systemdGeneric = regexp.MustCompile(`^(\S+: )?(Failed with result '[a-z-]+'\.|(Control|Main) process exited, .*|Failed to start .*)$`)

// clarify turns the error line of a unit's journal into a sentence a user can act on: a
// taken port names the port, systemd's start limit says what it is, and a line of systemd's
// that says no more than the unit's state becomes ""; any other line stays as podman or the
// container wrote it.
func clarify(msg string) string {
	if s := portSentence(msg); s != "" {
		return s
	}
	if strings.Contains(msg, "start-limit-hit") || strings.Contains(msg, "Start request repeated too quickly") {
		return startLimitSentence
	}
	if systemdGeneric.MatchString(msg) {
		return ""
	}
	return msg
}

// imageReason is the Kubernetes reason for a container whose journal says its image
// could not be had, "" when it says something else. A first failure is ErrImagePull, the
// waits between the next tries ImagePullBackOff, as Kubernetes names them.
func imageReason(msg string, c ContainerSpec, u UnitState) string {
	switch {
	case imageMissing(msg) && c.Pull == "never":
		return ReasonErrImageNeverPull
	case imageMissing(msg) || pullFailed(msg):
		if u.NRestarts > 0 {
			return ReasonImagePullBackOff
		}
		return ReasonErrImagePull
	}
	return ""
}

func imageMissing(msg string) bool {
	l := strings.ToLower(msg)
	return strings.Contains(l, "image not known") || strings.Contains(l, "no such image") ||
		strings.Contains(l, "image not found")
}

func pullFailed(msg string) bool {
	l := strings.ToLower(msg)
	for _, s := range []string{
		"initializing source", "pinging container registry", "unable to pull", "manifest unknown",
		"reading manifest", "requested access to the resource is denied", "unable to copy from source",
		"short-name resolution",
	} {
		if strings.Contains(l, s) {
			return true
		}
	}
	return false
}

// podProblem says why the pod's own service (its infra container and network) is down or
// restarting: a taken port by itself, anything else after the service's name.
func podProblem(service string, u UnitState, journal string) string {
	if s := portSentence(journal); s != "" {
		return s
	}
	detail := clarify(journal)
	if detail == "" && u.Result == "start-limit-hit" {
		detail = startLimitSentence
	}
	return "pod service " + service + " failed" + withDetail(detail)
}

// waitingReason says why a pod that has no problem to report is not running and ready
// yet, or has ended: there is always something to say.
func waitingReason(st Status, d DesiredPod, pod UnitState) string {
	switch {
	case st.Phase == PhaseSucceeded:
		return "every container ran to completion"
	case st.Phase == PhaseFailed:
		return "a container ended in failure and will not restart"
	case pod.ActiveState != stateActive:
		return "the pod is starting"
	}
	for i, cs := range st.Containers {
		c := d.Containers[i]
		switch {
		case c.Init && cs.State != ContainerTerminated:
			return "init container " + c.Name + " has not completed yet"
		case !c.Init && cs.State == ContainerWaiting:
			return "container " + c.Name + " is starting"
		case !c.Init && !cs.Ready && cs.State == ContainerRunning && c.Gated():
			return "container " + c.Name + " has not passed its " + gatingProbe(c) + " yet"
		case !c.Init && !cs.Ready && cs.State == ContainerRunning:
			return "container " + c.Name + " is not ready yet"
		}
	}
	return "the pod is starting"
}

// gatingProbe names the probe the agent waits on before the container is ready: its
// startupProbe first, then its readinessProbe.
func gatingProbe(c ContainerSpec) string {
	if c.Startup != nil {
		return "startupProbe"
	}
	return "readinessProbe"
}
