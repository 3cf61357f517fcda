package l4

import (
	"context"
	"errors"
	"io"
	"net"
	"time"
)

// serveTCP accepts connections on ln until it is closed.
func (f *Forwarder) serveTCP(l *listener, ln net.Listener) {
	defer close(l.done)
	for {
		c, err := ln.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			// Out of file descriptors, or a connection reset before it was accepted: the
			// listener is still good.
			f.log.Debug("accept failed", "port", l.want.Load().Key.String(), "err", err)
			time.Sleep(10 * time.Millisecond)
			continue
		}
		f.handlers.Add(1)
		go func() {
			defer f.handlers.Done()
			f.forwardTCP(l, c.(*net.TCPConn))
		}()
	}
}

// forwardTCP connects client to the first endpoint of the turn that accepts, and copies
// both ways until both sides are done.
func (f *Forwarder) forwardTCP(l *listener, client *net.TCPConn) {
	f.track(client)
	defer f.untrack(client)
	defer client.Close()
	backend := f.dialTCP(l)
	if backend == nil {
		return
	}
	f.track(backend)
	defer f.untrack(backend)
	defer backend.Close()
	splice(client, backend)
}

// dialTCP connects to the endpoints of l in turn, and returns the first that accepts; nil
// when none did.
func (f *Forwarder) dialTCP(l *listener) *net.TCPConn {
	backends := l.turn()
	d := net.Dialer{Timeout: f.cfg.DialTimeout}
	for _, addr := range backends {
		c, err := d.DialContext(context.Background(), "tcp", addr)
		if err == nil {
			return c.(*net.TCPConn)
		}
		f.log.Debug("endpoint refused; trying the next", "port", l.want.Load().Key.String(), "endpoint", addr, "err", err)
	}
	if len(backends) == 0 {
		f.log.Debug("no ready endpoint; connection closed", "port", l.want.Load().Key.String())
	} else {
		f.log.Warn("no endpoint accepted the connection", "port", l.want.Load().Key.String(), "endpoints", len(backends))
	}
	return nil
}

// splice copies a to b and b to a. When one side ends its sending (EOF), the other side's
// sending half is shut, so that it reads its EOF and can still answer; an error on either
// way (a reset) ends both, so that nothing waits on a peer that is gone.
func splice(a, b *net.TCPConn) {
	done := make(chan struct{}, 2)
	copyHalf := func(dst, src *net.TCPConn) {
		defer func() { done <- struct{}{} }()
		if _, err := io.Copy(dst, src); err != nil {
			_ = a.Close()
			_ = b.Close()
			return
		}
		_ = dst.CloseWrite()
	}
	go copyHalf(b, a)
	go copyHalf(a, b)
	<-done
	<-done
}
