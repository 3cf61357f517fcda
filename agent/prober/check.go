package prober

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/podman-swarm/podman-swarm/probe"
	"github.com/podman-swarm/podman-swarm/quadlet"
	"github.com/podman-swarm/podman-swarm/reconcile"
)

// tcpHold is how long a TCP check waits after connecting for the connection to stay up (see
// probe.TCPHeld), at most the probe's timeout; the node's port check waits as long.
const tcpHold = 200 * time.Millisecond

// maxOutput bounds the output of an exec probe kept for a message.
const maxOutput = 1 << 10

// Outcome is the result of one check: whether it passed and, when not, why, in the
// kubelet's words where it has some.
type Outcome struct {
	OK      bool
	Message string
}

// ExecFunc runs a command in a container, bounded by ctx, and returns its output; an error
// when it could not run or ended with another status than 0.
type ExecFunc func(ctx context.Context, container string, cmd []string) ([]byte, error)

// Checker runs one check of a probe from the node.
type Checker struct {
	// NodeAddr is the node's address, where the pods' ports are published; "" is loopback.
	NodeAddr string
	// Exec runs exec probes; nil runs `podman exec`.
	Exec ExecFunc
}

// Check runs one check of p against container (its podman name).
func (ch Checker) Check(ctx context.Context, p *quadlet.Probe, container string) Outcome {
	timeout := time.Duration(max(p.TimeoutSeconds, 1)) * time.Second
	var err error
	switch p.Kind {
	case quadlet.ProbeHTTP:
		host, port, terr := ch.target(p)
		if terr != nil {
			return Outcome{Message: terr.Error()}
		}
		h := http.Header{}
		for _, hd := range p.Headers {
			h.Add(hd.Name, hd.Value)
		}
		err = probe.HTTP(ctx, host, port, p.Path, p.Scheme, h, timeout)
		var se *probe.StatusError
		if errors.As(err, &se) {
			return Outcome{Message: fmt.Sprintf("HTTP probe failed with statuscode: %d", se.Code)}
		}
	case quadlet.ProbeTCP:
		host, port, terr := ch.target(p)
		if terr != nil {
			return Outcome{Message: terr.Error()}
		}
		if p.Host != "" {
			// Straight to a host of the probe's own: no forwarder that accepts for it.
			err = probe.TCP(ctx, host, port, timeout)
		} else {
			err = probe.TCPHeld(ctx, host, port, timeout, min(tcpHold, timeout))
		}
	case quadlet.ProbeExec:
		return ch.exec(ctx, p, container, timeout)
	default:
		err = fmt.Errorf("probe of kind %q", p.Kind)
	}
	if err != nil {
		return Outcome{Message: err.Error()}
	}
	return Outcome{OK: true}
}

// target is where an http or tcp probe connects: its own host at the container port, else
// the node (its address, or the port's hostIP) at the node port the port is published on.
func (ch Checker) target(p *quadlet.Probe) (string, int, error) {
	if p.Host != "" {
		return p.Host, int(p.Port), nil
	}
	if p.NodePort == 0 {
		return "", 0, fmt.Errorf("port %d is not published on the node", p.Port)
	}
	host := p.NodeHost
	if host == "" {
		host = ch.NodeAddr
	}
	if host == "" {
		host = "127.0.0.1"
	}
	return host, int(p.NodePort), nil
}

// exec runs the probe's command in the container within timeout.
func (ch Checker) exec(ctx context.Context, p *quadlet.Probe, container string, timeout time.Duration) Outcome {
	run := ch.Exec
	if run == nil {
		run = (&reconcile.Commands{}).Exec
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	out, err := run(ctx, container, p.Command)
	if err == nil {
		return Outcome{OK: true}
	}
	if ctx.Err() != nil {
		return Outcome{Message: fmt.Sprintf("command %q timed out", strings.Join(p.Command, " "))}
	}
	msg := strings.TrimSpace(string(out))
	if len(msg) > maxOutput {
		msg = msg[:maxOutput]
	}
	if msg == "" {
		msg = err.Error()
	}
	return Outcome{Message: msg}
}
