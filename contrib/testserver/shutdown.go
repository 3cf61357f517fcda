package main

import (
	"context"
	"errors"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"sync/atomic"
	"syscall"
	"time"
)

// serveUntilSignal serves on ln until SIGTERM or SIGINT, then shuts down gracefully: it
// first answers /ready with 503 and keeps serving for delay (time for the endpoint to leave
// load balancers that have not heard yet), then stops accepting, closes idle kept-alive
// connections and lets the requests in flight finish, for at most grace.
func serveUntilSignal(ln net.Listener, h http.Handler, stopping *atomic.Bool, delay, grace time.Duration) error {
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT)
	defer signal.Stop(sigs)
	return serveUntil(ln, h, sigs, stopping, delay, grace)
}

// serveUntil is serveUntilSignal with the signals given: the first value on sigs starts
// the shutdown. It returns nil once every request has been answered.
func serveUntil(ln net.Listener, h http.Handler, sigs <-chan os.Signal, stopping *atomic.Bool, delay, grace time.Duration) error {
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	var sig os.Signal
	select {
	case err := <-served:
		return err
	case sig = <-sigs:
	}
	stopping.Store(true)
	log.Printf("%s: not ready; shutting down in %s", sig, delay)
	time.Sleep(delay)
	ctx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	start := time.Now()
	if err := srv.Shutdown(ctx); err != nil {
		return err
	}
	if err := <-served; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	log.Printf("shut down: the last requests took %s", time.Since(start).Round(time.Millisecond))
	return nil
}
