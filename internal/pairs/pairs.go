// Package pairs judges a goal of the form "one path moves at least some fraction of what
// another does" from measurements taken in pairs: one a path, the two back to back, taking
// turns at going first, so that the machine's drift touches both sides of a pair alike.
// The benchmarks of the Service path (on the rig and in a private namespace) share it, so
// that both judge their downloads the same way.
package pairs

import (
	"fmt"
	"math"
	"slices"
)

// Ratios is the evidence that one path's throughput is at least some fraction of
// another's: the per-pair ratios of the first path's throughput over the second's.
type Ratios struct {
	ratios []float64 // per pair: the first path's throughput over the second's
}

// Add records one pair's throughputs; a pair with a failed download is left out (the
// caller counts failures).
func (p *Ratios) Add(first, second int64) {
	if first > 0 && second > 0 {
		p.ratios = append(p.ratios, float64(first)/float64(second))
	}
}

// Interval is the median of the per-pair ratios and a distribution-free confidence
// interval for it, from the sign test: the k-th smallest and the k-th largest ratio, with
// the largest k whose interval still covers the true median with at least the given
// probability. No assumption about the shape of the spread is made, which matters here:
// downloads on a busy 2-core machine fall in clusters, not in a bell. ok is false when
// there are too few pairs for any interval at that level (fewer than 6 at 95%).
func (p Ratios) Interval(level float64) (median, lo, hi float64, ok bool) {
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

// Verdict judges the goal "the first path moves at least goal times what the second
// does": met when the whole interval is at or above it, missed when the whole interval is
// below it, and not shown when the interval straddles it (or there are too few pairs).
func (p Ratios) Verdict(goal, level float64) string {
	median, lo, hi, ok := p.Interval(level)
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
