package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

var (
	baseBin        = flag.String("swarm-base", "", "an earlier swarm binary, measured in the same rounds to compare with")
	durableNodes   = flag.Int("durable-nodes", 3, "cluster size for the durability measurement")
	durableObjects = flag.Int("durable-objects", 200, "Deployments applied in each way")
	durableClients = flag.String("durable-clients", "16,64", "concurrent clients of the throughput measurements, comma-separated")
	durableRounds  = flag.Int("durable-rounds", 5, "rounds; each measures every target on a fresh cluster")
)

// durableTarget is one way of writing: a build and the ?ack= it is asked for.
type durableTarget struct {
	name string
	bin  string
	ack  string // empty: no parameter (an earlier build knows none)
}

// durableResult is what one target measured in one round.
type durableResult struct {
	oneMedian, oneP99 time.Duration // one apply at a time
	oneRate           float64       // applies per second, one at a time
	manyRate          []float64     // applies per second, for each count of concurrent clients
	manyP99           []time.Duration
	batch             time.Duration // one manifest of every object
}

// durability applies the same Deployments one at a time, from concurrent clients, and as one
// manifest, for every target, each round on a fresh cluster, the targets in turn.
func durability(ctx context.Context, dir string) error {
	var targets []durableTarget
	if *baseBin != "" {
		targets = append(targets, durableTarget{name: "base build", bin: *baseBin})
	}
	for _, ack := range []string{"local", "one", "all"} {
		targets = append(targets, durableTarget{name: "ack=" + ack, bin: *swarmBin, ack: ack})
	}
	results := make(map[string][]durableResult)
	for r := range *durableRounds {
		for i, tg := range targets {
			net := fmt.Sprintf("127.0.%d", 20+r*len(targets)+i)
			log.Printf("durability round %d: %s on %d agents (%s.x)", r+1, tg.name, *durableNodes, net)
			res, err := measureDurable(ctx, filepath.Join(dir, fmt.Sprintf("r%d-%d", r, i)), tg, net)
			if err != nil {
				return fmt.Errorf("%s: %w", tg.name, err)
			}
			results[tg.name] = append(results[tg.name], res)
		}
	}
	fmt.Printf("### Durable writes: %d Deployments applied to one of %d agents (median of %d rounds)\n\n",
		*durableObjects, *durableNodes, *durableRounds)
	head, rule := "| build, ?ack= | one at a time: median | p99 | applies/s |", "| --- | --- | --- | --- |"
	for _, c := range clientCounts() {
		head += fmt.Sprintf(" %d clients: applies/s | p99 |", c)
		rule += " --- | --- |"
	}
	fmt.Printf("%s one manifest of %d |\n%s --- |\n", head, *durableObjects, rule)
	for _, tg := range targets {
		rs := results[tg.name]
		pick := func(f func(durableResult) float64) float64 {
			var xs []float64
			for _, r := range rs {
				xs = append(xs, f(r))
			}
			return medianF(xs)
		}
		ms := func(f func(durableResult) time.Duration) string {
			return fmt.Sprintf("%.2f ms", pick(func(r durableResult) float64 { return float64(f(r)) / 1e6 }))
		}
		row := fmt.Sprintf("| %s | %s | %s | %.0f |", tg.name,
			ms(func(r durableResult) time.Duration { return r.oneMedian }),
			ms(func(r durableResult) time.Duration { return r.oneP99 }),
			pick(func(r durableResult) float64 { return r.oneRate }))
		for i := range clientCounts() {
			row += fmt.Sprintf(" %.0f | %s |",
				pick(func(r durableResult) float64 { return r.manyRate[i] }),
				ms(func(r durableResult) time.Duration { return r.manyP99[i] }))
		}
		fmt.Printf("%s %s |\n", row, ms(func(r durableResult) time.Duration { return r.batch }))
	}
	fmt.Println()
	return nil
}

func clientCounts() []int {
	var out []int
	for _, f := range strings.Split(*durableClients, ",") {
		if c, err := strconv.Atoi(strings.TrimSpace(f)); err == nil && c > 0 {
			out = append(out, c)
		}
	}
	return out
}

func measureDurable(ctx context.Context, dir string, tg durableTarget, net string) (durableResult, error) {
	var res durableResult
	c, err := startClusterOf(ctx, dir, *durableNodes, tg.bin, net)
	if err != nil {
		return res, err
	}
	defer func() {
		c.stop()
		_ = os.RemoveAll(dir)
	}()
	a := c.agents[0]
	path := "/api/v1/manifests"
	if tg.ack != "" {
		path += "?ack=" + tg.ack
	}
	client := &http.Client{Timeout: 30 * time.Second,
		Transport: &http.Transport{MaxIdleConnsPerHost: slices.Max(clientCounts())}}
	post := func(yaml string) (time.Duration, error) {
		start := time.Now()
		resp, err := client.Post(a.api(path), "application/yaml", strings.NewReader(yaml))
		if err != nil {
			return 0, err
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return 0, fmt.Errorf("apply: HTTP %d: %s", resp.StatusCode, body)
		}
		return time.Since(start), nil
	}

	// One at a time.
	var one []time.Duration
	start := time.Now()
	for i := range *durableObjects {
		d, err := post(deployment(fmt.Sprintf("one-%d", i), 1))
		if err != nil {
			return res, err
		}
		one = append(one, d)
	}
	res.oneRate = float64(len(one)) / time.Since(start).Seconds()
	res.oneMedian, res.oneP99 = median(one), percentile(one, 0.99)

	// Concurrent clients.
	for round, clients := range clientCounts() {
		var (
			mu   sync.Mutex
			many []time.Duration
			errs []error
			wg   sync.WaitGroup
			next = make(chan int)
		)
		start := time.Now()
		for range clients {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range next {
					d, err := post(deployment(fmt.Sprintf("many%d-%d", round, i), 1))
					mu.Lock()
					if err != nil {
						errs = append(errs, err)
					} else {
						many = append(many, d)
					}
					mu.Unlock()
				}
			}()
		}
		for i := range *durableObjects {
			next <- i
		}
		close(next)
		wg.Wait()
		if len(errs) > 0 {
			return res, errs[0]
		}
		res.manyRate = append(res.manyRate, float64(len(many))/time.Since(start).Seconds())
		res.manyP99 = append(res.manyP99, percentile(many, 0.99))
	}

	// One manifest holding every object.
	var all strings.Builder
	for i := range *durableObjects {
		all.WriteString(deployment(fmt.Sprintf("batch-%d", i), 1) + "---\n")
	}
	if res.batch, err = post(all.String()); err != nil {
		return res, err
	}
	return res, nil
}

// percentile of d, p in (0, 1], by the nearest rank.
func percentile(d []time.Duration, p float64) time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	i := int(p*float64(len(s))+0.5) - 1
	return s[min(max(i, 0), len(s)-1)]
}
