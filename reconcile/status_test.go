package reconcile

import (
	"reflect"
	"testing"

	corev1 "k8s.io/api/core/v1"

	"github.com/podman-swarm/podman-swarm/manifest"
	"github.com/podman-swarm/podman-swarm/quadlet"
)

func TestPodStatus(t *testing.T) {
	web := desire(t, podSpec("web"))
	probed := podSpec("web")
	probed.Spec.Containers[0].ReadinessProbe = readinessProbe()
	webProbed := desire(t, probed)
	live := podSpec("web")
	live.Spec.Containers[0].LivenessProbe = readinessProbe()
	webLive := desire(t, live)
	once := desire(t, podSpec("web", withRestart(corev1.RestartPolicyNever)))
	retry := desire(t, podSpec("web", withRestart(corev1.RestartPolicyOnFailure)))
	withInit := podSpec("web")
	withInit.Spec.InitContainers = []corev1.Container{{Name: "setup", Image: "localhost/web:1", ImagePullPolicy: corev1.PullNever}}
	webInit := desire(t, withInit)
	const setupSvc = "swarm-default_web_setup.service"

	exited := func(code int) func(*UnitState) {
		return func(u *UnitState) {
			u.ActiveState, u.SubState, u.ExecMainCode, u.ExecMainStatus = "inactive", "dead", 1, code
			if code != 0 {
				u.ActiveState, u.SubState, u.Result = "failed", "failed", "exit-code"
			}
		}
	}
	imageMissing := func(u *UnitState) {
		autoRestart(u)
		u.ExecMainCode, u.ExecMainStatus = 1, 125
	}
	cases := []struct {
		name     string
		in       statusInput
		phase    Phase
		ready    bool
		restarts int
		err      string
	}{
		{"running", statusInput{pod: web, units: running(web).Units}, PhaseRunning, true, 0, ""},
		{"not started yet", statusInput{pod: web, units: notLoaded(web).Units}, PhasePending, false, 0, "the pod is starting"},
		{"not started yet, a pod of that name failed before", statusInput{pod: web, units: notLoaded(web).set(webApp, func(u *UnitState) {
			u.ActiveState, u.Result, u.ExecMainCode, u.ExecMainStatus = "failed", "exit-code", 1, 2
		}).Units}, PhasePending, false, 0, "the pod is starting"},
		{"pod service starting", statusInput{pod: web, units: running(web).set(webSvc, func(u *UnitState) { u.ActiveState = "activating" }).Units},
			PhasePending, false, 0, "the pod is starting"},
		{"container restarted by systemd", statusInput{pod: web, units: running(web).set(webApp, func(u *UnitState) { u.NRestarts = 2 }).Units},
			PhaseRunning, true, 2, ""},
		// The agent's readiness probe decides, in the status writer; nothing is wrong here.
		{"readiness probe: up to the agent", statusInput{pod: webProbed, units: running(webProbed).Units},
			PhaseRunning, false, 0, "container app has not passed its readinessProbe yet"},
		{"liveness probe: podman's, not readiness", statusInput{pod: webLive, units: running(webLive).Units},
			PhaseRunning, true, 0, ""},
		{"image missing with pull policy Never", statusInput{pod: web, units: running(web).set(webApp, imageMissing).Units,
			journal: map[string]string{webApp: "localhost/web:1: image not known"}},
			PhasePending, false, 3, "container app keeps failing, systemd restarts it: image localhost/web:1 not found and pull policy is Never; load it on this node (podman load or podman import)"},
		{"image missing, during the next try", statusInput{pod: web, units: running(web).set(webApp, func(u *UnitState) {
			u.ActiveState, u.SubState, u.Result, u.NRestarts = "activating", "start", "success", 4
		}).Units, journal: map[string]string{webApp: "localhost/web:1: image not known"}},
			PhasePending, false, 4, "container app keeps failing, systemd restarts it: image localhost/web:1 not found and pull policy is Never; load it on this node (podman load or podman import)"},
		{"pod service failed", statusInput{pod: web, units: running(web).set(webSvc, failed).set(webApp, stopped).Units,
			journal: map[string]string{webSvc: "rootlessport listen tcp 0.0.0.0:8080: bind: address already in use"}},
			PhasePending, false, 0, "port 8080/TCP on the node is in use by another process"},
		{"pod service retrying by itself", statusInput{pod: web, units: running(web).set(webSvc, func(u *UnitState) {
			u.ActiveState, u.SubState, u.Result = "activating", "auto-restart", "exit-code"
		}).set(webApp, stopped).Units, journal: map[string]string{webSvc: "port taken"}, startErr: "start failed (start x: job failed)"},
			PhasePending, false, 0, "pod service swarm-default_web.service failed: port taken"},
		{"start failed, pod down", statusInput{pod: web, units: running(web).set(webSvc, stopped).set(webApp, stopped).Units, startErr: "start swarm-default_web.service: job failed"},
			PhasePending, false, 0, "start swarm-default_web.service: job failed"},
		{"start failed earlier, pod up now", statusInput{pod: web, units: running(web).Units, startErr: "start swarm-default_web.service: job failed"},
			PhaseRunning, true, 0, "start swarm-default_web.service: job failed"},
		{"Never: exited 0", statusInput{pod: once, units: running(once).set("swarm-default_web_app.service", exited(0)).Units},
			PhaseSucceeded, false, 0, "every container ran to completion"},
		{"Never: exited 1", statusInput{pod: once, units: running(once).set("swarm-default_web_app.service", exited(1)).Units},
			PhaseFailed, false, 0, "container app exited with status 1"},
		{"OnFailure: exited 0", statusInput{pod: retry, units: running(retry).set("swarm-default_web_app.service", exited(0)).Units},
			PhaseSucceeded, false, 0, "every container ran to completion"},
		{"Always: stopped by hand is waiting, not done", statusInput{pod: web, units: running(web).set(webApp, exited(0)).Units},
			PhasePending, false, 0, "container app is starting"},
		{"killed by a signal", statusInput{pod: once, units: running(once).set("swarm-default_web_app.service", func(u *UnitState) {
			u.ActiveState, u.Result, u.ExecMainCode, u.ExecMainStatus = "failed", "signal", 2, 9
		}).Units}, PhaseFailed, false, 0, "container app ended: signal"},
		{"container restarting in a pod that ran", statusInput{pod: web, units: running(web).set(webApp, autoRestart).Units, ran: true,
			journal: map[string]string{webApp: "panic: boom"}},
			PhaseRunning, false, 3, "container app keeps failing, systemd restarts it: panic: boom"},
		{"init container running", statusInput{pod: webInit, units: running(webInit).set(setupSvc, func(u *UnitState) { u.ActiveState = "activating" }).set(webApp, stopped).Units},
			PhasePending, false, 0, "init container setup has not completed yet"},
		{"init container done", statusInput{pod: webInit, units: running(webInit).Units}, PhaseRunning, true, 0, ""},
		{"init container failed, will retry", statusInput{pod: webInit, units: running(webInit).set(setupSvc, exited(1)).set(webApp, stopped).Units},
			PhasePending, false, 0, "container setup exited with status 1"},
		{"blocked", statusInput{pod: web, units: map[string]UnitState{}, blocked: "in the way"}, PhaseFailed, false, 0, "in the way"},
		{"not loaded after a reload", statusInput{pod: web, units: notLoaded(web).Units, notLoaded: "Quadlet refused it"}, PhaseFailed, false, 0, "Quadlet refused it"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			st := podStatus(c.in)
			if st.Phase != c.phase || st.Ready != c.ready || st.Restarts != c.restarts || st.Error != c.err {
				t.Errorf("status = %s ready=%v restarts=%d error=%q\nwant     %s ready=%v restarts=%d error=%q",
					st.Phase, st.Ready, st.Restarts, st.Error, c.phase, c.ready, c.restarts, c.err)
			}
		})
	}
}

