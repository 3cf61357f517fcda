package lifecycle

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
)

func TestGroupStopsEveryPartWhenCtxEnds(t *testing.T) {
	var stopped atomic.Int32
	var g Group
	for _, name := range []string{"a", "b", "c"} {
		g.Add(name, Func(func(ctx context.Context) error {
			<-ctx.Done()
			stopped.Add(1)
			return nil
		}))
	}
	b := g.Go(context.Background())
	if err := b.Stop(); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	if n := stopped.Load(); n != 3 {
		t.Fatalf("%d parts stopped before Stop returned, want 3", n)
	}
}

func TestGroupFirstFailureStopsTheRest(t *testing.T) {
	var g Group
	var rest atomic.Bool
	g.Add("server", Func(func(ctx context.Context) error { return errors.New("listen: address in use") }))
	g.Add("loop", Func(func(ctx context.Context) error {
		<-ctx.Done()
		rest.Store(true)
		return ctx.Err() // a part that returns its context's error is not a failure
	}))
	err := g.Run(context.Background())
	if err == nil || !strings.Contains(err.Error(), "server: listen: address in use") {
		t.Fatalf("Run = %v, want the server's failure named by its part", err)
	}
	if !rest.Load() {
		t.Fatal("the loop was not stopped and waited for")
	}
}

func TestBackgroundDoneAfterFailure(t *testing.T) {
	var g Group
	g.Add("broken", Func(func(context.Context) error { return errors.New("boom") }))
	b := g.Go(context.Background())
	<-b.Done()
	if err := b.Stop(); err == nil || err.Error() != "broken: boom" {
		t.Fatalf("Stop = %v, want broken: boom", err)
	}
}
