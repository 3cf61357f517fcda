package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"
)

// serveUDP answers every datagram on addr with answer.
func serveUDP(addr, answer string) error {
	c, err := net.ListenPacket("udp", addr)
	if err != nil {
		return err
	}
	buf := make([]byte, 2048)
	for {
		_, from, err := c.ReadFrom(buf)
		if err != nil {
			return err
		}
		c.WriteTo([]byte(answer), from)
	}
}

// addMeasures adds the handlers that test and measure the network from inside the pod.
func addMeasures(mux *http.ServeMux) {
	mux.HandleFunc("/udp", func(w http.ResponseWriter, r *http.Request) {
		c, err := net.Dial("udp", r.URL.Query().Get("addr"))
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(2 * time.Second))
		buf := make([]byte, 2048)
		if _, err := c.Write([]byte("hello?")); err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		n, err := c.Read(buf)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		w.Write(buf[:n])
	})
	mux.HandleFunc("/addrs", func(w http.ResponseWriter, r *http.Request) {
		addrs, err := net.InterfaceAddrs()
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		for _, a := range addrs {
			fmt.Fprintln(w, a.String())
		}
	})
	mux.HandleFunc("/caps", func(w http.ResponseWriter, r *http.Request) {
		data, err := os.ReadFile("/proc/self/status")
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		for _, line := range strings.Split(string(data), "\n") {
			if strings.HasPrefix(line, "CapEff:") {
				fmt.Fprintln(w, line)
			}
		}
	})
	zeros := make([]byte, 1<<20)
	mux.HandleFunc("/bulk", func(w http.ResponseWriter, r *http.Request) {
		mb, _ := strconv.Atoi(r.URL.Query().Get("mb"))
		w.Header().Set("Content-Length", strconv.Itoa(mb<<20))
		for range mb {
			if _, err := w.Write(zeros); err != nil {
				return
			}
		}
	})
	mux.HandleFunc("/measure", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		n, _ := strconv.Atoi(q.Get("n"))
		if n <= 0 {
			n = 100
		}
		client := http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{DisableKeepAlives: q.Get("keepalive") != "1"}}
		var took []time.Duration
		for range n {
			start := time.Now()
			resp, err := client.Get(q.Get("url"))
			if err != nil {
				http.Error(w, err.Error(), http.StatusBadGateway)
				return
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			took = append(took, time.Since(start))
		}
		slices.Sort(took)
		json.NewEncoder(w).Encode(map[string]int64{
			"n":     int64(n),
			"p50us": took[len(took)/2].Microseconds(),
			"p99us": took[len(took)*99/100].Microseconds(),
		})
	})
	mux.HandleFunc("/throughput", func(w http.ResponseWriter, r *http.Request) {
		client := http.Client{Timeout: 60 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
		start := time.Now()
		resp, err := client.Get(r.URL.Query().Get("url"))
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		n, err := io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		took := time.Since(start)
		json.NewEncoder(w).Encode(map[string]int64{"bytes": n, "bytesPerSecond": int64(float64(n) / took.Seconds())})
	})
}
