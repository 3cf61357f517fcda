package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// loadReport is what a load run answers: how many requests it sent, how many got a 200,
// and why the others failed.
type loadReport struct {
	Sent     int            `json:"sent"`
	OK       int            `json:"ok"`
	Failed   int            `json:"failed"`
	Failures map[string]int `json:"failures"`
}

// load fires GETs at one URL at a steady rate until stopped. Each request goes on a new
// connection unless keepalive is asked for: a Service's address is translated once per
// connection, so only new connections follow its endpoints as they change, which is what a
// rollout under traffic is about (a kept-alive connection tests the server's shutdown).
type load struct {
	mu     sync.Mutex
	report loadReport
	stop   context.CancelFunc
	done   chan struct{}
}

// run starts the requests in the background: rate a second, each with its own timeout.
func (l *load) run(url string, rate int, keepalive bool, timeout time.Duration) {
	ctx, cancel := context.WithCancel(context.Background())
	l.stop, l.done = cancel, make(chan struct{})
	l.report = loadReport{Failures: map[string]int{}}
	client := &http.Client{Timeout: timeout, Transport: &http.Transport{DisableKeepAlives: !keepalive}}
	go func() {
		defer close(l.done)
		var inFlight sync.WaitGroup
		tick := time.NewTicker(time.Second / time.Duration(rate))
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				inFlight.Wait()
				return
			case <-tick.C:
			}
			// One goroutine a request, so that a slow answer does not slow the rate down.
			inFlight.Add(1)
			go func() {
				defer inFlight.Done()
				reason := get(client, url)
				l.mu.Lock()
				defer l.mu.Unlock()
				l.report.Sent++
				if reason == "" {
					l.report.OK++
				} else {
					l.report.Failed++
					l.report.Failures[reason]++
				}
			}()
		}
	}()
}

// finish stops the requests, waits for those in flight and returns the report.
func (l *load) finish() loadReport {
	l.stop()
	<-l.done
	return l.snapshot()
}

// snapshot is the report so far.
func (l *load) snapshot() loadReport {
	l.mu.Lock()
	defer l.mu.Unlock()
	r := l.report
	r.Failures = make(map[string]int, len(l.report.Failures))
	for k, v := range l.report.Failures {
		r.Failures[k] = v
	}
	return r
}

// get does one request and says why it failed ("" when it got a 200 and its whole body).
func get(client *http.Client, url string) string {
	resp, err := client.Get(url)
	if err != nil {
		return failureReason(err)
	}
	defer resp.Body.Close()
	if _, err := io.Copy(io.Discard, resp.Body); err != nil {
		return "read body: " + failureReason(err)
	}
	if resp.StatusCode != http.StatusOK {
		return "HTTP " + strconv.Itoa(resp.StatusCode)
	}
	return ""
}

// failureReason names an error without its addresses and ports, so that failures of one
// kind add up under one reason.
func failureReason(err error) string {
	var op *net.OpError
	switch {
	case errors.Is(err, context.DeadlineExceeded) || isTimeout(err):
		return "timeout"
	case errors.As(err, &op):
		return op.Op + ": " + op.Err.Error()
	case errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF):
		return "connection closed before the answer"
	}
	return err.Error()
}

func isTimeout(err error) bool {
	var t interface{ Timeout() bool }
	return errors.As(err, &t) && t.Timeout()
}

// addLoad adds the load generator: /load/start?url=U&rate=R[&keepalive=1][&timeout=D],
// /load/status and /load/stop (both answer the report; stop ends the run), and
// /load?url=U&rate=R&for=D, a run of D answered at its end.
func addLoad(mux *http.ServeMux) {
	var mu sync.Mutex
	var current *load
	start := func(w http.ResponseWriter, r *http.Request) *load {
		q := r.URL.Query()
		rate, err := strconv.Atoi(q.Get("rate"))
		if err != nil || rate <= 0 || rate > 1000 {
			http.Error(w, "rate: want requests a second, 1 to 1000", http.StatusBadRequest)
			return nil
		}
		timeout := 5 * time.Second
		if s := q.Get("timeout"); s != "" {
			if timeout, err = time.ParseDuration(s); err != nil {
				http.Error(w, "timeout: "+err.Error(), http.StatusBadRequest)
				return nil
			}
		}
		if q.Get("url") == "" {
			http.Error(w, "url: missing", http.StatusBadRequest)
			return nil
		}
		mu.Lock()
		defer mu.Unlock()
		if current != nil {
			http.Error(w, "a load runs already: GET /load/stop first", http.StatusConflict)
			return nil
		}
		current = &load{}
		current.run(q.Get("url"), rate, q.Get("keepalive") == "1", timeout)
		return current
	}
	stop := func() (loadReport, bool) {
		mu.Lock()
		l := current
		current = nil
		mu.Unlock()
		if l == nil {
			return loadReport{}, false
		}
		return l.finish(), true
	}
	mux.HandleFunc("/load/start", func(w http.ResponseWriter, r *http.Request) {
		if start(w, r) != nil {
			fmt.Fprintln(w, "started")
		}
	})
	mux.HandleFunc("/load/status", func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		l := current
		mu.Unlock()
		if l == nil {
			http.Error(w, "no load runs", http.StatusNotFound)
			return
		}
		json.NewEncoder(w).Encode(l.snapshot())
	})
	mux.HandleFunc("/load/stop", func(w http.ResponseWriter, r *http.Request) {
		report, ok := stop()
		if !ok {
			http.Error(w, "no load runs", http.StatusNotFound)
			return
		}
		json.NewEncoder(w).Encode(report)
	})
	mux.HandleFunc("/load", func(w http.ResponseWriter, r *http.Request) {
		d, err := time.ParseDuration(r.URL.Query().Get("for"))
		if err != nil || d <= 0 {
			http.Error(w, "for: want a duration", http.StatusBadRequest)
			return
		}
		if start(w, r) == nil {
			return
		}
		select {
		case <-time.After(d):
		case <-r.Context().Done():
		}
		report, _ := stop()
		json.NewEncoder(w).Encode(report)
	})
}
