// Package debounce gathers a burst of triggers into one: the loops of a node (the
// scheduler after an apply of many objects, the reconciler after systemd reports the jobs
// of one start) act once per burst instead of once per change.
package debounce

import (
	"context"
	"time"
)

// Settle waits for d after a first trigger, swallowing the triggers that arrive on ch
// meanwhile. It returns early when ctx ends or ch is closed; it reports false only when
// ctx ended, so that the caller stops instead of acting.
func Settle[T any](ctx context.Context, ch <-chan T, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return false
		case <-t.C:
			return true
		case _, ok := <-ch:
			if !ok {
				return true
			}
		}
	}
}
