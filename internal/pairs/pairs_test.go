package pairs

import "testing"

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
	ratios := func(v ...float64) Ratios { return Ratios{ratios: v} }
	spread := func(center float64) Ratios {
		var p Ratios
		for i := range 25 {
			p.ratios = append(p.ratios, center+0.01*float64(i-12))
		}
		return p
	}
	for _, c := range []struct {
		name string
		p    Ratios
		want string
	}{
		{"too few pairs", ratios(1.2, 1.3, 1.1, 1.2, 1.25), "not shown (5 pairs: too few for a 95% interval)"},
		{"clearly faster", spread(1.10), "met (median ratio 1.10, 95% interval 1.05-1.15, all at or above 0.95)"},
		{"clearly slower", spread(0.80), "not met (median ratio 0.80, 95% interval 0.75-0.85, all below 0.95)"},
		{"straddles the goal", spread(0.96), "not shown (median ratio 0.96, 95% interval 0.91-1.01 straddles 0.95)"},
	} {
		if got := c.p.Verdict(0.95, 0.95); got != c.want {
			t.Errorf("%s: verdict = %q, want %q", c.name, got, c.want)
		}
	}
	var p Ratios
	p.Add(100, 0) // a failed download leaves its pair out
	p.Add(0, 100)
	p.Add(150, 100)
	if len(p.ratios) != 1 || p.ratios[0] != 1.5 {
		t.Errorf("ratios after two failed pairs and one of 150/100 = %v, want [1.5]", p.ratios)
	}
}
