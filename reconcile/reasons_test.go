package reconcile

import (
	"testing"

	corev1 "k8s.io/api/core/v1"

	"github.com/podman-swarm/podman-swarm/manifest"
)

// Each kind of failure gives the pod a phase as Kubernetes would show it, a reason that
// says what to do about it, and its container the reason Kubernetes gives.
func TestPodStatusReasons(t *testing.T) {
	web := desire(t, podSpec("web"))
	pulled := desire(t, podSpec("web", func(p *manifest.Pod) { p.Spec.Containers[0].ImagePullPolicy = corev1.PullIfNotPresent }))
	const pastaLine = "starting container e474bcdda533: pasta failed with exit code 1: Failed to bind port 18086 (Address already in use) for option '-t 18086-18086:18086-18086'"
	podDown := func(result string) func(*UnitState) {
		return func(u *UnitState) { u.ActiveState, u.SubState, u.Result = "failed", "failed", result }
	}
	waitingTry := func(n int) func(*UnitState) {
		return func(u *UnitState) {
			u.ActiveState, u.SubState, u.Result, u.NRestarts, u.ExecMainCode, u.ExecMainStatus = "activating", "auto-restart", "exit-code", n, 1, 125
		}
	}
	cases := []struct {
		name   string
		in     statusInput
		phase  Phase
		err    string
		reason string // the container's
	}{
		{"taken port, pasta", statusInput{pod: web, units: running(web).set(webSvc, podDown("exit-code")).set(webApp, stopped).Units,
			journal: map[string]string{webSvc: pastaLine}},
			PhasePending, "port 18086/TCP on the node is in use by another process", ReasonCrashLoopBackOff},
		{"taken port, rootlessport, systemd retrying", statusInput{pod: web, units: running(web).set(webSvc, waitingTry(2)).set(webApp, stopped).Units,
			journal: map[string]string{webSvc: "rootlessport listen udp 0.0.0.0:5353: bind: address already in use"}},
			PhasePending, "port 5353/UDP on the node is in use by another process", ReasonCrashLoopBackOff},
		{"taken port, the loop's start failed", statusInput{pod: web, units: running(web).set(webSvc, stopped).set(webApp, stopped).Units,
			journal: map[string]string{webSvc: "listen tcp4 :8080: bind: address already in use"}, startErr: "start failed (start x: job failed)"},
			PhasePending, "port 8080/TCP on the node is in use by another process", ReasonCrashLoopBackOff},
		{"start limit hit, nothing else in the journal", statusInput{pod: web, units: running(web).set(webSvc, podDown("start-limit-hit")).set(webApp, stopped).Units,
			journal: map[string]string{webSvc: "Failed to start swarm-default_web.service - pod default/web."}},
			PhasePending, "pod service swarm-default_web.service failed: " + startLimitSentence, ReasonCrashLoopBackOff},
		{"start limit hit, podman said why", statusInput{pod: web, units: running(web).set(webSvc, podDown("start-limit-hit")).set(webApp, stopped).Units,
			journal: map[string]string{webSvc: pastaLine}},
			PhasePending, "port 18086/TCP on the node is in use by another process", ReasonCrashLoopBackOff},
		{"start limit hit, read from systemd's line", statusInput{pod: web, units: running(web).set(webSvc, podDown("exit-code")).set(webApp, stopped).Units,
			journal: map[string]string{webSvc: "swarm-default_web.service: Failed with result 'start-limit-hit'."}},
			PhasePending, "pod service swarm-default_web.service failed: " + startLimitSentence, ReasonCrashLoopBackOff},
		{"container start limit hit", statusInput{pod: web, units: running(web).set(webApp, podDown("start-limit-hit")).Units},
			PhasePending, "container app does not start: " + startLimitSentence, ReasonContainerCreating},
		{"crash loop, never ran", statusInput{pod: web, units: running(web).set(webApp, autoRestart).Units,
			journal: map[string]string{webApp: "panic: boom"}},
			PhasePending, "container app keeps failing, systemd restarts it: panic: boom", ReasonCrashLoopBackOff},
		{"crash loop in a pod that ran", statusInput{pod: web, units: running(web).set(webApp, autoRestart).Units, ran: true,
			journal: map[string]string{webApp: "main process exited: segfault"}},
			PhaseRunning, "container app keeps failing, systemd restarts it: main process exited: segfault", ReasonCrashLoopBackOff},
		{"missing image, pull policy Never", statusInput{pod: web, units: running(web).set(webApp, waitingTry(0)).Units,
			journal: map[string]string{webApp: "localhost/web:1: image not known"}},
			PhasePending, "container app keeps failing, systemd restarts it: image localhost/web:1 not found and pull policy is Never; load it on this node (podman load or podman import)",
			ReasonErrImageNeverPull},
		{"pull failed, first try", statusInput{pod: pulled, units: running(pulled).set(webApp, waitingTry(0)).Units,
			journal: map[string]string{webApp: "initializing source docker://localhost/web:1: pinging container registry localhost: connection refused"}},
			PhasePending, "container app keeps failing, systemd restarts it: pull image localhost/web:1: initializing source docker://localhost/web:1: pinging container registry localhost: connection refused",
			ReasonErrImagePull},
		{"pull failed, later tries", statusInput{pod: pulled, units: running(pulled).set(webApp, waitingTry(3)).Units,
			journal: map[string]string{webApp: "unable to copy from source docker://localhost/web:1: reading manifest 1 in localhost/web: manifest unknown"}},
			PhasePending, "container app keeps failing, systemd restarts it: pull image localhost/web:1: unable to copy from source docker://localhost/web:1: reading manifest 1 in localhost/web: manifest unknown",
			ReasonImagePullBackOff},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			st := podStatus(c.in)
			var reason string
			if len(st.Containers) == 1 {
				reason = st.Containers[0].Reason
			}
			if st.Phase != c.phase || st.Error != c.err || reason != c.reason || st.Ready {
				t.Errorf("status = %s ready=%v error=%q container reason %q\nwant     %s ready=false error=%q container reason %q",
					st.Phase, st.Ready, st.Error, reason, c.phase, c.err, c.reason)
			}
		})
	}
}