// A container with a readinessProbe or startupProbe runs not Ready here: the agent's probes
// decide, and ReadyBarProbes tells that nothing else stands in the way.
func TestPodStatusReadyBarProbes(t *testing.T) {
	gated := podSpec("web", withSidecar)
	gated.Spec.Containers[0].StartupProbe = readinessProbe()
	d := desire(t, gated)
	for _, c := range []struct {
		name                string
		units               map[string]UnitState
		ready, barProbes    bool
		appReady, sideReady bool
	}{
		{"all running", running(d).Units, false, true, false, true},
		{"the sidecar crash-loops", running(d).set("swarm-default_web_side.service", autoRestart).Units, false, false, false, false},
		{"the gated container crash-loops", running(d).set(webApp, autoRestart).Units, false, false, false, true},
		{"pod service starting", running(d).set(webSvc, func(u *UnitState) { u.ActiveState = "activating" }).Units, false, false, false, true},
	} {
		st := podStatus(statusInput{pod: d, units: c.units, ran: true})
		if st.Ready != c.ready || st.ReadyBarProbes != c.barProbes || st.Containers[0].Ready != c.appReady || st.Containers[1].Ready != c.sideReady {
			t.Errorf("%s: ready=%v barProbes=%v containers %+v, want ready=%v barProbes=%v app %v side %v",
				c.name, st.Ready, st.ReadyBarProbes, st.Containers, c.ready, c.barProbes, c.appReady, c.sideReady)
		}
	}
	plain := desire(t, podSpec("web"))
	if st := podStatus(statusInput{pod: plain, units: running(plain).Units}); !st.Ready || !st.ReadyBarProbes {
		t.Errorf("no probes: ready=%v barProbes=%v, want both", st.Ready, st.ReadyBarProbes)
	}
	a := podStatus(statusInput{pod: d, units: running(d).Units})
	b := a
	b.ReadyBarProbes = false
	if a.Equal(b) {
		t.Error("Equal ignores ReadyBarProbes")
	}
}

