package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"time"
)

// urlLatency is one URL's request latencies in a comparison.
type urlLatency struct {
	URL   string `json:"url"`
	N     int    `json:"n"`
	P50us int64  `json:"p50us"`
	P99us int64  `json:"p99us"`
}

// compare GETs each URL n times, taking them in turn request by request (A, B, A, B, ...),
// so that whatever else the machine does at a moment touches every URL alike: two blocks
// of requests measured one after the other differ by the machine's drift as much as by
// their paths. Each URL has its own client: with keepalive, one kept-alive connection each;
// without, a new connection for every request.
func compare(urls []string, n int, keepalive bool) ([]urlLatency, error) {
	clients := make([]*http.Client, len(urls))
	for i := range urls {
		clients[i] = &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{DisableKeepAlives: !keepalive}}
	}
	took := make([][]time.Duration, len(urls))
	for range n {
		for i, u := range urls {
			start := time.Now()
			resp, err := clients[i].Get(u)
			if err != nil {
				return nil, fmt.Errorf("get %s: %w", u, err)
			}
			_, err = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if err != nil {
				return nil, fmt.Errorf("read %s: %w", u, err)
			}
			took[i] = append(took[i], time.Since(start))
		}
	}
	out := make([]urlLatency, len(urls))
	for i, u := range urls {
		t := took[i]
		slices.Sort(t)
		out[i] = urlLatency{URL: u, N: len(t), P50us: t[len(t)/2].Microseconds(), P99us: t[len(t)*99/100].Microseconds()}
	}
	return out, nil
}

// addCompare adds GET /compare?url=A&url=B&n=N[&keepalive=1]: JSON, each URL's p50 and p99
// over N requests taken in turn with the other URLs' (see compare).
func addCompare(mux *http.ServeMux) {
	mux.HandleFunc("/compare", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		urls := q["url"]
		n, _ := strconv.Atoi(q.Get("n"))
		if n <= 0 {
			n = 100
		}
		if len(urls) == 0 {
			http.Error(w, "no url", http.StatusBadRequest)
			return
		}
		res, err := compare(urls, n, q.Get("keepalive") == "1")
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		json.NewEncoder(w).Encode(res)
	})
}
