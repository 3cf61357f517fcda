package prober

import (
	"slices"
	"testing"
	"time"
)

var t0 = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

func at(s int) time.Time { return t0.Add(time.Duration(s) * time.Second) }

// step is one moment of a scripted container: at second at (since the run started at t0),
// optionally a new run; the probes due then (begun and finished at once with the results
// in ok); and the state after.
type step struct {
	at      int
	run     *Run
	due     []Kind
	ok      map[Kind]bool
	ready   bool
	started bool
	failed  bool // startup failed
}

func timing(period, delay, success, failure int) *Timing {
	return &Timing{
		InitialDelay: time.Duration(delay) * time.Second, Period: time.Duration(period) * time.Second,
		Timeout: time.Second, SuccessThreshold: success, FailureThreshold: failure,
	}
}

var (
	pass = map[Kind]bool{Readiness: true, Startup: true}
	fail = map[Kind]bool{}
)

func TestContainerScripts(t *testing.T) {
	run0 := Run{Started: t0}
	for _, tc := range []struct {
		name               string
		startup, readiness *Timing
		steps              []step
	}{
		{"readiness starts failed, passes on one success, fails on the third failure", nil, timing(10, 0, 1, 3), []step{
			{at: 0, due: []Kind{Readiness}, ok: fail, started: true},
			{at: 5, started: true},
			{at: 10, due: []Kind{Readiness}, ok: pass, ready: true, started: true},
			{at: 20, due: []Kind{Readiness}, ok: fail, ready: true, started: true},
			{at: 30, due: []Kind{Readiness}, ok: fail, ready: true, started: true},
			{at: 40, due: []Kind{Readiness}, ok: fail, started: true},
			{at: 50, due: []Kind{Readiness}, ok: pass, ready: true, started: true},
		}},
		{"a success between failures starts the count over", nil, timing(10, 0, 1, 2), []step{
			{at: 0, due: []Kind{Readiness}, ok: pass, ready: true, started: true},
			{at: 10, due: []Kind{Readiness}, ok: fail, ready: true, started: true},
			{at: 20, due: []Kind{Readiness}, ok: pass, ready: true, started: true},
			{at: 30, due: []Kind{Readiness}, ok: fail, ready: true, started: true},
			{at: 40, due: []Kind{Readiness}, ok: fail, started: true},
		}},
		{"successThreshold 3 needs three in a row", nil, timing(1, 0, 3, 1), []step{
			{at: 0, due: []Kind{Readiness}, ok: pass, started: true},
			{at: 1, due: []Kind{Readiness}, ok: pass, started: true},
			{at: 2, due: []Kind{Readiness}, ok: fail, started: true},
			{at: 3, due: []Kind{Readiness}, ok: pass, started: true},
			{at: 4, due: []Kind{Readiness}, ok: pass, started: true},
			{at: 5, due: []Kind{Readiness}, ok: pass, ready: true, started: true},
		}},
		{"initialDelaySeconds from the container's start", nil, timing(10, 15, 1, 3), []step{
			{at: 0, started: true},
			{at: 14, started: true},
			{at: 15, due: []Kind{Readiness}, ok: pass, ready: true, started: true},
			{at: 24, ready: true, started: true},
			{at: 25, due: []Kind{Readiness}, ok: pass, ready: true, started: true},
		}},
		{"readiness waits for startup, then runs at once", timing(1, 0, 1, 5), timing(10, 0, 1, 3), []step{
			{at: 0, due: []Kind{Startup}, ok: fail},
			{at: 1, due: []Kind{Startup}, ok: fail},
			{at: 2, due: []Kind{Startup}, ok: pass, started: true},
			{at: 2, due: []Kind{Readiness}, ok: pass, ready: true, started: true},
			{at: 3, ready: true, started: true}, // startup is done for this run
			{at: 12, due: []Kind{Readiness}, ok: fail, ready: true, started: true},
		}},
		{"startup fails on failureThreshold and keeps being tried; readiness never runs", timing(1, 0, 1, 3), timing(1, 0, 1, 1), []step{
			{at: 0, due: []Kind{Startup}, ok: fail},
			{at: 1, due: []Kind{Startup}, ok: fail},
			{at: 2, due: []Kind{Startup}, ok: fail, failed: true},
			{at: 3, due: []Kind{Startup}, ok: fail, failed: true},
			{at: 4, due: []Kind{Startup}, ok: pass, started: true, ready: false},
			{at: 4, due: []Kind{Readiness}, ok: pass, started: true, ready: true},
		}},
		{"startup alone: ready once started; its successThreshold is 1", timing(2, 3, 5, 3), nil, []step{
			{at: 0},
			{at: 3, due: []Kind{Startup}, ok: pass, ready: true, started: true},
			{at: 5, ready: true, started: true},
		}},
		{"a restart starts over: readiness failed again, startup again", timing(1, 0, 1, 3), timing(10, 5, 1, 3), []step{
			{at: 0, due: []Kind{Startup}, ok: pass, started: true},
			{at: 5, due: []Kind{Readiness}, ok: pass, ready: true, started: true},
			{at: 20, run: &Run{Started: at(20), Restarts: 1}, due: []Kind{Startup}, ok: pass, started: true},
			{at: 21, started: true},
			{at: 25, due: []Kind{Readiness}, ok: pass, ready: true, started: true},
		}},
		{"a restart seen only by its count starts over from when it was seen", nil, timing(10, 5, 1, 3), []step{
			{at: 5, due: []Kind{Readiness}, ok: pass, ready: true, started: true},
			{at: 30, run: &Run{Started: t0, Restarts: 1}, started: true},
			{at: 34, started: true},
			{at: 35, due: []Kind{Readiness}, ok: pass, ready: true, started: true},
		}},
		{"a run with no start time known starts when seen", nil, timing(10, 5, 1, 3), []step{
			{at: 7, run: &Run{}, started: true},
			{at: 11, started: true},
			{at: 12, due: []Kind{Readiness}, ok: pass, ready: true, started: true},
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := NewContainer(tc.startup, tc.readiness)
			c.Observe(run0, t0)
			for i, s := range tc.steps {
				now := at(s.at)
				if s.run != nil && !c.Observe(*s.run, now) {
					t.Fatalf("step %d: a new run did not start over", i)
				}
				due := c.Due(now)
				if !slices.Equal(due, s.due) {
					t.Fatalf("step %d (t=%ds): due %v, want %v", i, s.at, due, s.due)
				}
				for _, k := range due {
					ticket := c.Begin(k, now)
					c.Finish(k, ticket, s.ok[k])
				}
				if c.Ready() != s.ready || c.Started() != s.started || c.StartupFailed() != s.failed {
					t.Fatalf("step %d (t=%ds): ready %v started %v startup failed %v, want %v %v %v",
						i, s.at, c.Ready(), c.Started(), c.StartupFailed(), s.ready, s.started, s.failed)
				}
			}
		})
	}
}

