package dns

import (
	"context"
	"errors"
	"fmt"
	"net"
	"time"

	mdns "github.com/miekg/dns"
)

// Listener serves one handler on UDP and TCP at the same address; it is a
// lifecycle.Runnable.
type Listener struct {
	udp, tcp *mdns.Server
	addr     string
	done     chan error
}

// Listen binds addr (host:port) on UDP and TCP; port 0 picks a port free on both. Queries
// that come before Start wait in the sockets.
func Listen(addr string, h mdns.Handler) (*Listener, error) {
	_, port, _ := net.SplitHostPort(addr)
	for try := 1; ; try++ {
		pc, err := net.ListenPacket("udp", addr)
		if err != nil {
			return nil, fmt.Errorf("listen on udp %s: %w", addr, err)
		}
		l, err := net.Listen("tcp", pc.LocalAddr().String())
		if err != nil {
			pc.Close()
			if port == "0" && try < 20 {
				continue // the kernel's free UDP port is taken on TCP: another one
			}
			return nil, fmt.Errorf("listen on tcp %s: %w", addr, err)
		}
		udp := &mdns.Server{PacketConn: pc, Handler: h}
		if h, ok := h.(*Handler); ok {
			serveUDP(udp, h)
		}
		return &Listener{
			udp:  udp,
			tcp:  &mdns.Server{Listener: l, Handler: h},
			addr: pc.LocalAddr().String(),
		}, nil
	}
}

// Addr is the address the listener is bound to.
func (l *Listener) Addr() string { return l.addr }

// Start serves queries until ctx ends, then stops both listeners and returns.
func (l *Listener) Start(ctx context.Context) error {
	if err := l.activate(); err != nil {
		return err
	}
	return l.serveUntil(ctx)
}

// activate starts serving on both listeners; it returns once both answer.
func (l *Listener) activate() error {
	started := make(chan struct{}, 2)
	l.done = make(chan error, 2)
	for _, srv := range []*mdns.Server{l.udp, l.tcp} {
		srv.NotifyStartedFunc = func() { started <- struct{}{} }
		go func() { l.done <- srv.ActivateAndServe() }()
	}
	for range 2 {
		select {
		case <-started:
		case err := <-l.done:
			return fmt.Errorf("serve dns on %s: %w", l.addr, err)
		}
	}
	return nil
}

// shutdownTimeout bounds the wait for the queries in flight when a listener stops.
const shutdownTimeout = 5 * time.Second

// serveUntil waits for ctx to end, then stops both listeners and waits for them to return.
func (l *Listener) serveUntil(ctx context.Context) error {
	<-ctx.Done()
	shutdown, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	err := errors.Join(l.udp.ShutdownContext(shutdown), l.tcp.ShutdownContext(shutdown))
	for range 2 {
		select {
		case <-l.done:
		case <-shutdown.Done():
			return errors.Join(err, shutdown.Err())
		}
	}
	return err
}
