package schedule

import (
	"slices"
	"sync"
)

// WriteOutcome is what became of the store writes of the loop's last plan.
type WriteOutcome struct {
	// Failed are the keys that could not be written, in the order tried.
	Failed []string
	// Err is the first failure; nil when every write of the plan succeeded.
	Err error
}

// outcome holds the last plan's WriteOutcome for readers outside the loop.
type outcome struct {
	mu   sync.Mutex
	last WriteOutcome
}

func (o *outcome) set(w WriteOutcome) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.last = w
}

func (o *outcome) get() WriteOutcome {
	o.mu.Lock()
	defer o.mu.Unlock()
	return WriteOutcome{Failed: slices.Clone(o.last.Failed), Err: o.last.Err}
}

// LastWrites is the outcome of the writes of the last plan this node made while it led:
// empty once a plan is written whole, and as soon as the node no longer leads, since
// another node's plans are not its to report.
func (a *Loop) LastWrites() WriteOutcome { return a.writes.get() }

// WriteError is the failure of the last plan's writes, nil when there was none.
func (a *Loop) WriteError() error { return a.writes.get().Err }