// The same run again changes nothing; a check under way is not begun twice, and its
// result is dropped when the container restarted meanwhile.
func TestMachineInFlightAndStaleResults(t *testing.T) {
	m := NewMachine(*timing(1, 0, 1, 1), Failure)
	if !m.Observe(Run{Started: t0}, t0) || m.Observe(Run{Started: t0}, at(3)) {
		t.Fatal("Observe: the first run must start, the same one again must not")
	}
	ticket := m.Begin(at(0))
	if m.Due(at(5)) || !m.NextAt().IsZero() {
		t.Error("due again while a check is under way")
	}
	if from, to := m.Finish(ticket, true); from != Failure || to != Success {
		t.Errorf("Finish = %v -> %v", from, to)
	}
	if !m.Due(at(1)) || m.Due(at(0)) {
		t.Error("not due a period after the last check began")
	}
	ticket = m.Begin(at(1))
	m.Observe(Run{Started: at(2), Restarts: 1}, at(2))
	if from, to := m.Finish(ticket, true); from != Failure || to != Failure {
		t.Errorf("a check of the last run changed the new one: %v -> %v", from, to)
	}
	if !m.Due(at(2)) {
		t.Error("the new run is not probed at once (no initial delay)")
	}
}

// Transitions are reported as the results before and after, once.
func TestMachineTransitions(t *testing.T) {
	m := NewMachine(*timing(1, 0, 2, 2), Failure)
	m.Observe(Run{Started: t0}, t0)
	var got []string
	for i, ok := range []bool{true, true, true, false, false, false, true} {
		from, to := m.Finish(m.Begin(at(i)), ok)
		if from != to {
			got = append(got, from.String()+">"+to.String())
		}
	}
	if want := []string{"failure>success", "success>failure"}; !slices.Equal(got, want) {
		t.Errorf("transitions %v, want %v", got, want)
	}
}

// A seeded run (ready before the agent restarted) starts started and ready; its checks go on
// and take it out after failureThreshold failures, as any ready container.
func TestContainerSeed(t *testing.T) {
	c := NewContainer(timing(1, 0, 1, 3), timing(10, 0, 1, 2))
	c.Observe(Run{Started: t0}, at(100))
	c.Seed()
	if !c.Ready() || !c.Started() {
		t.Fatalf("seeded: ready %v started %v", c.Ready(), c.Started())
	}
	if due := c.Due(at(100)); !slices.Equal(due, []Kind{Readiness}) {
		t.Fatalf("due %v: the startup probe is done, readiness goes on", due)
	}
	c.Finish(Readiness, c.Begin(Readiness, at(100)), false)
	if !c.Ready() {
		t.Error("one failure took a seeded container out")
	}
	c.Finish(Readiness, c.Begin(Readiness, at(110)), false)
	if c.Ready() {
		t.Error("failureThreshold failures left a seeded container ready")
	}
}
