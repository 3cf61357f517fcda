package e2e

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"os"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"golang.org/x/sys/unix"
)

// netnsDialer opens TCP connections from inside a network namespace of the host (such as
// swarm-br, the nodes' network outside every node) without a process per request: a socket
// belongs to the namespace of the thread that created it, so a few goroutines, each locked
// to a thread that entered the namespace, do the dials.
type netnsDialer struct {
	dials chan dialRequest
}

type dialRequest struct {
	addr  string
	reply chan dialResult
}

type dialResult struct {
	conn net.Conn
	err  error
}

// newNetnsDialer starts workers dialers in /run/netns/NAME; stop ends them.
func newNetnsDialer(name string, workers int) (d *netnsDialer, stop func(), err error) {
	d = &netnsDialer{dials: make(chan dialRequest)}
	started := make(chan error, workers)
	for range workers {
		go func() {
			// Never unlocked: the thread, in the other namespace, ends with the goroutine.
			runtime.LockOSThread()
			f, err := os.Open("/run/netns/" + name)
			if err == nil {
				err = unix.Setns(int(f.Fd()), unix.CLONE_NEWNET)
				f.Close()
			}
			started <- err
			if err != nil {
				return
			}
			dialer := net.Dialer{Timeout: 5 * time.Second}
			for r := range d.dials {
				c, err := dialer.Dial("tcp", r.addr)
				r.reply <- dialResult{c, err}
			}
		}()
	}
	var errs []error
	for range workers {
		errs = append(errs, <-started)
	}
	stop = func() { close(d.dials) }
	if err := errors.Join(errs...); err != nil {
		stop()
		return nil, nil, fmt.Errorf("enter network namespace %s: %w", name, err)
	}
	return d, stop, nil
}

// DialContext is an http.Transport's dialer.
func (d *netnsDialer) DialContext(ctx context.Context, _, addr string) (net.Conn, error) {
	r := dialRequest{addr: addr, reply: make(chan dialResult, 1)}
	select {
	case d.dials <- r:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	select {
	case res := <-r.reply:
		return res.conn, res.err
	case <-ctx.Done():
		go func() {
			if res := <-r.reply; res.conn != nil {
				res.conn.Close()
			}
		}()
		return nil, ctx.Err()
	}
}

// loadCounts is what a steady load saw: requests sent, answered well, failed by reason.
type loadCounts struct {
	Sent     int            `json:"sent"`
	OK       int            `json:"ok"`
	Failed   int            `json:"failed"`
	Failures map[string]int `json:"failures"`
}

func (c loadCounts) String() string {
	reasons := slices.Sorted(maps.Keys(c.Failures))
	var parts []string
	for _, r := range reasons {
		parts = append(parts, fmt.Sprintf("%q: %d", r, c.Failures[r]))
	}
	return fmt.Sprintf("%d sent, %d ok, %d failed {%s}", c.Sent, c.OK, c.Failed, strings.Join(parts, ", "))
}

// minus is what happened since an earlier look at the same load.
func (c loadCounts) minus(before loadCounts) loadCounts {
	d := loadCounts{Sent: c.Sent - before.Sent, OK: c.OK - before.OK, Failed: c.Failed - before.Failed, Failures: map[string]int{}}
	for r, n := range c.Failures {
		if n -= before.Failures[r]; n > 0 {
			d.Failures[r] = n
		}
	}
	return d
}

// hostLoad sends GETs from the test process at a steady rate, each on a new connection,
// to the given URLs in turn with a Host header, and counts how each went: an answer is
// good when it is a 200 whose body matches want.
type hostLoad struct {
	mu     sync.Mutex
	counts loadCounts
	cancel context.CancelFunc
	done   chan struct{}
}

func startHostLoad(dialer *netnsDialer, urls []string, host string, rate int, want func(string) bool) *hostLoad {
	client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{
		DialContext: dialer.DialContext, DisableKeepAlives: true,
	}}
	ctx, cancel := context.WithCancel(context.Background())
	l := &hostLoad{cancel: cancel, done: make(chan struct{}), counts: loadCounts{Failures: map[string]int{}}}
	go func() {
		defer close(l.done)
		var inFlight sync.WaitGroup
		tick := time.NewTicker(time.Second / time.Duration(rate))
		defer tick.Stop()
		for n := 0; ; n++ {
			select {
			case <-ctx.Done():
				inFlight.Wait()
				return
			case <-tick.C:
			}
			u := urls[n%len(urls)]
			inFlight.Add(1)
			go func() {
				defer inFlight.Done()
				reason := hostGet(client, u, host, want)
				l.mu.Lock()
				defer l.mu.Unlock()
				l.counts.Sent++
				if reason == "" {
					l.counts.OK++
				} else {
					l.counts.Failed++
					l.counts.Failures[reason]++
				}
			}()
		}
	}()
	return l
}

// snapshot is the counts so far.
func (l *hostLoad) snapshot() loadCounts {
	l.mu.Lock()
	defer l.mu.Unlock()
	c := l.counts
	c.Failures = maps.Clone(l.counts.Failures)
	return c
}

// stop ends the load, waits for the requests in flight and returns the counts.
func (l *hostLoad) stop() loadCounts {
	l.cancel()
	<-l.done
	return l.snapshot()
}

// hostGet does one GET and says why it failed ("" when it did not), naming the URL's host
// (which node's ingress) and the kind of error without ports.
func hostGet(client *http.Client, u, host string, want func(string) bool) string {
	req, err := http.NewRequest("GET", u, nil)
	if err != nil {
		return err.Error()
	}
	req.Host = host
	where := req.URL.Host + ": "
	resp, err := client.Do(req)
	if err != nil {
		var op *net.OpError
		var timeout interface{ Timeout() bool }
		switch {
		case errors.As(err, &timeout) && timeout.Timeout():
			return where + "timeout"
		case errors.As(err, &op):
			return where + op.Op + ": " + op.Err.Error()
		case errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF):
			return where + "connection closed before the answer"
		}
		return where + err.Error()
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	switch {
	case err != nil:
		return where + "read body: " + err.Error()
	case resp.StatusCode != http.StatusOK:
		return fmt.Sprintf("%sHTTP %d %s", where, resp.StatusCode, strings.TrimSpace(string(body)))
	case !want(string(body)):
		return where + "unexpected body"
	}
	return ""
}
