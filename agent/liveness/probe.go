package liveness

import (
	"context"
	"errors"
	"net"
	"sync"
	"syscall"
	"time"
)

// Dialer opens a connection as net.Dialer.DialContext does; tests replace it to play a
// machine that no longer answers.
type Dialer func(ctx context.Context, network, addr string) (net.Conn, error)

// Answered dials every target at once and reports whether one answered within timeout:
// it accepted the connection, or, for a Kernel target, refused it. It returns as soon as
// one did.
func Answered(ctx context.Context, dial Dialer, targets []Target, timeout time.Duration) bool {
	if len(targets) == 0 {
		return false
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	answers := make(chan bool, len(targets))
	var wg sync.WaitGroup
	for _, t := range targets {
		wg.Add(1)
		go func() {
			defer wg.Done()
			answers <- answers1(ctx, dial, t)
		}()
	}
	go func() {
		wg.Wait()
		close(answers)
	}()
	for ok := range answers {
		if ok {
			return true
		}
	}
	return false
}

// answers1 dials one target.
func answers1(ctx context.Context, dial Dialer, t Target) bool {
	c, err := dial(ctx, "tcp", t.Addr)
	if err == nil {
		c.Close()
		return true
	}
	return t.Kernel && errors.Is(err, syscall.ECONNREFUSED)
}
