package dns

import (
	"context"
	"errors"
	"fmt"
	"net"

	mdns "github.com/miekg/dns"
)

// Server serves one handler on UDP and TCP at the same address.
type Server struct {
	udp, tcp *mdns.Server
	addr     string
	done     chan error
}

// Listen binds addr (host:port) on UDP and TCP; port 0 picks a port free on both.
func Listen(addr string, h mdns.Handler) (*Server, error) {
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
		return &Server{
			udp:  udp,
			tcp:  &mdns.Server{Listener: l, Handler: h},
			addr: pc.LocalAddr().String(),
		}, nil
	}
}

// Addr is the address the server listens at.
func (s *Server) Addr() string { return s.addr }

// Start serves queries on both listeners until Shutdown; it returns once both answer.
func (s *Server) Start() error {
	started := make(chan struct{}, 2)
	s.done = make(chan error, 2)
	for _, srv := range []*mdns.Server{s.udp, s.tcp} {
		srv.NotifyStartedFunc = func() { started <- struct{}{} }
		go func() { s.done <- srv.ActivateAndServe() }()
	}
	for range 2 {
		select {
		case <-started:
		case err := <-s.done:
			return fmt.Errorf("serve dns on %s: %w", s.addr, err)
		}
	}
	return nil
}

// Shutdown stops both listeners and waits for them to return.
func (s *Server) Shutdown(ctx context.Context) error {
	err := errors.Join(s.udp.ShutdownContext(ctx), s.tcp.ShutdownContext(ctx))
	for range 2 {
		select {
		case <-s.done:
		case <-ctx.Done():
			return errors.Join(err, ctx.Err())
		}
	}
	return err
}
