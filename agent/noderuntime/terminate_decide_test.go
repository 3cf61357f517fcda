package noderuntime

import (
	"slices"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/podman-swarm/podman-swarm/manifest"
)

// What a leaving pod needs at each moment: it drains for DrainDelay, then its hooks run
// for at most the grace period, then it stops, its containers killed once the grace period
// has passed since the drain ended, and never sooner than 2 s after their stop signal.
func TestDecide(t *testing.T) {
	t0 := time.Unix(1000, 0)
	const s = time.Second
	base := leaving{left: t0, grace: 30 * s}
	with := func(f func(*leaving)) leaving { l := base; f(&l); return l }
	for _, tc := range []struct {
		name string
		l    leaving
		at   time.Duration // since it left
		want decision
	}{
		{"just left", base, 0, decision{step: stepDrain, wake: DrainDelay}},
		{"draining", base, DrainDelay / 4, decision{step: stepDrain, wake: DrainDelay * 3 / 4}},
		{"drained, no hooks: the whole grace after the stop signal", base, DrainDelay, decision{step: stepStop, killAfter: 30 * s}},
		{"looked at late, no hooks", base, DrainDelay + 10*s, decision{step: stepStop, killAfter: 20 * s}},
		{"drained, hooks to run", with(func(l *leaving) { l.hooks = true }), DrainDelay, decision{step: stepHook, wake: 30 * s}},
		{"hooks running", with(func(l *leaving) { l.hooks, l.hooksStarted = true, true }), DrainDelay + 12*s, decision{step: stepWaitHook, wake: 18 * s}},
		{"hooks done early: the rest of the grace", with(func(l *leaving) { l.hooks, l.hooksStarted, l.hooksDone = true, true, true }), DrainDelay + 12*s, decision{step: stepStop, killAfter: 18 * s}},
		{"hooks done late: still 2 s", with(func(l *leaving) { l.hooks, l.hooksStarted, l.hooksDone = true, true, true }), DrainDelay + 29500*time.Millisecond, decision{step: stepStop, killAfter: 2 * s}},
		{"hooks out of time: stop, 2 s", with(func(l *leaving) { l.hooks, l.hooksStarted = true, true }), DrainDelay + 30*s, decision{step: stepStop, killAfter: 2 * s}},
		{"hooks never started before the grace ran out", with(func(l *leaving) { l.hooks = true }), DrainDelay + 31*s, decision{step: stepStop, killAfter: 2 * s}},
		{"grace of 1 s: still 2 s after the stop signal", with(func(l *leaving) { l.grace = s }), DrainDelay, decision{step: stepStop, killAfter: 2 * s}},
		{"grace of 1 s with a hook", with(func(l *leaving) { l.grace, l.hooks = s, true }), DrainDelay, decision{step: stepHook, wake: s}},
	} {
		if got := decide(tc.l, t0.Add(tc.at)); got != tc.want {
			t.Errorf("%s: decide at +%s = %+v, want %+v", tc.name, tc.at, got, tc.want)
		}
	}
}

// The drainer walks a leaving pod with hooks through its steps: drain, hooks, stop; one
// whose hooks run out of time stops all the same, and one assigned again keeps running,
// its hook run forgotten.
func TestDrainerTerminationSteps(t *testing.T) {
	grace := int64(10)
	a := manifest.Pod{Namespace: "default", Name: "a"}
	b := manifest.Pod{Namespace: "default", Name: "b", Spec: corev1.PodSpec{TerminationGracePeriodSeconds: &grace}}
	c := manifest.Pod{Namespace: "default", Name: "c"}
	hooks := func(p manifest.Pod) bool { return p.Name != "c" }
	t0 := time.Unix(1000, 0)
	var d drainer
	type want struct {
		run   []string
		left  []string
		back  []string
		hooks []string
		stops []stopOrder
		wait  time.Duration
	}
	check := func(at time.Duration, assigned []manifest.Pod, w want) {
		t.Helper()
		plan := d.run(assigned, t0.Add(at), hooks)
		names := func(ps []manifest.Pod) []string {
			var out []string
			for _, p := range ps {
				out = append(out, p.Name)
			}
			return out
		}
		var hookNames []string
		for _, h := range plan.hooks {
			hookNames = append(hookNames, h.pod.Name)
		}
		if !slices.Equal(names(plan.run), w.run) || !slices.Equal(names(plan.left), w.left) || !slices.Equal(plan.back, w.back) ||
			!slices.Equal(hookNames, w.hooks) || !slices.Equal(plan.stops, w.stops) || plan.wait != w.wait {
			t.Errorf("at +%s: run %v left %v back %v hooks %v stops %+v wait %s\nwant run %v left %v back %v hooks %v stops %+v wait %s",
				at, names(plan.run), names(plan.left), plan.back, hookNames, plan.stops, plan.wait, w.run, w.left, w.back, w.hooks, w.stops, w.wait)
		}
	}
	s := time.Second
	check(0, []manifest.Pod{a, b, c}, want{run: []string{"a", "b", "c"}})
	// All three leave and drain.
	check(s, nil, want{run: []string{"a", "b", "c"}, left: []string{"a", "b", "c"}, wait: DrainDelay})
	// Drained: a and b start their hooks, c (no hooks) stops with the whole grace.
	check(s+DrainDelay, nil, want{run: []string{"a", "b"}, hooks: []string{"a", "b"},
		stops: []stopOrder{{key: "default/c", killAfter: 30 * s}}, wait: 10 * s})
	runA := d.leaving["default/a"].run
	// a's hooks end after 4 s: it stops with the rest of its 30 s.
	d.hooksDone("default/a", runA)
	check(5*s+DrainDelay, nil, want{run: []string{"b"}, stops: []stopOrder{{key: "default/a", killAfter: 26 * s}}, wait: 6 * s})
	// b's hooks are still running when its 10 s are up: it stops, with 2 s.
	check(11*s+DrainDelay, nil, want{stops: []stopOrder{{key: "default/b", killAfter: 2 * s, hooksCut: true}}})
	check(12*s+DrainDelay, nil, want{})

	// a comes back while its hooks run: it keeps running, and the end of that hook run
	// does not count for its next departure.
	check(20*s, []manifest.Pod{a}, want{run: []string{"a"}})
	check(21*s, nil, want{run: []string{"a"}, left: []string{"a"}, wait: DrainDelay})
	check(21*s+DrainDelay, nil, want{run: []string{"a"}, hooks: []string{"a"}, wait: 30 * s})
	old := d.leaving["default/a"].run
	check(22*s+DrainDelay, []manifest.Pod{a}, want{run: []string{"a"}, back: []string{"default/a"}})
	check(23*s+DrainDelay, nil, want{run: []string{"a"}, left: []string{"a"}, wait: DrainDelay})
	check(23*s+2*DrainDelay, nil, want{run: []string{"a"}, hooks: []string{"a"}, wait: 30 * s})
	d.hooksDone("default/a", old)
	check(24*s+2*DrainDelay, nil, want{run: []string{"a"}, wait: 29 * s})
	d.hooksDone("default/a", d.leaving["default/a"].run)
	check(25*s+2*DrainDelay, nil, want{stops: []stopOrder{{key: "default/a", killAfter: 28 * s}}})
}