func TestPodStatusPortsAndContainers(t *testing.T) {
	web := desire(t, podSpec("web", withSidecar))
	st := podStatus(statusInput{pod: web, units: running(web).set("swarm-default_web_side.service", autoRestart).Units})
	want := []manifest.PublishedPort{{Container: "app", ContainerPort: 8080, HostPort: 8080, Protocol: corev1.ProtocolTCP}}
	if len(st.Ports) != 1 || st.Ports[0] != want[0] {
		t.Errorf("ports = %+v, want %+v", st.Ports, want)
	}
	wantC := []ContainerStatus{
		{Name: "app", State: ContainerRunning, Ready: true, Started: t1},
		{Name: "side", State: ContainerWaiting, Restarts: 3, Reason: "CrashLoopBackOff"},
	}
	if len(st.Containers) != 2 || st.Containers[0] != wantC[0] || st.Containers[1] != wantC[1] {
		t.Errorf("containers = %+v, want %+v", st.Containers, wantC)
	}
	if st.Ready || st.Phase != PhaseRunning {
		t.Errorf("one container crash-looping: %s ready=%v, want Running, not ready", st.Phase, st.Ready)
	}
	other := st
	other.Containers = append([]ContainerStatus(nil), st.Containers...)
	if !st.Equal(other) {
		t.Error("Equal: a copy differs")
	}
	other.Containers[1].Restarts++
	if st.Equal(other) {
		t.Error("Equal: a container's restart count makes no difference")
	}
}

func TestLastError(t *testing.T) {
	cases := []struct {
		lines []string
		want  string
	}{
		{nil, ""},
		{[]string{"Starting x...", "Started x."}, ""},
		{[]string{"Error: localhost/web:1: image not known", "x.service: Main process exited, code=exited, status=125/n/a", "x.service: Failed with result 'exit-code'."},
			"localhost/web:1: image not known"},
		{[]string{"x.service: Main process exited, code=exited, status=1/FAILURE", "x.service: Failed with result 'exit-code'."},
			"x.service: Failed with result 'exit-code'."},
		{[]string{
			"Failed to bind port 18086 (Address already in use) for option '-t 18086-18086:18086-18086'",
			"Error: starting container e474bcdda5334c0c50e7da33d849e4b238ddce94211ceeea08c8f47f89f6cb28: pasta failed with exit code 1:",
			"Failed to bind port 18086 (Address already in use) for option '-t 18086-18086:18086-18086'",
			"x.service: Control process exited, code=exited, status=125/n/a",
		}, "starting container e474bcdda533: pasta failed with exit code 1: Failed to bind port 18086 (Address already in use) for option '-t 18086-18086:18086-18086'"},
	}
	for _, c := range cases {
		if got := lastError(c.lines); got != c.want {
			t.Errorf("lastError(%q) = %q, want %q", c.lines, got, c.want)
		}
	}
}

