package reconcile

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/podman-swarm/podman-swarm/manifest"
)

const (
	webSvc = "swarm-default_web.service"
	webApp = "swarm-default_web_app.service"
	apiSvc = "swarm-default_api.service"
	apiApp = "swarm-default_api_app.service"
)

func TestReconcilerStartsOnceAndReports(t *testing.T) {
	n := newNode(t.TempDir())
	r := n.agent()
	ctx := context.Background()
	r.SetDesired([]manifest.Pod{podSpec("web")})
	r.pass(ctx)
	if got, want := n.sd.takeCalls(), []string{"reload", "start " + webSvc, "start " + webApp}; !slices.Equal(got, want) {
		t.Errorf("first pass: calls %q, want %q", got, want)
	}
	if got, want := n.files(), []string{"swarm-default_web.pod", "swarm-default_web_app.container"}; !slices.Equal(got, want) {
		t.Errorf("files %q, want %q", got, want)
	}
	want := []string{`default/web Pending ready=false restarts=0 error="the pod is starting"`, `default/web Running ready=true restarts=0 error=""`}
	if got := n.takeReports(); !slices.Equal(got, want) {
		t.Errorf("reports %q, want %q", got, want)
	}
	r.pass(ctx)
	if calls, reports := n.sd.takeCalls(), n.takeReports(); len(calls)+len(reports) > 0 {
		t.Errorf("second pass with nothing changed: calls %q, reports %q", calls, reports)
	}
	// An agent that restarts finds everything in place: no reload, no restart; it reports
	// the status once, since it knows nothing of earlier reports.
	r2 := n.agent()
	r2.SetDesired([]manifest.Pod{podSpec("web")})
	r2.pass(ctx)
	if calls := n.sd.takeCalls(); len(calls) > 0 {
		t.Errorf("restarted agent: calls %q, want none", calls)
	}
	if got := n.takeReports(); len(got) != 1 {
		t.Errorf("restarted agent: reports %q, want one", got)
	}
}

func TestReconcilerRestartsChangedPod(t *testing.T) {
	n := newNode(t.TempDir())
	r := n.agent()
	ctx := context.Background()
	r.SetDesired([]manifest.Pod{podSpec("web")})
	r.pass(ctx)
	n.sd.takeCalls()
	r.SetDesired([]manifest.Pod{podSpec("web", withImage("localhost/web:2"))})
	r.pass(ctx)
	want := []string{"stop " + webSvc, "stop " + webApp, "reload", "start " + webSvc, "start " + webApp}
	if got := n.sd.takeCalls(); !slices.Equal(got, want) {
		t.Errorf("calls %q, want %q", got, want)
	}
	if got := n.settled(r); len(got) > 0 {
		t.Errorf("not settled: %q", got)
	}
}

// A pod replaced by another that publishes the same port: the old one stops, and its files
// go, before the new one starts.
func TestReconcilerStopsBeforeStarting(t *testing.T) {
	n := newNode(t.TempDir())
	r := n.agent()
	ctx := context.Background()
	r.SetDesired([]manifest.Pod{podSpec("web")})
	r.pass(ctx)
	n.sd.takeCalls()
	r.SetDesired([]manifest.Pod{podSpec("api")})
	r.pass(ctx)
	want := []string{"stop " + webSvc, "stop " + webApp, "reload", "start " + apiSvc, "start " + apiApp}
	if got := n.sd.takeCalls(); !slices.Equal(got, want) {
		t.Errorf("calls %q, want %q", got, want)
	}
	if got, want := n.files(), []string{"swarm-default_api.pod", "swarm-default_api_app.container"}; !slices.Equal(got, want) {
		t.Errorf("files %q, want %q", got, want)
	}
	if s := n.sd.state(webSvc); s != "" {
		t.Errorf("old pod's service is %q after the reload, want gone", s)
	}
}

func TestReconcilerRemovesVolumes(t *testing.T) {
	n := newNode(t.TempDir())
	r := n.agent()
	ctx := context.Background()
	r.SetDesired([]manifest.Pod{podSpec("web", withVolume)})
	r.pass(ctx)
	r.SetDesired(nil)
	r.pass(ctx)
	if got := n.files(); len(got) > 0 {
		t.Errorf("files left: %q", got)
	}
	if want := []string{"swarm-default_web_data"}; !slices.Equal(n.podman.removed, want) {
		t.Errorf("volumes removed %q, want %q", n.podman.removed, want)
	}
}

