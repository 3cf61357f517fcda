package prober

import (
	"time"

	"github.com/podman-swarm/podman-swarm/quadlet"
)

// Result is what a probe says of its container.
type Result int

// The results of a probe.
const (
	Unknown Result = iota
	Success
	Failure
)

func (r Result) String() string {
	switch r {
	case Success:
		return "success"
	case Failure:
		return "failure"
	}
	return "unknown"
}

// Timing is how often a probe runs and how many results decide.
type Timing struct {
	InitialDelay, Period, Timeout      time.Duration
	SuccessThreshold, FailureThreshold int
}

// TimingOf reads a probe's timing; quadlet gave it Kubernetes' defaults already, which
// apply again here to a field left at zero.
func TimingOf(p *quadlet.Probe) Timing {
	or := func(v, def int32) int32 {
		if v <= 0 {
			return def
		}
		return v
	}
	return Timing{
		InitialDelay:     time.Duration(max(p.InitialDelaySeconds, 0)) * time.Second,
		Period:           time.Duration(or(p.PeriodSeconds, 10)) * time.Second,
		Timeout:          time.Duration(or(p.TimeoutSeconds, 1)) * time.Second,
		SuccessThreshold: int(or(p.SuccessThreshold, 1)),
		FailureThreshold: int(or(p.FailureThreshold, 3)),
	}
}

// Run is one run of a container: when it started and how many times systemd restarted it
// before. Another Run is another container as far as probes go.
type Run struct {
	Started  time.Time
	Restarts int
}

// Machine is one probe of one container. It is pure: the caller tells it the time, starts
// the checks it says are due and hands it their results.
type Machine struct {
	timing  Timing
	initial Result

	run       Run
	base      time.Time // when the run started: Run.Started, else when it was first seen
	result    Result
	successes int // consecutive
	failures  int // consecutive
	last      time.Time
	inFlight  bool
	gen       int // counts resets; a check begun before one is dropped
}

// NewMachine is a probe with the given timing whose result is initial until checks decide.
func NewMachine(t Timing, initial Result) *Machine {
	return &Machine{timing: t, initial: initial, result: initial}
}

// Observe tells the machine which run of the container it probes; another run than the
// last starts it over. It reports whether it did.
func (m *Machine) Observe(r Run, now time.Time) bool {
	if !m.base.IsZero() && r == m.run {
		return false
	}
	// A run starts when systemd says it started; when that is unknown, or no later than the
	// last run's start (a restart seen by its count before its start time), when it is seen.
	prev := m.base
	m.run, m.base = r, r.Started
	if m.base.IsZero() || !prev.IsZero() && !m.base.After(prev) {
		m.base = now
	}
	m.result, m.successes, m.failures = m.initial, 0, 0
	m.last, m.inFlight = time.Time{}, false
	m.gen++
	return true
}

// Result is what the checks decided so far.
func (m *Machine) Result() Result { return m.result }

// NextAt is when the next check is due: initialDelaySeconds after the run started, then a
// period after the last one began. Zero while a check is under way.
func (m *Machine) NextAt() time.Time {
	if m.inFlight {
		return time.Time{}
	}
	if m.last.IsZero() {
		return m.base.Add(m.timing.InitialDelay)
	}
	return m.last.Add(m.timing.Period)
}

// Due tells whether a check should begin at now.
func (m *Machine) Due(now time.Time) bool {
	at := m.NextAt()
	return !at.IsZero() && !now.Before(at)
}

// Begin marks a check begun at now and returns its ticket for Finish.
func (m *Machine) Begin(now time.Time) int {
	m.inFlight, m.last = true, now
	return m.gen
}

// Finish takes a check's outcome and returns the result before and after it. A check of an
// earlier run (begun before the last reset) changes nothing.
func (m *Machine) Finish(ticket int, ok bool) (from, to Result) {
	from = m.result
	if ticket != m.gen {
		return from, from
	}
	m.inFlight = false
	if ok {
		m.successes, m.failures = m.successes+1, 0
		if m.successes >= m.timing.SuccessThreshold {
			m.result = Success
		}
	} else {
		m.successes, m.failures = 0, m.failures+1
		if m.failures >= m.timing.FailureThreshold {
			m.result = Failure
		}
	}
	return from, m.result
}