func TestExplain(t *testing.T) {
	never := ContainerSpec{Image: "localhost/web:1", Pull: "never"}
	missing := ContainerSpec{Image: "docker.io/library/nginx:1", Pull: "missing"}
	cases := []struct {
		msg  string
		c    ContainerSpec
		want string
	}{
		{"localhost/web:1: image not known", never, "image localhost/web:1 not found and pull policy is Never; load it on this node (podman load or podman import)"},
		{"initializing source docker://nginx:1: pinging container registry registry-1.docker.io: dial tcp: lookup registry-1.docker.io: no such host", missing,
			"pull image docker.io/library/nginx:1: initializing source docker://nginx:1: pinging container registry registry-1.docker.io: dial tcp: lookup registry-1.docker.io: no such host"},
		{"something else", never, "something else"},
	}
	for _, c := range cases {
		if got := explain(c.msg, c.c); got != c.want {
			t.Errorf("explain(%q) = %q, want %q", c.msg, got, c.want)
		}
	}
}

func TestPickContainer(t *testing.T) {
	one := desire(t, podSpec("web"))
	two := desire(t, podSpec("web", withSidecar))
	if c, err := pickContainer(one, ""); err != nil || c.Name != "app" {
		t.Errorf("one container, no name: %v, %v", c.Name, err)
	}
	if _, err := pickContainer(two, ""); err == nil || err.Error() != "the pod has containers app, side; name one" {
		t.Errorf("two containers, no name: %v", err)
	}
	if c, err := pickContainer(two, "side"); err != nil || c.Service != "swarm-default_web_side.service" {
		t.Errorf("named: %v, %v", c.Service, err)
	}
	if _, err := pickContainer(two, "nope"); err == nil {
		t.Error("unknown name: no error")
	}
}

func TestDesiredPod(t *testing.T) {
	p := podSpec("web", withSidecar)
	p.Spec.InitContainers = []corev1.Container{{Name: "setup", Image: "localhost/web:1"}}
	p.Spec.Containers[0].ReadinessProbe = readinessProbe()
	p.Spec.Containers[0].LivenessProbe = readinessProbe()
	d := desire(t, p)
	probe := &quadlet.Probe{Kind: quadlet.ProbeExec, Command: []string{"/web", "-probe"}, PeriodSeconds: 10, TimeoutSeconds: 1, SuccessThreshold: 1, FailureThreshold: 3}
	want := []ContainerSpec{
		{Name: "setup", Service: "swarm-default_web_setup.service", Init: true, Restart: "on-failure", Image: "localhost/web:1", Pull: "missing"},
		{Name: "app", Service: "swarm-default_web_app.service", Restart: "always", Health: true, Liveness: probe, Readiness: probe, Image: "localhost/web:1", Pull: "never"},
		{Name: "side", Service: "swarm-default_web_side.service", Restart: "always", Image: "localhost/side:1", Pull: "never"},
	}
	if len(d.Containers) != len(want) {
		t.Fatalf("containers = %+v", d.Containers)
	}
	for i := range want {
		if !reflect.DeepEqual(d.Containers[i], want[i]) {
			t.Errorf("container %d = %+v, want %+v", i, d.Containers[i], want[i])
		}
	}
	if d.PodService != "swarm-default_web.service" || d.Fingerprint == "" {
		t.Errorf("pod service %q, fingerprint %q", d.PodService, d.Fingerprint)
	}
	if d2 := desire(t, podSpec("web", withSidecar)); d2.Fingerprint == d.Fingerprint {
		t.Error("two different pods have one fingerprint")
	}
}
