package netrules

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strconv"
	"testing"
	"time"
)

// The Service path benchmark's settings, read from the environment: it runs in a copy of
// the test binary inside a private namespace, which gets the environment but not the
// flags of `go test`.
const (
	envPathBench         = "SWARM_BENCH_NETPATH"          // set: run the benchmark
	envPathBenchPairs    = "SWARM_BENCH_NETPATH_PAIRS"    // pairs of downloads judged
	envPathBenchMiB      = "SWARM_BENCH_NETPATH_MIB"      // size of one download
	envPathBenchRequests = "SWARM_BENCH_NETPATH_REQUESTS" // new connections a path, for latency
)

// pathBench is what one run of the benchmark measures.
type pathBench struct {
	pairs    int // pairs of downloads, one through the ClusterIP and one direct
	mib      int // MiB a download
	requests int // new connections with one small request, a path
}

// pathBenchConfig reads the benchmark's settings with getenv; an unset one keeps its
// default (80 pairs of 256 MiB, 2,000 requests a path), a set one must be a positive
// whole number.
func pathBenchConfig(getenv func(string) string) (pathBench, error) {
	cfg := pathBench{pairs: 80, mib: 256, requests: 2000}
	for _, s := range []struct {
		name string
		to   *int
	}{{envPathBenchPairs, &cfg.pairs}, {envPathBenchMiB, &cfg.mib}, {envPathBenchRequests, &cfg.requests}} {
		v := getenv(s.name)
		if v == "" {
			continue
		}
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return pathBench{}, fmt.Errorf("read %s=%q: want a whole number of at least 1", s.name, v)
		}
		*s.to = n
	}
	return cfg, nil
}

// pairOrder is which path goes first in pair i: the two take turns, so that whatever the
// first of two downloads pays (or gains) falls on each path alike.
func pairOrder(i int) [2]int {
	if i%2 == 0 {
		return [2]int{0, 1}
	}
	return [2]int{1, 0}
}

// quantile is the q-quantile of v by nearest rank (the smallest value with at least q of
// them at or below it); v is left as it was. It is the zero value for no values.
func quantile[T cmp.Ordered](v []T, q float64) T {
	if len(v) == 0 {
		var zero T
		return zero
	}
	s := slices.Sorted(slices.Values(v))
	return s[max(0, int(math.Ceil(q*float64(len(s))))-1)]
}

// micros shows a duration in µs to a tenth: new connections over the loopback take tens.
func micros(d time.Duration) string { return strconv.FormatFloat(float64(d)/1e3, 'f', 1, 64) }

func TestPathBenchConfig(t *testing.T) {
	env := func(kv ...string) func(string) string {
		return func(k string) string {
			for i := 0; i+1 < len(kv); i += 2 {
				if kv[i] == k {
					return kv[i+1]
				}
			}
			return ""
		}
	}
	if got, err := pathBenchConfig(env()); err != nil || got != (pathBench{pairs: 80, mib: 256, requests: 2000}) {
		t.Errorf("defaults = %+v, %v; want 80 pairs of 256 MiB, 2000 requests", got, err)
	}
	got, err := pathBenchConfig(env(envPathBenchPairs, "6", envPathBenchMiB, "16", envPathBenchRequests, "100"))
	if err != nil || got != (pathBench{pairs: 6, mib: 16, requests: 100}) {
		t.Errorf("set = %+v, %v; want 6 pairs of 16 MiB, 100 requests", got, err)
	}
	for _, bad := range []string{"0", "-3", "many", "2.5"} {
		if got, err := pathBenchConfig(env(envPathBenchMiB, bad)); err == nil {
			t.Errorf("%s=%s gave %+v; want an error", envPathBenchMiB, bad, got)
		}
	}
}

func TestPairOrderTakesTurns(t *testing.T) {
	first := [2]int{}
	for i := range 10 {
		o := pairOrder(i)
		if o[0] == o[1] {
			t.Fatalf("pair %d measures path %d twice", i, o[0])
		}
		first[o[0]]++
	}
	if first != [2]int{5, 5} {
		t.Errorf("in 10 pairs each path went first %v times; want 5 and 5", first)
	}
}

func TestQuantile(t *testing.T) {
	v := []int{50, 10, 40, 20, 30}
	for q, want := range map[float64]int{0: 10, 0.2: 10, 0.5: 30, 0.99: 50, 1: 50} {
		if got := quantile(v, q); got != want {
			t.Errorf("quantile(%v, %v) = %d, want %d", v, q, got, want)
		}
	}
	if !slices.Equal(v, []int{50, 10, 40, 20, 30}) {
		t.Errorf("quantile reordered its input: %v", v)
	}
	if got := quantile([]time.Duration{4, 1, 3, 2}, 0.5); got != 2 {
		t.Errorf("median of 1-4 by nearest rank = %d, want 2", got)
	}
	if got := quantile[float64](nil, 0.5); got != 0 {
		t.Errorf("quantile of nothing = %v, want 0", got)
	}
}