// An agent killed at any point of a pass that changes, removes and adds pods: the next
// agent finishes the work, and restarts the changed pod at most once more.
func TestReconcilerFinishesAfterCrash(t *testing.T) {
	before := []manifest.Pod{podSpec("web"), podSpec("old", withVolume)}
	after := []manifest.Pod{podSpec("web", withImage("localhost/web:2")), podSpec("api")}
	for k := 1; ; k++ {
		n := newNode(t.TempDir())
		ctx := context.Background()
		r := n.agent()
		r.SetDesired(before)
		r.pass(ctx)
		n.sd.takeCalls()
		startsBefore := n.sd.starts[webApp]

		crashCtx, crash := context.WithCancel(ctx)
		ops := 0
		n.sd.hook = func(op string) error {
			ops++
			if ops == k {
				crash()
				return errors.New("agent killed")
			}
			return nil
		}
		r = n.agent()
		r.SetDesired(after)
		r.pass(crashCtx)
		n.sd.hook = nil
		crashed := ops >= k

		r = n.agent()
		r.SetDesired(after)
		r.pass(ctx)
		if got := n.settled(r); len(got) > 0 {
			t.Fatalf("killed at operation %d: not settled after the next pass: %q", k, got)
		}
		for _, s := range []string{webSvc, webApp, apiSvc, apiApp} {
			if st := n.sd.state(s); st != "active" {
				t.Errorf("killed at operation %d: %s is %q", k, s, st)
			}
		}
		if got := n.files(); slices.ContainsFunc(got, func(f string) bool { return strings.Contains(f, "_old") }) {
			t.Errorf("killed at operation %d: files of the removed pod left: %q", k, got)
		}
		if restarts := n.sd.starts[webApp] - startsBefore; restarts < 1 || restarts > 2 {
			t.Errorf("killed at operation %d: the changed pod started %d times, want 1 or 2", k, restarts)
		}
		if !crashed {
			t.Logf("killed at each of %d operations", k-1)
			break // the pass finished before operation k: every point was tried
		}
	}
}

func TestReconcilerBacksOffFailedStarts(t *testing.T) {
	n := newNode(t.TempDir())
	r := n.agent()
	ctx := context.Background()
	n.sd.failN[webSvc] = 2
	n.journal.lines[webSvc] = []string{"Error: rootlessport listen tcp 0.0.0.0:8080: bind: address already in use"}
	r.SetDesired([]manifest.Pod{podSpec("web")})
	if next := r.pass(ctx); next > time.Second {
		t.Errorf("after a failed start the loop sleeps %v, want at most the first back-off (1s)", next)
	}
	// Pending, not Failed: the loop starts it again; the reason names the port.
	if got := n.takeReports(); len(got) != 2 || got[1] != `default/web Pending ready=false restarts=0 error="port 8080/TCP on the node is in use by another process"` {
		t.Errorf("reports after a failed start: %q, want Pending with the taken port as the reason", got)
	}
	n.sd.takeCalls()
	r.pass(ctx)
	if got := n.sd.takeCalls(); len(got) > 0 {
		t.Errorf("a pass during the back-off: calls %q, want none", got)
	}
	n.clock.advance(time.Second)
	r.pass(ctx) // the second failure
	if got := n.sd.takeCalls(); !slices.Contains(got, "start "+webSvc) {
		t.Errorf("after 1s: calls %q, want a new start", got)
	}
	n.clock.advance(time.Second)
	r.pass(ctx)
	if got := n.sd.takeCalls(); len(got) > 0 {
		t.Errorf("1s into a back-off of 2s: calls %q, want none", got)
	}
	n.clock.advance(time.Second)
	r.pass(ctx)
	if got := n.takeReports(); !slices.Contains(got, `default/web Running ready=true restarts=0 error=""`) {
		t.Errorf("after the third start: reports %q, want Running", got)
	}
}

