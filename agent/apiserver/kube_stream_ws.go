package apiserver

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/go-logr/logr"
	"github.com/labstack/echo/v4"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/remotecommand"
	"k8s.io/streaming/pkg/httpstream"
	"k8s.io/streaming/pkg/httpstream/wsstream"

	"github.com/podman-swarm/podman-swarm/reconcile"
)

// execProtocols are the websocket subprotocols an exec is served in: v5, which kubectl
// speaks, and v4 (binary, or base64 for clients that can only send text), whose clients
// cannot say that their input ended. Older ones carry no exit status.
var execProtocols = []string{
	remotecommand.StreamProtocolV5Name,
	remotecommand.StreamProtocolV4Name,
	"v4.base64.channel.k8s.io",
}

// The channels of an exec's websocket, by number. execEnded is one of the server's own,
// which no client writes to: it reads its end when the connection ends, which is how the
// command learns that its client went away.
const (
	execStdin = iota
	execStdout
	execStderr
	execError
	execResize
	execEnded
)

// firstSizeWait bounds how long a command on a terminal waits for the client's first size
// (kubectl sends it as soon as it is connected), so that it starts with its real size.
const firstSizeWait = time.Second

// checkExecUpgrade answers a request that is no websocket upgrade to a subprotocol served
// here: 400 with the reason. SPDY, which clients before websockets used, is not served:
// kubectl tries websockets first and only falls back to SPDY when their upgrade fails.
func checkExecUpgrade(r *http.Request) error {
	if !wsstream.IsWebSocketRequest(r) {
		if up := r.Header.Get(httpstream.HeaderUpgrade); httpstream.IsUpgradeRequest(r) && up != "" {
			return apierrors.NewBadRequest(fmt.Sprintf("the upgrade to %s is not supported: this server runs commands over websockets only, "+
				"with the subprotocols %s", up, strings.Join(execProtocols, ", ")))
		}
		return apierrors.NewBadRequest("Upgrade request required")
	}
	for _, v := range r.Header.Values(wsstream.WebSocketProtocolHeader) {
		for _, p := range strings.Split(v, ",") {
			if slices.Contains(execProtocols, strings.TrimSpace(p)) {
				return nil
			}
		}
	}
	return apierrors.NewBadRequest(fmt.Sprintf("none of the websocket subprotocols asked for (%s) is supported: this server speaks %s",
		strings.Join(r.Header.Values(wsstream.WebSocketProtocolHeader), ", "), strings.Join(execProtocols, ", ")))
}

// execSession is one exec's websocket: its channels, and a context that ends when the
// client goes away.
type execSession struct {
	conn     *wsstream.Conn
	protocol string
	channels []io.ReadWriteCloser
	ctx      context.Context
	cancel   context.CancelFunc
	tty      bool
	stdin    bool
	// resize has the terminal's sizes, the first one there before the command starts when
	// the client sends it in time; nil without a terminal.
	resize chan reconcile.TerminalSize
}

// openExecSession upgrades the request to a websocket whose channels are those r asks for.
// wsstream's own messages (a connection closed, a frame for no channel) are the log's debug
// lines: the server closes each connection itself once the command has ended.
func (a *Server) openExecSession(c echo.Context, r kubeExecRequest) (*execSession, error) {
	kind := func(on bool, t wsstream.ChannelType) wsstream.ChannelType {
		if on {
			return t
		}
		return wsstream.IgnoreChannel
	}
	channels := []wsstream.ChannelType{
		execStdin:  kind(r.stdin, wsstream.ReadChannel),
		execStdout: kind(r.stdout, wsstream.WriteChannel),
		execStderr: kind(r.stderr, wsstream.WriteChannel),
		execError:  wsstream.WriteChannel,
		execResize: kind(r.tty, wsstream.ReadChannel),
		execEnded:  wsstream.ReadChannel,
	}
	protocols := map[string]wsstream.ChannelProtocolConfig{}
	for _, p := range execProtocols {
		protocols[p] = wsstream.ChannelProtocolConfig{Binary: !strings.Contains(p, "base64"), Channels: channels}
	}
	conn := wsstream.NewConn(protocols)
	logger := logr.FromSlogHandler(debugOnly{a.log.With("protocol", "websocket").Handler()})
	req := c.Request().WithContext(logr.NewContext(c.Request().Context(), logger))
	protocol, streams, err := conn.Open(c.Response(), req)
	if err != nil {
		return nil, fmt.Errorf("open the websocket: %w", err)
	}
	// The request's context does not end with a connection taken over: the ended channel
	// tells instead.
	ctx, cancel := context.WithCancel(context.Background())
	s := &execSession{conn: conn, protocol: protocol, channels: streams, ctx: ctx, cancel: cancel, tty: r.tty, stdin: r.stdin}
	go func() {
		_, _ = io.Copy(io.Discard, streams[execEnded])
		cancel()
	}()
	// The kubelet's sign that the connection is ready: an empty message on the first
	// channel the client reads.
	switch {
	case r.stdout:
		_, _ = streams[execStdout].Write(nil)
	case r.stderr:
		_, _ = streams[execStderr].Write(nil)
	default:
		_, _ = streams[execError].Write(nil)
	}
	if r.tty {
		s.resize = make(chan reconcile.TerminalSize, 1)
		first := make(chan struct{})
		go s.readSizes(streams[execResize], first)
		select {
		case <-first:
		case <-time.After(firstSizeWait):
		case <-ctx.Done():
		}
	}
	return s, nil
}

// readSizes passes on the sizes the client sends on the resize channel, a JSON object each
// ({"Width":80,"Height":24}), closing first once the first one is passed on.
func (s *execSession) readSizes(r io.Reader, first chan struct{}) {
	defer close(s.resize)
	dec := json.NewDecoder(r)
	for n := 0; ; n++ {
		var size reconcile.TerminalSize // its fields are the JSON's names
		if err := dec.Decode(&size); err != nil {
			if n == 0 {
				close(first)
			}
			return
		}
		select {
		case s.resize <- size:
		case <-s.ctx.Done():
			return
		}
		if n == 0 {
			close(first)
		}
	}
}

// stdio is what the command is attached to: the channels the client asked for.
func (s *execSession) stdio() reconcile.Stdio {
	st := reconcile.Stdio{Stdout: s.channels[execStdout], Stderr: s.channels[execStderr], TTY: s.tty}
	if s.stdin {
		st.Stdin = s.channels[execStdin]
	}
	if s.resize != nil {
		st.Resize = s.resize
	}
	return st
}

// finish sends the command's status on the error channel, after all its output.
func (s *execSession) finish(st metav1.Status) {
	data, err := json.Marshal(st)
	if err != nil {
		return
	}
	_, _ = s.channels[execError].Write(data)
}

// close ends the connection, which tells the client that every channel ended.
func (s *execSession) close() {
	s.cancel()
	_ = s.conn.Close()
}

// debugOnly is a log handler that writes every record at the debug level.
type debugOnly struct{ h slog.Handler }

func (d debugOnly) Enabled(ctx context.Context, _ slog.Level) bool {
	return d.h.Enabled(ctx, slog.LevelDebug)
}

func (d debugOnly) Handle(ctx context.Context, r slog.Record) error {
	r.Level = slog.LevelDebug
	return d.h.Handle(ctx, r)
}

func (d debugOnly) WithAttrs(attrs []slog.Attr) slog.Handler {
	return debugOnly{d.h.WithAttrs(attrs)}
}

func (d debugOnly) WithGroup(name string) slog.Handler { return debugOnly{d.h.WithGroup(name)} }
