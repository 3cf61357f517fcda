package reconcile

import (
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
)

// lines writes actions one per line, in the order they are applied, for comparing.
func (a Actions) lines() []string {
	var out []string
	for _, w := range a.Write {
		out = append(out, "write "+w.Name)
	}
	for _, s := range a.Stop {
		out = append(out, "stop "+s.Key+": "+strings.Join(s.Stop, " "))
	}
	for _, v := range a.Volumes {
		out = append(out, "volume "+v.Name)
	}
	for _, r := range a.Remove {
		out = append(out, "remove "+r)
	}
	if a.Reload {
		out = append(out, "reload")
	}
	for _, s := range a.Start {
		line := "start " + s.Key + ": " + strings.Join(s.Start, " ")
		if len(s.Stop) > 0 {
			line += " (stop first: " + strings.Join(s.Stop, " ") + ")"
		}
		out = append(out, line)
	}
	for _, s := range a.Restart {
		out = append(out, "restart "+s.Key+": stop "+strings.Join(s.Stop, " ")+"; start "+strings.Join(s.Start, " "))
	}
	for _, k := range a.Keep {
		out = append(out, "keep "+k)
	}
	for _, k := range slices.Sorted(maps.Keys(a.Blocked)) {
		out = append(out, "blocked "+k+": "+a.Blocked[k])
	}
	return out
}

