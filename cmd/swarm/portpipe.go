package main

import (
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"github.com/podman-swarm/podman-swarm/reconcile"
)

// newPortPipeCommand is the agent's own tool for `swarm port-forward`: started inside a
// pod's network namespace, it connects its standard input and output to a port of the
// pod's loopback. Hidden: nobody types it.
func newPortPipeCommand() *cobra.Command {
	return &cobra.Command{
		Use:    reconcile.PortPipeCommand + " PORT",
		Short:  "Connect standard input and output to a TCP port of 127.0.0.1 (used by port-forward)",
		Hidden: true,
		Args:   cobra.ExactArgs(1),
		RunE: func(_ *cobra.Command, args []string) error {
			port, err := parsePort(args[0])
			if err != nil {
				return fmt.Errorf("invalid port: %w", err)
			}
			return portPipe(port, os.Stdin, os.Stdout)
		},
	}
}

// portPipeDial bounds the connection to the pod's port.
const portPipeDial = 10 * time.Second

// portPipe connects in and out to port on the loopback (IPv4, else IPv6) until the port's
// side ends; the end of in is passed on as the end of what the port is sent.
func portPipe(port int, in io.Reader, out io.Writer) error {
	conn, err := net.DialTimeout("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), portPipeDial)
	if err != nil {
		var err6 error
		if conn, err6 = net.DialTimeout("tcp", net.JoinHostPort("::1", strconv.Itoa(port)), portPipeDial); err6 != nil {
			return fmt.Errorf("connect to port %d in the pod: %w", port, err)
		}
	}
	defer conn.Close()
	go func() {
		_, _ = io.Copy(conn, in)
		_ = conn.(*net.TCPConn).CloseWrite()
	}()
	if _, err := io.Copy(out, conn); err != nil {
		return fmt.Errorf("copy from port %d in the pod: %w", port, err)
	}
	return nil
}
