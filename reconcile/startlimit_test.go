package reconcile

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/podman-swarm/podman-swarm/manifest"
)

// A pod service that systemd gave up on (start-limit-hit, after its own restarts came too
// fast) is reset and started again by the loop, again and again with the back-off's
// delays doubling up to its max, until a start holds; the status says why meanwhile. Once
// the pod stayed up, the next failure is retried at once.
func TestReconcilerRetriesStartLimitHit(t *testing.T) {
	n := newNode(t.TempDir())
	// Long delays, so that the few milliseconds of real time a pass takes never decide
	// whether a back-off has ended.
	r := n.agent(func(c *Config) {
		c.BackoffInitial, c.BackoffMax, c.BackoffReset = 10*time.Second, 80*time.Second, 30*time.Second
	})
	ctx := context.Background()
	r.SetDesired([]manifest.Pod{podSpec("web")})
	r.pass(ctx)
	n.clock.advance(time.Minute) // up long enough: no back-off left
	r.pass(ctx)
	n.takeReports()
	n.sd.takeCalls()

	n.journal.lines[webSvc] = []string{
		"swarm-default_web.service: Start request repeated too quickly.",
		"swarm-default_web.service: Failed with result 'start-limit-hit'.",
		"Failed to start swarm-default_web.service - pod default/web.",
	}
	const fails = 7
	n.sd.failN[webSvc] = fails
	n.sd.hitStartLimit(webSvc)
	starts, resets := n.sd.starts[webSvc], n.sd.resets[webSvc]
	// Before a try the unit is in start-limit-hit; after a try that failed, it failed with
	// exit-code, and the journal has nothing more specific than systemd's own lines.
	limitHit := `default/web Pending ready=false restarts=0 error="pod service swarm-default_web.service failed: ` + startLimitSentence + `"`
	tryFailed := `default/web Pending ready=false restarts=0 error="pod service swarm-default_web.service failed"`

	// The first try is at once: the pod had been up for long.
	r.pass(ctx)
	if got := n.sd.takeCalls(); !slices.Contains(got, "start "+webSvc) {
		t.Fatalf("a pod service in start-limit-hit: calls %q, want a start", got)
	}
	if got, want := n.takeReports(), []string{limitHit, tryFailed}; !slices.Equal(got, want) {
		t.Errorf("reports %q, want %q", got, want)
	}
	// Each try fails and systemd's own restarts hit the limit again; the loop waits 10s,
	// 20s, 40s, 80s, then 80s each time.
	delays := []time.Duration{10 * time.Second, 20 * time.Second, 40 * time.Second, 80 * time.Second, 80 * time.Second, 80 * time.Second, 80 * time.Second}
	for i, d := range delays {
		n.sd.hitStartLimit(webSvc)
		n.clock.advance(d / 2)
		r.pass(ctx)
		if got := n.sd.takeCalls(); len(got) > 0 {
			t.Fatalf("try %d: half way through a back-off of %v: calls %q, want none", i+2, d, got)
		}
		if next := r.pass(ctx); next > d/2 {
			t.Errorf("try %d: the loop sleeps %v, past the end of the back-off in %v", i+2, next, d/2)
		}
		n.sd.takeCalls()
		n.clock.advance(d / 2)
		r.pass(ctx)
		if got := n.sd.takeCalls(); !slices.Contains(got, "start "+webSvc) {
			t.Fatalf("try %d: after a back-off of %v: calls %q, want a start", i+2, d, got)
		}
	}
	if got, want := n.sd.starts[webSvc]-starts, len(delays)+1; got != want {
		t.Errorf("%d starts of the pod service, want %d", got, want)
	}
	if got, want := n.sd.resets[webSvc]-resets, len(delays)+1; got != want {
		t.Errorf("%d resets of the pod service before its starts, want %d", got, want)
	}
	// The last try held: the limit was reset and failN is used up.
	if s, ok := r.Status("default/web"); !ok || s.Phase != PhaseRunning || !s.Ready {
		t.Fatalf("after %d failed tries and one that held: %+v", fails, s)
	}
	for _, rep := range n.takeReports() {
		if rep != limitHit && rep != tryFailed && rep != `default/web Running ready=true restarts=0 error=""` {
			t.Errorf("report %q while retrying, want Pending with a reason", rep)
		}
	}

	// Up for BackoffReset: the back-off is over, the next failure is retried at once.
	n.clock.advance(31 * time.Second)
	r.pass(ctx)
	n.sd.hitStartLimit(webSvc)
	n.sd.takeCalls()
	r.pass(ctx)
	if got := n.sd.takeCalls(); !slices.Contains(got, "start "+webSvc) {
		t.Errorf("a pod that stayed up fails again: calls %q, want a start at once", got)
	}
	if s, _ := r.Status("default/web"); s.Phase != PhaseRunning {
		t.Errorf("after the retry: %+v", s)
	}
}

// A pod whose start keeps failing is never given up on: however many tries, the loop
// still starts it again after at most the back-off's max.
func TestReconcilerRetriesForever(t *testing.T) {
	n := newNode(t.TempDir())
	r := n.agent(func(c *Config) { c.BackoffInitial, c.BackoffMax = 10*time.Second, 40*time.Second })
	ctx := context.Background()
	n.sd.failN[webSvc] = 1 << 20
	r.SetDesired([]manifest.Pod{podSpec("web")})
	r.pass(ctx)
	n.sd.takeCalls()
	for i := range 50 {
		n.clock.advance(40 * time.Second)
		r.pass(ctx)
		if got := n.sd.takeCalls(); !slices.Contains(got, "start "+webSvc) {
			t.Fatalf("try %d: calls %q, want a start", i+2, got)
		}
		if s, _ := r.Status("default/web"); s.Phase != PhasePending || s.Error == "" {
			t.Fatalf("try %d: status %+v, want Pending with a reason", i+2, s)
		}
	}
}

// A container's service in start-limit-hit while its pod runs is reset and started again
// too (the units quadlet writes turn the limit off for containers, but a unit edited by
// hand, or systemd's defaults in another version, may still hit it).
func TestReconcilerRetriesContainerStartLimitHit(t *testing.T) {
	n := newNode(t.TempDir())
	r := n.agent()
	ctx := context.Background()
	r.SetDesired([]manifest.Pod{podSpec("web")})
	r.pass(ctx)
	n.clock.advance(time.Minute)
	n.sd.hitStartLimit(webApp)
	n.sd.takeCalls()
	r.pass(ctx)
	if got := n.sd.takeCalls(); !slices.Contains(got, "start "+webApp) {
		t.Fatalf("a container in start-limit-hit: calls %q, want a start", got)
	}
	if s := n.sd.state(webApp); s != "active" {
		t.Errorf("the container's service is %q, want active: its limit was not reset", s)
	}
}
