package api

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sync"
)

// AttachProtocol is the Upgrade protocol of `swarm exec`: after the agent answers 101,
// the connection carries frames both ways (see Frame). The agent that the CLI reaches
// passes the upgraded connection on to the agent of the pod's node unchanged.
const AttachProtocol = "swarm-attach/1"

// PortForwardProtocol is the Upgrade protocol of `swarm port-forward`: after the agent
// answers 101, the connection carries the bytes of one TCP connection to the pod's port,
// both ways, with no framing.
const PortForwardProtocol = "swarm-portforward/1"

// Channels of an attach connection. The client sends Stdin and Resize; the agent sends
// Stdout, Stderr and, last, Status.
const (
	// ChannelStdin carries the command's input; an empty frame is the end of it.
	ChannelStdin  byte = 0
	ChannelStdout byte = 1
	// ChannelStderr is unused with a TTY, whose one stream is Stdout, as in Kubernetes.
	ChannelStderr byte = 2
	// ChannelStatus carries one ExecStatus, as JSON, after which the agent closes.
	ChannelStatus byte = 3
	// ChannelResize carries a TerminalSize, as JSON, each time the client's terminal
	// changes size.
	ChannelResize byte = 4
)

// MaxFrame bounds a frame's payload, so that a peer cannot make the other allocate at will.
const MaxFrame = 1 << 20

// ExecStatus is how a command run by `swarm exec` ended: its exit code, or why it could not
// run (then ExitCode is -1).
type ExecStatus struct {
	ExitCode int    `json:"exitCode"`
	Error    string `json:"error,omitempty"`
}

// TerminalSize is a terminal's size in character cells.
type TerminalSize struct {
	Width  uint16 `json:"width"`
	Height uint16 `json:"height"`
}

// A Frame is one message of an attach connection: one byte of channel, four bytes of
// payload length (big endian), the payload.
type Frame struct {
	Channel byte
	Payload []byte
}

// ReadFrame reads one frame.
func ReadFrame(r io.Reader) (Frame, error) {
	var head [5]byte
	if _, err := io.ReadFull(r, head[:]); err != nil {
		return Frame{}, err
	}
	n := binary.BigEndian.Uint32(head[1:])
	if n > MaxFrame {
		return Frame{}, fmt.Errorf("read a frame: %d bytes is more than %d", n, MaxFrame)
	}
	f := Frame{Channel: head[0], Payload: make([]byte, n)}
	if _, err := io.ReadFull(r, f.Payload); err != nil {
		if errors.Is(err, io.EOF) {
			err = io.ErrUnexpectedEOF
		}
		return Frame{}, fmt.Errorf("read a frame: %w", err)
	}
	return f, nil
}

// FrameWriter writes frames to one connection from several goroutines, a frame at a time.
type FrameWriter struct {
	mu sync.Mutex
	w  io.Writer
}

// NewFrameWriter writes frames to w.
func NewFrameWriter(w io.Writer) *FrameWriter { return &FrameWriter{w: w} }

// WriteFrame writes one frame with payload p (at most MaxFrame bytes) on channel ch.
func (fw *FrameWriter) WriteFrame(ch byte, p []byte) error {
	if len(p) > MaxFrame {
		return fmt.Errorf("write a frame: %d bytes is more than %d", len(p), MaxFrame)
	}
	buf := make([]byte, 5+len(p))
	buf[0] = ch
	binary.BigEndian.PutUint32(buf[1:], uint32(len(p)))
	copy(buf[5:], p)
	fw.mu.Lock()
	defer fw.mu.Unlock()
	_, err := fw.w.Write(buf)
	return err
}

// WriteJSON writes v as the JSON payload of one frame on channel ch.
func (fw *FrameWriter) WriteJSON(ch byte, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode a frame: %w", err)
	}
	return fw.WriteFrame(ch, data)
}

// Channel is an io.Writer whose every Write is sent as frames on one channel (split at
// MaxFrame); an empty Write sends nothing.
func (fw *FrameWriter) Channel(ch byte) io.Writer { return channelWriter{fw, ch} }

type channelWriter struct {
	fw *FrameWriter
	ch byte
}

func (c channelWriter) Write(p []byte) (int, error) {
	for done := 0; done < len(p); {
		n := min(len(p)-done, MaxFrame)
		if err := c.fw.WriteFrame(c.ch, p[done:done+n]); err != nil {
			return done, err
		}
		done += n
	}
	return len(p), nil
}
