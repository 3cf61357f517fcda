package kubectl_test

import (
	"context"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/podman-swarm/podman-swarm/reconcile"
)

// testRuntime stands for podman and the journal on an agent that runs no runtime: a
// command run in a pod is a process of this machine (on pipes or a pseudo-terminal, as
// podman exec runs it), a port of a pod is this machine's loopback port, and each container
// has a log of five lines, a minute apart, the last a minute before it is asked for, which
// it filters by the options the API passed, as the journal does. A followed log then takes
// the lines given to follow. Everything between kubectl and this runtime is the real path:
// the API, its websockets, the passing on between agents.
type testRuntime struct {
	// follow hands a followed log its new lines.
	follow chan string
	// following counts the followed logs being written.
	following atomic.Int32

	mu    sync.Mutex
	calls []string
}

func newTestRuntime() *testRuntime {
	return &testRuntime{follow: make(chan string)}
}

// logLines is the log of a container asked for at now: "<container> line N" at its time.
func logLines(container string, now time.Time) ([]string, []time.Time) {
	var lines []string
	var times []time.Time
	for i := 1; i <= 5; i++ {
		lines = append(lines, fmt.Sprintf("%s line %d", container, i))
		times = append(times, now.Add(-time.Duration(6-i)*time.Minute))
	}
	return lines, times
}

func (r *testRuntime) Logs(ctx context.Context, podKey, container string, opts reconcile.LogOptions, w io.Writer) error {
	r.record(fmt.Sprintf("logs %s %s%s", podKey, container, logOptionsText(opts)))
	return r.writeLog(ctx, container, opts, w)
}

func (r *testRuntime) EndedLogs(ctx context.Context, namespace, pod, container string, opts reconcile.LogOptions, w io.Writer) error {
	r.record(fmt.Sprintf("ended-logs %s/%s %s%s", namespace, pod, container, logOptionsText(opts)))
	return r.writeLog(ctx, container, opts, w)
}

func (r *testRuntime) writeLog(ctx context.Context, container string, opts reconcile.LogOptions, w io.Writer) error {
	lines, times := logLines(container, time.Now())
	var out []string
	for i, l := range lines {
		if !opts.Since.IsZero() && times[i].Before(opts.Since) {
			continue
		}
		if opts.Timestamps {
			l = times[i].UTC().Format(time.RFC3339Nano) + " " + l
		}
		out = append(out, l)
	}
	if opts.Tail != nil && len(out) > *opts.Tail {
		out = out[len(out)-*opts.Tail:]
	}
	for _, l := range out {
		if _, err := io.WriteString(w, l+"\n"); err != nil {
			return err
		}
	}
	if opts.Follow {
		r.following.Add(1)
		defer r.following.Add(-1)
	}
	for opts.Follow {
		select {
		case l := <-r.follow:
			if _, err := io.WriteString(w, l+"\n"); err != nil {
				return err
			}
		case <-ctx.Done():
			return nil
		}
	}
	return nil
}

// logOptionsText is the options a log was asked with, for the record of the calls.
func logOptionsText(o reconcile.LogOptions) string {
	var b strings.Builder
	if o.Follow {
		b.WriteString(" follow")
	}
	if o.Timestamps {
		b.WriteString(" timestamps")
	}
	if o.Tail != nil {
		b.WriteString(" tail=" + strconv.Itoa(*o.Tail))
	}
	if !o.Since.IsZero() {
		b.WriteString(" since")
	}
	return b.String()
}

func (r *testRuntime) Describe(context.Context, string) (reconcile.PodDetail, error) {
	return reconcile.PodDetail{}, reconcile.ErrNoPod
}

func (r *testRuntime) Exec(ctx context.Context, podKey, container string, command []string, s reconcile.Stdio) (int, error) {
	r.record(fmt.Sprintf("exec %s %s %s", podKey, container, strings.Join(command, " ")))
	return reconcile.RunAttached(ctx, command, s)
}

func (r *testRuntime) PortForward(ctx context.Context, podKey string, port int32, conn io.ReadWriter) error {
	r.record(fmt.Sprintf("portforward %s %d", podKey, port))
	var d net.Dialer
	c, err := d.DialContext(ctx, "tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(int(port))))
	if err != nil {
		return err
	}
	defer c.Close()
	// The client's end of input is passed on, and the port's answer still comes back, as
	// the agent's port pipe does.
	go func() {
		_, _ = io.Copy(c, conn)
		_ = c.(*net.TCPConn).CloseWrite()
	}()
	back := make(chan struct{})
	go func() {
		defer close(back)
		_, _ = io.Copy(conn, c)
	}()
	select {
	case <-back:
	case <-ctx.Done():
	}
	return nil
}

func (r *testRuntime) record(call string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls = append(r.calls, call)
}

// seen returns the calls made so far and forgets them.
func (r *testRuntime) seen() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	calls := r.calls
	r.calls = nil
	return calls
}