// Whatever the units' states, a pod that is not running and ready says why.
func TestPodStatusAlwaysSaysWhy(t *testing.T) {
	withInit := podSpec("web", withSidecar)
	withInit.Spec.InitContainers = []corev1.Container{{Name: "setup", Image: "localhost/web:1", ImagePullPolicy: corev1.PullNever}}
	pods := []DesiredPod{
		desire(t, podSpec("web")),
		desire(t, withInit),
		desire(t, podSpec("web", withRestart(corev1.RestartPolicyNever))),
		desire(t, podSpec("web", withRestart(corev1.RestartPolicyOnFailure))),
	}
	states := map[string]func(*UnitState){
		"active":       func(*UnitState) {},
		"activating":   func(u *UnitState) { u.ActiveState, u.SubState = "activating", "start" },
		"auto-restart": autoRestart,
		"inactive":     stopped,
		"failed":       failed,
		"exited 0": func(u *UnitState) {
			u.ActiveState, u.SubState, u.ExecMainCode, u.ExecMainStatus = "inactive", "dead", 1, 0
		},
		"limit":      func(u *UnitState) { u.ActiveState, u.SubState, u.Result = "failed", "failed", "start-limit-hit" },
		"not loaded": func(u *UnitState) { *u = UnitState{LoadState: "not-found", ActiveState: "inactive"} },
	}
	for _, d := range pods {
		for _, s := range d.Services() {
			for name, set := range states {
				for _, startErr := range []string{"", "start failed (x)"} {
					st := podStatus(statusInput{pod: d, units: running(d).set(s, set).Units, startErr: startErr})
					if !(st.Phase == PhaseRunning && st.Ready) && st.Error == "" {
						t.Errorf("pod %s, %s %s, start error %q: %s ready=%v with no reason", d.Fingerprint, s, name, startErr, st.Phase, st.Ready)
					}
				}
			}
		}
	}
}

func TestClarify(t *testing.T) {
	cases := []struct{ msg, want string }{
		{"starting container e474bcdda533: pasta failed with exit code 1: Failed to bind port 18086 (Address already in use) for option '-t 18086-18086:18086-18086'",
			"port 18086/TCP on the node is in use by another process"},
		{"pasta failed with exit code 1: Failed to bind port 53 (Address already in use) for option '-u 10.0.0.5/53-53:53-53', exiting",
			"port 53/UDP on the node is in use by another process"},
		{"rootlessport listen tcp 0.0.0.0:8080: bind: address already in use", "port 8080/TCP on the node is in use by another process"},
		{"cannot listen on the TCP port: listen tcp6 [::]:443: bind: address already in use", "port 443/TCP on the node is in use by another process"},
		// Another error binding a port is no taken port.
		{"Failed to bind port 80 (Permission denied) for option '-t 80-80:80-80'", "Failed to bind port 80 (Permission denied) for option '-t 80-80:80-80'"},
		{"x.service: Start request repeated too quickly.", startLimitSentence},
		{"x.service: Failed with result 'start-limit-hit'.", startLimitSentence},
		{"x.service: Failed with result 'exit-code'.", ""},
		{"x.service: Control process exited, code=exited, status=125/n/a", ""},
		{"Failed to start x.service - pod default/web.", ""},
		{"panic: boom", "panic: boom"},
		{"", ""},
	}
	for _, c := range cases {
		if got := clarify(c.msg); got != c.want {
			t.Errorf("clarify(%q) = %q, want %q", c.msg, got, c.want)
		}
	}
}