func TestReconcilerRestartsUnitSystemdGaveUpOn(t *testing.T) {
	n := newNode(t.TempDir())
	r := n.agent()
	ctx := context.Background()
	r.SetDesired([]manifest.Pod{podSpec("web")})
	r.pass(ctx)
	n.takeReports()
	n.clock.advance(time.Minute)
	n.sd.fail(webSvc)
	n.sd.takeCalls()
	r.pass(ctx)
	if got := n.sd.takeCalls(); !slices.Contains(got, "start "+webSvc) {
		t.Errorf("failed pod service: calls %q, want a start", got)
	}
	want := []string{
		`default/web Pending ready=false restarts=0 error="pod service swarm-default_web.service failed"`,
		`default/web Running ready=true restarts=0 error=""`,
	}
	if got := n.takeReports(); !slices.Equal(got, want) {
		t.Errorf("reports %q, want %q", got, want)
	}
}

// A container with a readinessProbe runs not ready (the agent's probes decide, past the
// reconciler), and a restart by systemd is counted.
func TestReconcilerReportsRestartsAndProbes(t *testing.T) {
	n := newNode(t.TempDir())
	r := n.agent()
	ctx := context.Background()
	web := podSpec("web")
	web.Spec.Containers[0].ReadinessProbe = readinessProbe()
	r.SetDesired([]manifest.Pod{web})
	r.pass(ctx)
	if got := n.takeReports(); !slices.Equal(got, []string{
		`default/web Pending ready=false restarts=0 error="the pod is starting"`,
		`default/web Running ready=false restarts=0 error="container app has not passed its readinessProbe yet"`,
	}) {
		t.Errorf("reports %q", got)
	}
	if s, ok := r.Status("default/web"); !ok || !s.ReadyBarProbes || s.Containers[0].Started.IsZero() {
		t.Errorf("status %+v: want ReadyBarProbes and a start time", s)
	}
	n.sd.crash(webApp)
	r.pass(ctx)
	want := []string{`default/web Running ready=false restarts=1 error="container app has not passed its readinessProbe yet"`}
	if got := n.takeReports(); !slices.Equal(got, want) {
		t.Errorf("reports %q, want %q", got, want)
	}
	if calls := n.sd.takeCalls(); slices.ContainsFunc(calls, func(c string) bool { return strings.HasPrefix(c, "stop") }) {
		t.Errorf("a restart by systemd made the loop stop something: %q", calls)
	}
	if d := r.DesiredPods(); len(d) != 1 || d[0].Containers[0].Readiness == nil {
		t.Errorf("DesiredPods = %+v", d)
	}
}

func TestReconcilerBlockedAndUnrenderable(t *testing.T) {
	n := newNode(t.TempDir())
	if err := writeUnit(n.dir, "swarm-default_web_app.container", "[Container]\nImage=mine\n"); err != nil {
		t.Fatal(err)
	}
	r := n.agent()
	bad := podSpec("bad")
	bad.Spec.Containers[0].Image = ""
	r.SetDesired([]manifest.Pod{podSpec("web"), bad})
	r.pass(context.Background())
	reports := n.takeReports()
	if len(reports) != 2 || !strings.Contains(reports[0], "default/bad Failed") || !strings.Contains(reports[0], "image") ||
		!strings.Contains(reports[1], "default/web Failed") || !strings.Contains(reports[1], "not written by podman-swarm") {
		t.Errorf("reports %q", reports)
	}
	if got := n.sd.takeCalls(); len(got) > 0 {
		t.Errorf("calls %q, want none", got)
	}
	if got := n.files(); !slices.Equal(got, []string{"swarm-default_web_app.container"}) {
		t.Errorf("files %q: the foreign file must stay alone", got)
	}
}

// The loop wakes on SetDesired and on unit changes, and reports without being polled.
func TestReconcilerRun(t *testing.T) {
	n := newNode(t.TempDir())
	r := n.agent()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- r.Start(ctx) }()
	r.SetDesired([]manifest.Pod{podSpec("web")})
	waitFor(t, func() bool { s, ok := r.Status("default/web"); return ok && s.Ready })
	n.sd.crash(webApp)
	waitFor(t, func() bool { s, _ := r.Status("default/web"); return s.Restarts == 1 })
	r.SetDesired(nil)
	waitFor(t, func() bool { return len(n.files()) == 0 })
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Run: %v", err)
	}
}

// waitFor polls cond for up to 10 seconds: the loop runs on its own goroutine.
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatal("condition not met within 10s")
}

