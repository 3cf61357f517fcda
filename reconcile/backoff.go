package reconcile

import "time"

// backoff spaces out the starts of a pod that keeps going down: after the n-th start in a
// row, the next waits initial·2^(n-1), at most max. A pod that stayed up for resetAfter
// since its last start is healthy again and starts at once the next time.
type backoff struct {
	initial, max, resetAfter time.Duration
	pods                     map[string]*attempts
}

type attempts struct {
	n    int       // starts since the pod was last seen up for good
	last time.Time // the last start
	err  string    // why the last start failed, "" when it did not
}

func newBackoff(initial, max, resetAfter time.Duration) *backoff {
	return &backoff{initial: initial, max: max, resetAfter: resetAfter, pods: map[string]*attempts{}}
}

// delay is the wait after n starts in a row.
func (b *backoff) delay(n int) time.Duration {
	if n <= 0 {
		return 0
	}
	d := b.initial
	for i := 1; i < n && d < b.max; i++ {
		d *= 2
	}
	return min(d, b.max)
}

// ready tells whether the pod may start now, and if not, when it may.
func (b *backoff) ready(key string, now time.Time) (bool, time.Time) {
	a := b.pods[key]
	if a == nil {
		return true, time.Time{}
	}
	at := a.last.Add(b.delay(a.n))
	return !now.Before(at), at
}

// next is the earliest time after now at which a pod's back-off ends, zero if none does.
func (b *backoff) next(now time.Time) time.Time {
	var first time.Time
	for _, a := range b.pods {
		at := a.last.Add(b.delay(a.n))
		if at.After(now) && (first.IsZero() || at.Before(first)) {
			first = at
		}
	}
	return first
}

// started records a start (or restart) of the pod, and how it went.
func (b *backoff) started(key string, now time.Time, err error) {
	a := b.pods[key]
	if a == nil {
		a = &attempts{}
		b.pods[key] = a
	}
	a.n++
	a.last = now
	a.err = ""
	if err != nil {
		a.err = err.Error()
	}
}

// up records that the pod was seen up: once it has been for resetAfter, its count restarts.
func (b *backoff) up(key string, now time.Time) {
	if a := b.pods[key]; a != nil && now.Sub(a.last) >= b.resetAfter {
		delete(b.pods, key)
	}
}

// lastError is why the pod's last start failed, "" when it did not.
func (b *backoff) lastError(key string) string {
	if a := b.pods[key]; a != nil {
		return a.err
	}
	return ""
}

// forget drops a pod that is no longer desired.
func (b *backoff) forget(key string) { delete(b.pods, key) }
