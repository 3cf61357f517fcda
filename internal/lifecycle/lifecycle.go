// Package lifecycle is the one contract every long-running part of a node follows: a
// Runnable's Start runs until its context ends (or it fails) and returns only once it has
// stopped, and a Group starts several together and waits for all of them.
package lifecycle

import (
	"context"
	"errors"
	"fmt"
	"sync"
)

// Runnable is a long-running part: a loop, a server, a watcher. Start blocks while the part
// runs; it returns nil once ctx has ended and the part has stopped, or the error that ended
// it early.
type Runnable interface {
	Start(ctx context.Context) error
}

// Func makes a function a Runnable.
type Func func(ctx context.Context) error

// Start implements Runnable.
func (f Func) Start(ctx context.Context) error { return f(ctx) }

// Group runs named Runnables together. The first one that fails stops the others: a node
// with a dead API server or reconciler is better stopped (and restarted by systemd) than
// left half alive.
type Group struct {
	parts []part
}

type part struct {
	name string
	run  Runnable
}

// Add registers a part; it starts with Run.
func (g *Group) Add(name string, r Runnable) {
	g.parts = append(g.parts, part{name: name, run: r})
}

// Run starts every part and returns when all have returned: after ctx ends, or after one
// failed and the rest were stopped. The error is the first failure, named by its part.
func (g *Group) Run(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		wg    sync.WaitGroup
		once  sync.Once
		first error
	)
	for _, p := range g.parts {
		wg.Go(func() {
			err := p.run.Start(ctx)
			if err == nil || (ctx.Err() != nil && errors.Is(err, context.Canceled)) {
				return
			}
			once.Do(func() {
				first = fmt.Errorf("%s: %w", p.name, err)
				cancel()
			})
		})
	}
	wg.Wait()
	return first
}

// Background runs the group until Stop is called, for callers (tests, an agent's Shutdown)
// that start a node and stop it later from elsewhere.
type Background struct {
	cancel context.CancelFunc
	done   chan struct{}
	err    error
}

// Go starts the group in the background with a context derived from ctx.
func (g *Group) Go(ctx context.Context) *Background {
	ctx, cancel := context.WithCancel(ctx)
	b := &Background{cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(b.done)
		b.err = g.Run(ctx)
	}()
	return b
}

// Done is closed once every part has returned.
func (b *Background) Done() <-chan struct{} { return b.done }

// Stop ends the group's context and waits for every part; it returns the group's error.
func (b *Background) Stop() error {
	b.cancel()
	<-b.done
	return b.err
}