func TestPlan(t *testing.T) {
	web := desire(t, podSpec("web"))
	web2 := desire(t, podSpec("web", withImage("localhost/web:2")))
	webSide := desire(t, podSpec("web", withSidecar))
	webVol := desire(t, podSpec("web", withVolume))
	api := desire(t, podSpec("api"))
	once := desire(t, podSpec("once", withRestart(corev1.RestartPolicyNever)))

	const (
		podFile  = "swarm-default_web.pod"
		appFile  = "swarm-default_web_app.container"
		sideFile = "swarm-default_web_side.container"
		volFile  = "swarm-default_web_data.volume"
		podSvc   = "swarm-default_web.service"
		appSvc   = "swarm-default_web_app.service"
		sideSvc  = "swarm-default_web_side.service"
		volSvc   = "swarm-default_web_data_volume.service"
		apiSvc   = "swarm-default_api.service"
		apiApp   = "swarm-default_api_app.service"
	)
	cases := []struct {
		name    string
		desired []DesiredPod
		obs     Observed
		want    []string
	}{
		{"nothing", nil, running(), nil},
		{"new pod: write, one reload, start", []DesiredPod{web}, running(), []string{
			"write " + podFile, "write " + appFile, "reload",
			"start default/web: " + podSvc + " " + appSvc,
		}},
		{"running as desired: keep", []DesiredPod{web}, running(web), []string{"keep default/web"}},
		{"changed image while running: write, reload, restart", []DesiredPod{web2}, running(web), []string{
			"write " + appFile, "reload",
			"restart default/web: stop " + podSvc + " " + appSvc + "; start " + podSvc + " " + appSvc,
		}},
		{"changed while stopped: write, reload, start", []DesiredPod{web2},
			running(web).set(podSvc, stopped).set(appSvc, stopped), []string{
				"write " + appFile, "reload", "start default/web: " + podSvc + " " + appSvc,
			}},
		{"file deleted by hand: put back, restart", []DesiredPod{web}, deleteFile(running(web), appFile), []string{
			"write " + appFile, "reload",
			"restart default/web: stop " + podSvc + " " + appSvc + "; start " + podSvc + " " + appSvc,
		}},
		{"file edited by hand: put back, restart", []DesiredPod{web}, editFile(running(web), appFile, "# edited\n"), []string{
			"write " + appFile, "reload",
			"restart default/web: stop " + podSvc + " " + appSvc + "; start " + podSvc + " " + appSvc,
		}},
		{"written but not reloaded before a crash: reload, restart", []DesiredPod{web},
			touch(running(web), appFile).set(appSvc, func(u *UnitState) { u.NeedDaemonReload = true }), []string{
				"reload",
				"restart default/web: stop " + podSvc + " " + appSvc + "; start " + podSvc + " " + appSvc,
			}},
		{"reloaded but not restarted before a crash: restart only", []DesiredPod{web}, touch(running(web), appFile), []string{
			"restart default/web: stop " + podSvc + " " + appSvc + "; start " + podSvc + " " + appSvc,
		}},
		{"new pod written but not loaded before a crash: reload, start", []DesiredPod{web}, notLoaded(web), []string{
			"reload", "start default/web: " + podSvc + " " + appSvc,
		}},
		{"unit needs a reload, nothing changed: reload, no restart", []DesiredPod{web},
			running(web).set(podSvc, func(u *UnitState) { u.NeedDaemonReload = true }), []string{"reload", "keep default/web"}},
		{"gone pod running: stop, remove, reload", nil, running(web), []string{
			"stop default/web: " + podSvc + " " + appSvc,
			"remove " + podFile, "remove " + appFile, "reload",
		}},
		{"gone pod already stopped (a crash after the stop): remove, reload", nil,
			running(web).set(podSvc, stopped).set(appSvc, stopped), []string{
				"remove " + podFile, "remove " + appFile, "reload",
			}},
		{"gone pod with a volume: stop, delete the volume, remove", nil, running(webVol), []string{
			"stop default/web: " + podSvc + " " + appSvc + " " + volSvc,
			"volume swarm-default_web_data",
			"remove " + podFile, "remove " + appFile, "remove " + volFile, "reload",
		}},
		{"pod replaced by another: stop the old, start the new", []DesiredPod{api}, running(web), []string{
			"write swarm-default_api.pod", "write swarm-default_api_app.container",
			"stop default/web: " + podSvc + " " + appSvc,
			"remove " + podFile, "remove " + appFile, "reload",
			"start default/api: " + apiSvc + " " + apiApp,
		}},
		{"container dropped from a running pod: restart, its service stopped, its file removed", []DesiredPod{web}, running(webSide), []string{
			"remove " + sideFile, "reload",
			"restart default/web: stop " + podSvc + " " + appSvc + " " + sideSvc + "; start " + podSvc + " " + appSvc,
		}},
		{"pod service failed: start", []DesiredPod{web}, running(web).set(podSvc, failed).set(appSvc, stopped), []string{
			"start default/web: " + podSvc + " " + appSvc,
		}},
		{"container stopped by hand while the pod runs: start", []DesiredPod{web}, running(web).set(appSvc, stopped), []string{
			"start default/web: " + podSvc + " " + appSvc,
		}},
		{"container in systemd's auto-restart: keep", []DesiredPod{web}, running(web).set(appSvc, autoRestart), []string{"keep default/web"}},
		{"container of a Never pod that exited: keep", []DesiredPod{once}, running(once).set("swarm-default_once_app.service", stopped),
			[]string{"keep default/once"}},
		{"pod starting: keep", []DesiredPod{web}, running(web).set(podSvc, func(u *UnitState) { u.ActiveState = "activating" }),
			[]string{"keep default/web"}},
		{"foreign files are never touched", nil, foreign(running(), "swarm-default_x.pod", "web.container", "swarm-default_web.pod.d"), nil},
		{"a foreign file in the way blocks the pod", []DesiredPod{web, api}, foreign(running(), appFile), []string{
			"write swarm-default_api.pod", "write swarm-default_api_app.container", "reload",
			"start default/api: " + apiSvc + " " + apiApp,
			"blocked default/web: the unit file " + appFile + " exists and was not written by podman-swarm; move it away",
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := Plan(c.desired, c.obs).lines()
			if !slices.Equal(got, c.want) {
				t.Errorf("Plan:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(c.want, "\n"))
			}
		})
	}
}

func TestPlanEmpty(t *testing.T) {
	web := desire(t, podSpec("web"))
	if a := Plan([]DesiredPod{web}, running(web)); !a.Empty() {
		t.Errorf("a pod running as desired: Empty() = false, actions %q", a.lines())
	}
	for _, a := range []Actions{
		{Reload: true}, {Write: []UnitFile{{}}}, {Stop: []PodStep{{}}}, {Remove: []string{"x"}},
		{Volumes: []Volume{{}}}, {Start: []PodStep{{}}}, {Restart: []PodStep{{}}},
	} {
		if a.Empty() {
			t.Errorf("Empty() = true for %+v", a)
		}
	}
}

func TestPlanSameKeyTwice(t *testing.T) {
	web, web2 := desire(t, podSpec("web")), desire(t, podSpec("web", withImage("localhost/web:2")))
	got := Plan([]DesiredPod{web, web2}, running(web)).lines()
	if want := []string{"keep default/web"}; !slices.Equal(got, want) {
		t.Errorf("Plan = %q, want %q (the first of two pods with one key counts)", got, want)
	}
}

func stopped(u *UnitState) { u.ActiveState, u.SubState = "inactive", "dead" }

func failed(u *UnitState) { u.ActiveState, u.SubState, u.Result = "failed", "failed", "exit-code" }

func autoRestart(u *UnitState) {
	u.ActiveState, u.SubState, u.Result, u.NRestarts = "activating", "auto-restart", "exit-code", 3
}

func deleteFile(o Observed, name string) Observed {
	delete(o.Files, name)
	return o
}

func editFile(o Observed, name, text string) Observed {
	f := o.Files[name]
	f.Text += text
	o.Files[name] = f
	return o
}

// touch marks a file as written after its service started.
func touch(o Observed, name string) Observed {
	f := o.Files[name]
	f.ModTime = t1.Add(time.Second)
	o.Files[name] = f
	return o
}

// notLoaded is a pod whose files are on disk but that systemd never read.
func notLoaded(d DesiredPod) Observed {
	o := running(d)
	for s := range o.Units {
		o.Units[s] = UnitState{LoadState: "not-found", ActiveState: "inactive", SubState: "dead"}
	}
	return o
}

func foreign(o Observed, names ...string) Observed {
	for _, n := range names {
		o.Foreign[n] = true
	}
	return o
}
