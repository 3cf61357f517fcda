package cluster

import (
	"testing"
	"time"
)

func TestClockOffset(t *testing.T) {
	ours := time.Unix(1000, 0)
	// The answer was written half a round trip before it arrived.
	if got := clockOffset(ours.Add(-50*time.Millisecond), ours, 100*time.Millisecond); got != 0 {
		t.Errorf("in step: offset %v, want 0", got)
	}
	if got := clockOffset(ours.Add(-time.Hour), ours, 0); got != -time.Hour {
		t.Errorf("an hour behind: offset %v", got)
	}
}

func TestAckClockRoundTrip(t *testing.T) {
	p := &pings{n: &Node{cfg: Config{Clock: func() time.Time { return time.Unix(5, 6) }}}}
	got, ok := decodeAckClock(p.AckPayload())
	if !ok || !got.Equal(time.Unix(5, 6)) {
		t.Fatalf("got %v %v", got, ok)
	}
	for _, bad := range [][]byte{nil, {ackClockVersion}, {ackClockVersion + 1, 2}, {ackClockVersion, 0x80}} {
		if _, ok := decodeAckClock(bad); ok {
			t.Errorf("payload %v decoded", bad)
		}
	}
}

func TestSkewTrackerReportsChangesOnly(t *testing.T) {
	var tr skewTracker
	steps := []struct {
		offset time.Duration
		want   skewChange
	}{
		{time.Second, skewSame},
		{-maxClockSkew - time.Second, skewStarted},
		{-time.Hour, skewSame},
		{maxClockSkew, skewEnded}, // at the limit is still close enough
		{2 * maxClockSkew, skewStarted},
	}
	for i, s := range steps {
		if got := tr.observe("n1", s.offset); got != s.want {
			t.Errorf("step %d (%v): %v, want %v", i, s.offset, got, s.want)
		}
	}
	if got := tr.observe("n2", time.Hour); got != skewStarted {
		t.Errorf("another member: %v", got)
	}
}
