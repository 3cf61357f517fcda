package e2e

import (
	"fmt"
	"math"
	"slices"
	"testing"
)

// pairedRatios is the evidence that one path's throughput is at least some fraction of
// another's, from downloads taken in pairs (one a path, the two back to back, taking turns
// at going first), so that the machine's drift touches both sides of a pair alike.
type pairedRatios struct {
	ratios []float64 // per pair: the first path's throughput over the second's
}

// add records one pair's throughputs; a pair with a failed download is left out (the
// caller counts failures).
func (p *pairedRatios) add(first, second int64) {
	if first > 0 && second > 0 {
		p.ratios = append(p.ratios, float64(first)/float64(second))
	}
}

// interval is the median of the per-pair ratios and a distribution-free confidence
// interval for it, from the sign test: the k-th smallest and the k-th largest ratio, with
// the largest k whose interval still covers the true median with at least the given
// probability. No assumption about the shape of the spread is made, which matters here:
// downloads on a busy 2-core machine fall in clusters, not in a bell. ok is false when
// there are too few pairs for any interval at that level (fewer than 6 at 95%).
func (p pairedRatios) interval(level float64) (median, lo, hi float64, ok bool) {
	n := len(p.ratios)
	if n == 0 {
		return 0, 0, 0, false
	}
	r := slices.Sorted(slices.Values(p.ratios))
	if n%2 == 1 {
		median = r[n/2]
	} else {
		median = (r[n/2-1] + r[n/2]) / 2
	}
	k := signTestRank(n, level)
	if k == 0 {
		return median, 0, 0, false
	}
	return median, r[k-1], r[n-k], true
}

// signTestRank is the largest k >= 1 such that the k-th smallest and the k-th largest of n
// values bracket their median with probability >= level, or 0 if none does: the interval
// misses the median when fewer than k values lie below it or fewer than k above, each side
// Binomial(n, 1/2), so its coverage is 1 - 2*P(X <= k-1).
func signTestRank(n int, level float64) int {
	best := 0
	cdf := 0.0 // P(X <= k-1)
	for k := 1; 2*k <= n+1; k++ {
		cdf += binomialHalf(n, k-1)
		if 1-2*cdf < level {
			break
		}
		best = k
	}
	return best
}

// binomialHalf is P(X = i) for X ~ Binomial(n, 1/2).
func binomialHalf(n, i int) float64 {
	lg := func(x int) float64 { v, _ := math.Lgamma(float64(x + 1)); return v }
	return math.Exp(lg(n) - lg(i) - lg(n-i) - float64(n)*math.Ln2)
}

// verdict judges the goal "the first path moves at least goal times what the second
// does": met when the whole interval is at or above it, missed when the whole interval is
// below it, and not shown when the interval straddles it (or there are too few pairs).
func (p pairedRatios) verdict(goal, level float64) string {
	median, lo, hi, ok := p.interval(level)
	switch {
	case !ok:
		return fmt.Sprintf("not shown (%d pairs: too few for a %.0f%% interval)", len(p.ratios), level*100)
	case lo >= goal:
		return fmt.Sprintf("met (median ratio %.2f, %.0f%% interval %.2f-%.2f, all at or above %.2f)", median, level*100, lo, hi, goal)
	case hi < goal:
		return fmt.Sprintf("not met (median ratio %.2f, %.0f%% interval %.2f-%.2f, all below %.2f)", median, level*100, lo, hi, goal)
	default:
		return fmt.Sprintf("not shown (median ratio %.2f, %.0f%% interval %.2f-%.2f straddles %.2f)", median, level*100, lo, hi, goal)
	}
}

func TestSignTestRank(t *testing.T) {
	// Known ranks of the distribution-free 95% interval for a median: n=6 needs the
	// extremes (coverage 96.9%); n=20 gives the 6th from each end (95.9%), n=24 the 7th
	// (97.7%; the 8th would cover 93.6%), n=30 the 10th (95.7%).
	for n, want := range map[int]int{1: 0, 5: 0, 6: 1, 8: 1, 9: 2, 20: 6, 24: 7, 30: 10} {
		if got := signTestRank(n, 0.95); got != want {
			t.Errorf("signTestRank(%d, 0.95) = %d, want %d", n, got, want)
		}
	}
}

func TestPairedRatiosVerdict(t *testing.T) {
	ratios := func(v ...float64) pairedRatios { return pairedRatios{ratios: v} }
	spread := func(center float64) pairedRatios {
		var p pairedRatios
		for i := range 25 {
			p.ratios = append(p.ratios, center+0.01*float64(i-12))
		}
		return p
	}
	for _, c := range []struct {
		name string
		p    pairedRatios
		want string
	}{
		{"too few pairs", ratios(1.2, 1.3, 1.1, 1.2, 1.25), "not shown (5 pairs: too few for a 95% interval)"},
		{"clearly faster", spread(1.10), "met (median ratio 1.10, 95% interval 1.05-1.15, all at or above 0.95)"},
		{"clearly slower", spread(0.80), "not met (median ratio 0.80, 95% interval 0.75-0.85, all below 0.95)"},
		{"straddles the goal", spread(0.96), "not shown (median ratio 0.96, 95% interval 0.91-1.01 straddles 0.95)"},
	} {
		if got := c.p.verdict(0.95, 0.95); got != c.want {
			t.Errorf("%s: verdict = %q, want %q", c.name, got, c.want)
		}
	}
	var p pairedRatios
	p.add(100, 0) // a failed download leaves its pair out
	p.add(0, 100)
	p.add(150, 100)
	if len(p.ratios) != 1 || p.ratios[0] != 1.5 {
		t.Errorf("ratios after two failed pairs and one of 150/100 = %v, want [1.5]", p.ratios)
	}
}
