package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/url"
	"sync"

	corev1 "k8s.io/api/core/v1"
)

// runManyLogs prints the logs of several pods or containers: one after the other, or,
// following, all at once, line by line. Each line starts with its pod and container when
// there are several streams, unless --prefix says otherwise. A stream that fails is
// reported on errOut and the others go on; the command then fails.
func runManyLogs(ctx context.Context, c *client, t logsTarget, o logsOptions, out, errOut io.Writer) error {
	if kind := ownerKinds[t.kind]; kind != "" {
		// A workload that does not exist is an error, one without pods is not.
		if err := c.do("GET", "/api/v1/"+t.kind+"s/"+url.PathEscape(o.namespace)+"/"+url.PathEscape(t.name), nil, "", nil, nil); err != nil {
			return err
		}
	}
	var l struct{ Items []corev1.Pod }
	if err := c.do("GET", "/api/v1/pods", url.Values{"namespace": {o.namespace}}, "", nil, &l); err != nil {
		return err
	}
	streams, unplaced := logStreams(l.Items, t, o.container, o.allContainers)
	if len(streams) == 0 {
		switch {
		case t.kind == "pod":
			return fmt.Errorf("pod %q not found in namespace %s", t.name, o.namespace)
		case unplaced > 0:
			return fmt.Errorf("%s: none of its %d pod(s) is placed on a node yet, so there are no logs", t.describe(), unplaced)
		case t.kind == "selector":
			fmt.Fprintf(out, "No resources found in %s namespace.\n", o.namespace)
			return nil
		}
		return fmt.Errorf("%s has no pods", t.describe())
	}
	if o.follow && len(streams) > o.maxRequests {
		return fmt.Errorf("you are attempting to follow %d log streams, but maximum allowed concurrency is %d, use --max-log-requests to increase the limit", len(streams), o.maxRequests)
	}
	prefix := o.prefix || !o.prefixSet && len(streams) > 1
	var mu sync.Mutex
	var failed []string
	read := func(s logStream) {
		w := &lineWriter{mu: &mu, out: out}
		if prefix {
			w.prefix = s.prefix
		}
		err := streamLogs(ctx, c, o.namespace, s.pod, o.query(s.container, o.follow), w)
		w.flush()
		if err != nil {
			mu.Lock()
			defer mu.Unlock()
			fmt.Fprintf(errOut, "error: %s%v\n", s.prefix, err)
			failed = append(failed, s.prefix)
		}
	}
	if o.follow {
		var wg sync.WaitGroup
		for _, s := range streams {
			wg.Go(func() { read(s) })
		}
		wg.Wait()
	} else {
		for _, s := range streams {
			read(s)
		}
	}
	if len(failed) > 0 {
		return fmt.Errorf("could not read %d of %d logs", len(failed), len(streams))
	}
	return nil
}

// describe names the target as kubectl does: deployment/web, or the selector.
func (t logsTarget) describe() string {
	if t.kind == "selector" {
		return "selector " + t.name
	}
	return t.kind + "/" + t.name
}

// lineWriter writes whole lines, each with its prefix, under a lock shared by the streams
// that write to the same output, so that their lines never mix.
type lineWriter struct {
	mu      *sync.Mutex
	out     io.Writer
	prefix  string
	partial []byte
}

func (w *lineWriter) Write(p []byte) (int, error) {
	w.partial = append(w.partial, p...)
	i := bytes.LastIndexByte(w.partial, '\n')
	if i < 0 {
		return len(p), nil
	}
	lines := w.partial[:i+1]
	w.partial = append([]byte(nil), w.partial[i+1:]...)
	if err := w.write(lines); err != nil {
		return 0, err
	}
	return len(p), nil
}

// flush writes a last line that had no newline, ending it.
func (w *lineWriter) flush() {
	if len(w.partial) > 0 {
		_ = w.write(append(w.partial, '\n'))
		w.partial = nil
	}
}

func (w *lineWriter) write(lines []byte) error {
	var b bytes.Buffer
	for len(lines) > 0 {
		i := bytes.IndexByte(lines, '\n')
		b.WriteString(w.prefix)
		b.Write(lines[:i+1])
		lines = lines[i+1:]
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if _, err := w.out.Write(b.Bytes()); err != nil {
		return fmt.Errorf("write the logs: %w", err)
	}
	return nil
}