func TestReconcilerLogsAndDescribe(t *testing.T) {
	n := newNode(t.TempDir())
	r := n.agent()
	ctx := context.Background()
	r.SetDesired([]manifest.Pod{podSpec("web", withSidecar)})
	r.pass(ctx)
	n.journal.lines["swarm-default_web_side"] = []string{"side says hi"}
	n.journal.lines[webApp] = []string{"Started app."}
	var b strings.Builder
	if err := r.Logs(ctx, "default/web", "side", false, &b); err != nil || b.String() != "side says hi\n" {
		t.Errorf("Logs = %q, %v", b.String(), err)
	}
	if err := r.Logs(ctx, "default/web", "", false, &b); err == nil {
		t.Error("Logs of a pod with two containers and no name: no error")
	}
	if err := r.Logs(ctx, "default/nope", "", false, &b); !errors.Is(err, ErrNoPod) {
		t.Errorf("Logs of an unknown pod: %v, want ErrNoPod", err)
	}
	d, err := r.Describe(ctx, "default/web")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, u := range d.Units {
		got = append(got, u.File+" "+u.Service+" "+u.Container+" "+u.ActiveState+" "+strings.Join(u.Journal, "|"))
	}
	want := []string{
		"swarm-default_web.pod swarm-default_web.service  active ",
		"swarm-default_web_app.container swarm-default_web_app.service app active Started app.",
		"swarm-default_web_side.container swarm-default_web_side.service side active ",
	}
	if !slices.Equal(got, want) || d.Status.Phase != PhaseRunning {
		t.Errorf("Describe units:\n%s\nwant\n%s\nstatus %+v", strings.Join(got, "\n"), strings.Join(want, "\n"), d.Status)
	}
	if _, err := r.Describe(ctx, "default/nope"); !errors.Is(err, ErrNoPod) {
		t.Errorf("Describe of an unknown pod: %v, want ErrNoPod", err)
	}
}

// A container that fails on its way down, after its removed pod was stopped and reset, is
// not left listed as failed: the next pass makes systemd forget it.
func TestReconcilerForgetsFailedUnitsOfRemovedPods(t *testing.T) {
	n := newNode(t.TempDir())
	r := n.agent()
	ctx := context.Background()
	r.SetDesired([]manifest.Pod{podSpec("web")})
	r.pass(ctx)
	r.SetDesired(nil)
	r.pass(ctx)
	if got := n.files(); len(got) != 0 {
		t.Fatalf("files left: %q", got)
	}
	// As systemd does when a container exits non-zero after its stop was reset.
	n.sd.mu.Lock()
	n.sd.units[webApp] = &fakeUnit{UnitState: UnitState{LoadState: "not-found", ActiveState: "failed", SubState: "failed"}}
	n.sd.mu.Unlock()
	r.pass(ctx)
	if got := n.sd.state(webApp); strings.Contains(got, "failed") {
		t.Errorf("the removed pod's unit is still failed: %q", got)
	}
}

// A pod replaced under the same name by one of another template (a StatefulSet's rolling
// update) is never reported ready with the new template's hash before its new units run:
// the pass that restarts it does not report what the old units made of it.
func TestReconcilerReportsAReplacedPodOnlyOnceItRestarted(t *testing.T) {
	n := newNode(t.TempDir())
	var reports []Status
	r := n.agent(func(c *Config) {
		c.Report = func(_ string, s Status) { reports = append(reports, s) }
	})
	ctx := context.Background()
	old := podSpec("web")
	old.TemplateHash = "aaaaaaaaa"
	r.SetDesired([]manifest.Pod{old})
	r.pass(ctx)
	n.sd.takeCalls()
	if last := reports[len(reports)-1]; !last.Ready || last.TemplateHash != "aaaaaaaaa" {
		t.Fatalf("the first pod: %+v, want ready with its template hash", last)
	}
	reports = nil
	next := podSpec("web", withImage("localhost/web:2"))
	next.TemplateHash = "bbbbbbbbb"
	r.SetDesired([]manifest.Pod{next})
	r.pass(ctx)
	if got := n.sd.takeCalls(); !slices.Contains(got, "stop "+webApp) || !slices.Contains(got, "start "+webApp) {
		t.Fatalf("calls %q: want the pod restarted", got)
	}
	if len(reports) != 1 || reports[0].TemplateHash != "bbbbbbbbb" || !reports[0].Ready {
		t.Errorf("reports %+v: want one, of the restarted pod with the new template's hash", reports)
	}
}
