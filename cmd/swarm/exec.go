package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/signal"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/podman-swarm/podman-swarm/api"
)

// execOptions are what `swarm exec` runs, and where.
type execOptions struct {
	namespace, pod, container string
	command                   []string
	stdin, tty                bool
}

func newExecCommand() *cobra.Command {
	var o execOptions
	var co clientOptions
	cmd := &cobra.Command{
		Use:   "exec POD|TYPE/NAME [-c CONTAINER] [-i] [-t] -- COMMAND [ARG...]",
		Short: "Run a command in a container of a pod, on whichever node runs it",
		Long: `Run a command in a container of a pod with podman exec, on the node that runs the pod:
any node's agent takes the request and passes it on. -i sends this terminal's input,
-t gives the command a terminal of its own (its size follows this one's). swarm exits
with the command's exit status. Running a command takes a token with full rights: it
runs as root in the pod. TYPE/NAME (deployment, statefulset, daemonset, job) picks the
workload's first running pod, as kubectl does.`,
		Example: `  swarm exec web-859f4648f8-88f7c -- cat /etc/os-release
  swarm exec -it api-67c547d955-44dff -n shop -c shipper -- sh
  swarm exec deployment/web -- env`,
		Args: func(cmd *cobra.Command, args []string) error {
			dash := cmd.ArgsLenAtDash()
			if len(args) == 0 || dash == 0 {
				return errors.New("expected 'exec POD -- COMMAND [ARG...]': POD and COMMAND are required arguments for the exec command")
			}
			if dash == -1 && len(args) > 1 || dash > 1 {
				return fmt.Errorf("expected 'exec POD -- COMMAND [ARG...]': put -- before the command (%q)", strings.Join(args[1:], " "))
			}
			if len(args) == 1 {
				return errors.New("you must specify at least one command for the container")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
			defer stop()
			c, err := co.client()
			if err != nil {
				return err
			}
			o.command = args[1:]
			if o.pod, err = resolvePod(ctx, c, o.namespace, args[0]); err != nil {
				return err
			}
			t := localTerminal{}
			if o.tty {
				var ok bool
				if t, ok = openLocalTerminal(o.stdin); !ok {
					// kubectl's warning: the command runs, without a terminal.
					fmt.Fprintln(cmd.ErrOrStderr(), "Unable to use a TTY - input is not a terminal or the right kind of file")
					o.tty = false
				}
			}
			defer t.restore()
			code, err := runExec(ctx, c, o, os.Stdin, cmd.OutOrStdout(), cmd.ErrOrStderr(), t.sizes)
			t.restore()
			if err != nil {
				return err
			}
			if code != 0 {
				return &exitError{status: code, err: fmt.Errorf("command terminated with exit code %d", code)}
			}
			return nil
		},
	}
	cmd.Flags().StringVarP(&o.namespace, "namespace", "n", "default", "the pod's namespace")
	cmd.Flags().StringVarP(&o.container, "container", "c", "", "the container, when the pod has several")
	cmd.Flags().BoolVarP(&o.stdin, "stdin", "i", false, "pass this terminal's input to the command")
	cmd.Flags().BoolVarP(&o.tty, "tty", "t", false, "give the command a terminal")
	addClientFlags(cmd, &co)
	return cmd
}

// runExec runs o's command in its pod, with in as its input (when o.stdin), its output to
// out and errOut, and the terminal sizes from sizes (when o.tty; nil sends none). It
// returns the command's exit status; an error when it could not run or the connection
// broke first. When ctx ends the connection is closed, which stops the command.
func runExec(ctx context.Context, c *client, o execOptions, in io.Reader, out, errOut io.Writer, sizes <-chan api.TerminalSize) (int, error) {
	q := url.Values{"command": o.command}
	if o.container != "" {
		q.Set("container", o.container)
	}
	if o.stdin {
		q.Set("stdin", "true")
	}
	if o.tty {
		q.Set("tty", "true")
		// The first size goes with the request, so that the command starts with it rather
		// than with a size the kernel made up, changed a moment later.
		select {
		case size := <-sizes:
			q.Set("width", strconv.Itoa(int(size.Width)))
			q.Set("height", strconv.Itoa(int(size.Height)))
		default:
		}
	}
	path := "/api/v1/pods/" + url.PathEscape(o.namespace) + "/" + url.PathEscape(o.pod) + "/exec"
	conn, err := c.api.Upgrade(ctx, path, q, api.AttachProtocol)
	if err != nil {
		return -1, c.explain(err)
	}
	ended := make(chan struct{})
	defer close(ended)
	go func() {
		select {
		case <-ctx.Done():
		case <-ended:
		}
		conn.Close()
	}()
	fw := api.NewFrameWriter(conn)
	if o.stdin {
		go sendInput(fw, in)
	}
	if o.tty && sizes != nil {
		go func() {
			for s := range sizes {
				if fw.WriteJSON(api.ChannelResize, s) != nil {
					return
				}
			}
		}()
	}
	for {
		f, err := api.ReadFrame(conn)
		if err != nil {
			if ctx.Err() != nil {
				return -1, errors.New("interrupted: the command was stopped")
			}
			return -1, fmt.Errorf("the connection to the agent ended before the command did: %w", err)
		}
		switch f.Channel {
		case api.ChannelStdout:
			_, _ = out.Write(f.Payload)
		case api.ChannelStderr:
			_, _ = errOut.Write(f.Payload)
		case api.ChannelStatus:
			var st api.ExecStatus
			if err := json.Unmarshal(f.Payload, &st); err != nil {
				return -1, fmt.Errorf("read the command's exit status: %w", err)
			}
			if st.Error != "" && st.ExitCode < 0 {
				return -1, errors.New(st.Error)
			}
			return st.ExitCode, nil
		}
	}
}

// sendInput sends what in gives as the command's input, then its end.
func sendInput(fw *api.FrameWriter, in io.Reader) {
	buf := make([]byte, 32<<10)
	for {
		n, err := in.Read(buf)
		if n > 0 && fw.WriteFrame(api.ChannelStdin, buf[:n]) != nil {
			return
		}
		if err != nil {
			_ = fw.WriteFrame(api.ChannelStdin, nil)
			return
		}
	}
}
