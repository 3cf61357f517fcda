package prober

import "time"

// Kind names a probe of a container.
type Kind string

// The probes the agent runs.
const (
	Readiness Kind = "readiness"
	Startup   Kind = "startup"
)

// Container is the agent's probes of one container, gated as Kubernetes gates them. It is
// pure, like Machine.
type Container struct {
	startup, readiness *Machine // nil for a probe the container does not have
}

// NewContainer gates a container's startup and readiness probes; either may be nil.
func NewContainer(startup, readiness *Timing) *Container {
	c := &Container{}
	if startup != nil {
		// Kubernetes takes only 1 for a startup probe.
		t := *startup
		t.SuccessThreshold = 1
		c.startup = NewMachine(t, Unknown)
	}
	if readiness != nil {
		c.readiness = NewMachine(*readiness, Failure)
	}
	return c
}

func (c *Container) machine(k Kind) *Machine {
	if k == Startup {
		return c.startup
	}
	return c.readiness
}

// Observe tells the probes which run of the container they probe; a new run starts both
// over. It reports whether it did.
func (c *Container) Observe(r Run, now time.Time) bool {
	reset := false
	for _, m := range []*Machine{c.startup, c.readiness} {
		if m != nil && m.Observe(r, now) {
			reset = true
		}
	}
	return reset
}

// Seed starts a run from a known good state: started, and ready. It is for a run that was
// ready before this agent started (it restarted, the container ran on), as the kubelet keeps
// a container's readiness across its own restarts; the checks go on from there.
func (c *Container) Seed() {
	for _, m := range []*Machine{c.startup, c.readiness} {
		if m != nil {
			m.result = Success
		}
	}
}

// Started tells whether the startup probe succeeded (or there is none).
func (c *Container) Started() bool { return c.startup == nil || c.startup.Result() == Success }

// Ready tells whether the container may take traffic: started, and its readiness probe
// (if it has one) passed.
func (c *Container) Ready() bool {
	return c.Started() && (c.readiness == nil || c.readiness.Result() == Success)
}

// StartupFailed tells whether the startup probe failed failureThreshold times in a row.
func (c *Container) StartupFailed() bool {
	return c.startup != nil && c.startup.Result() == Failure
}

// runs tells whether a probe is run at all now: the startup probe until it succeeded, the
// readiness probe once the startup probe did.
func (c *Container) runs(k Kind) bool {
	if k == Startup {
		return c.startup != nil && c.startup.Result() != Success
	}
	return c.readiness != nil && c.Started()
}

// Due lists the probes to begin at now.
func (c *Container) Due(now time.Time) []Kind {
	var out []Kind
	for _, k := range []Kind{Startup, Readiness} {
		if c.runs(k) && c.machine(k).Due(now) {
			out = append(out, k)
		}
	}
	return out
}

// NextAt is when a probe comes due next; zero when none will without a check finishing.
func (c *Container) NextAt() time.Time {
	var next time.Time
	for _, k := range []Kind{Startup, Readiness} {
		if !c.runs(k) {
			continue
		}
		if at := c.machine(k).NextAt(); !at.IsZero() && (next.IsZero() || at.Before(next)) {
			next = at
		}
	}
	return next
}

// Begin marks probe k begun at now and returns its ticket for Finish.
func (c *Container) Begin(k Kind, now time.Time) int { return c.machine(k).Begin(now) }

// Finish takes the outcome of probe k and returns that probe's result before and after.
func (c *Container) Finish(k Kind, ticket int, ok bool) (from, to Result) {
	return c.machine(k).Finish(ticket, ok)
}
