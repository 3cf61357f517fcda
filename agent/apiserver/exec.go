package apiserver

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/podman-swarm/podman-swarm/api"
	"github.com/podman-swarm/podman-swarm/reconcile"
)

// execPod runs a command in a container of a pod, on the node that runs it, over a
// connection upgraded to api.AttachProtocol: input, output, terminal sizes and, last, the
// exit status go as frames. The query has command (once per argument), container, stdin
// and tty.
func (a *Server) execPod(c echo.Context) error {
	if !upgradeRequested(c.Request(), api.AttachProtocol) {
		return needUpgrade(api.AttachProtocol)
	}
	q := c.QueryParams()
	command := q["command"]
	if len(command) == 0 {
		return echo.NewHTTPError(http.StatusBadRequest, "you must specify at least one command for the container")
	}
	pod, node, err := a.attachTarget(c, "exec into")
	if err != nil {
		return err
	}
	if err := checkContainer(pod, q.Get("container")); err != nil {
		return err
	}
	if done, err := a.forward(c, node); done {
		return err
	}
	if a.attach == nil {
		return echo.NewHTTPError(http.StatusConflict, "node "+node+" runs no pods (--runtime none), so nothing can run in them")
	}
	conn, r, err := hijack(c, api.AttachProtocol)
	if err != nil {
		return err
	}
	defer conn.Close()
	key := pod.Namespace + "/" + pod.Name
	a.log.Info("exec in pod", "pod", key, "container", q.Get("container"), "command", command[0])
	s := attachSession{stdin: q.Get("stdin") == "true", tty: q.Get("tty") == "true", size: querySize(q)}
	status := s.run(c.Request().Context(), r, api.NewFrameWriter(conn), func(ctx context.Context, stdio reconcile.Stdio) (int, error) {
		return a.attach.Exec(ctx, key, q.Get("container"), command, stdio)
	})
	if status.Error != "" {
		a.log.Warn("exec in pod failed", "pod", key, "err", status.Error)
	}
	return nil
}

// attachSession is one command's connection: what the client asked for.
type attachSession struct {
	stdin, tty bool
	// size is the terminal's first size (the query's width and height); nil: none.
	size *reconcile.TerminalSize
}

// querySize reads a terminal size from the query; nil when it has none, or a bad one.
func querySize(q url.Values) *reconcile.TerminalSize {
	w, werr := strconv.ParseUint(q.Get("width"), 10, 16)
	h, herr := strconv.ParseUint(q.Get("height"), 10, 16)
	if werr != nil || herr != nil {
		return nil
	}
	return &reconcile.TerminalSize{Width: uint16(w), Height: uint16(h)}
}

// run reads the client's frames while exec runs, sends the command's output as frames
// and, last, its status, which it returns. When the client goes away the command is
// stopped.
func (s attachSession) run(ctx context.Context, r io.Reader, fw *api.FrameWriter, exec func(context.Context, reconcile.Stdio) (int, error)) api.ExecStatus {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stdio := reconcile.Stdio{Stdout: fw.Channel(api.ChannelStdout), Stderr: fw.Channel(api.ChannelStderr), TTY: s.tty}
	in, feed := io.Pipe()
	if s.stdin {
		stdio.Stdin = in
	}
	var resize chan reconcile.TerminalSize
	if s.tty {
		// Room for the first size, there before the command starts.
		resize = make(chan reconcile.TerminalSize, 1)
		if s.size != nil {
			resize <- *s.size
		}
		stdio.Resize = resize
	}
	go func() {
		defer func() {
			if resize != nil {
				close(resize)
			}
		}()
		// The client's end of input leaves the command running; its going away does not.
		defer feed.Close()
		for {
			f, err := api.ReadFrame(r)
			if err != nil {
				cancel()
				return
			}
			switch f.Channel {
			case api.ChannelStdin:
				if !s.stdin {
					continue
				}
				if len(f.Payload) == 0 {
					feed.Close()
				} else if _, err := feed.Write(f.Payload); err != nil {
					continue // the command no longer reads: drop what comes
				}
			case api.ChannelResize:
				var size api.TerminalSize
				if resize == nil || json.Unmarshal(f.Payload, &size) != nil {
					continue
				}
				select {
				case resize <- reconcile.TerminalSize{Width: size.Width, Height: size.Height}:
				case <-ctx.Done():
					return
				}
			}
		}
	}()
	code, err := exec(ctx, stdio)
	in.Close() // a write of stdin under way ends
	status := api.ExecStatus{ExitCode: code}
	if err != nil {
		status.Error = err.Error()
	}
	_ = fw.WriteJSON(api.ChannelStatus, status)
	return status
}
