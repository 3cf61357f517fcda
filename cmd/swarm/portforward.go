package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"sync"

	"github.com/spf13/cobra"

	"github.com/podman-swarm/podman-swarm/api"
)

// portPair is one LOCAL:REMOTE of `swarm port-forward`; local 0 takes a free port.
type portPair struct {
	local, remote int
}

// parsePortPair reads kubectl's forms: PORT (the same both sides), LOCAL:REMOTE and :REMOTE
// (a free local port).
func parsePortPair(s string) (portPair, error) {
	local, remote, found := strings.Cut(s, ":")
	if !found {
		local, remote = s, s
	}
	r, err := parsePort(remote)
	if err != nil {
		return portPair{}, fmt.Errorf("invalid port %q: the remote port %w", s, err)
	}
	p := portPair{remote: r}
	if local != "" {
		if p.local, err = parsePort(local); err != nil {
			return portPair{}, fmt.Errorf("invalid port %q: the local port %w", s, err)
		}
	}
	return p, nil
}

func parsePort(s string) (int, error) {
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > 65535 {
		return 0, fmt.Errorf("%q is not a number from 1 to 65535", s)
	}
	return n, nil
}

func newPortForwardCommand() *cobra.Command {
	var namespace string
	var addresses []string
	var co clientOptions
	cmd := &cobra.Command{
		Use:   "port-forward POD|TYPE/NAME [LOCAL_PORT:]REMOTE_PORT...",
		Short: "Forward local ports to a pod's ports, through whichever node runs it",
		Long: `Listen on local ports and pass each connection on to a port of a pod, as kubectl
port-forward does: through the agent the CLI talks to, to the agent of the pod's node,
which connects inside the pod's network namespace, so that a port the pod does not
publish is reached too. PORT forwards the same port, :PORT a free local one. It runs
until interrupted, and takes a token with full rights. TYPE/NAME (deployment,
statefulset, daemonset, job) picks the workload's first running pod, as kubectl does.`,
		Example: `  swarm port-forward web-859f4648f8-88f7c 8080:80
  swarm port-forward db-0 :5432 -n shop`,
		Args: cobra.MinimumNArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
			defer stop()
			c, err := co.client()
			if err != nil {
				return err
			}
			pod, err := resolvePod(ctx, c, namespace, args[0])
			if err != nil {
				return err
			}
			f, err := newPortForwarder(c, namespace, pod, addresses, args[1:], cmd.OutOrStdout(), cmd.ErrOrStderr())
			if err != nil {
				return err
			}
			return f.serve(ctx)
		},
	}
	cmd.Flags().StringVarP(&namespace, "namespace", "n", "default", "the pod's namespace")
	cmd.Flags().StringSliceVar(&addresses, "address", []string{"localhost"}, "addresses to listen on (comma-separated): localhost (127.0.0.1 and ::1), or IP addresses")
	addClientFlags(cmd, &co)
	return cmd
}

// portForwarder listens on local ports and passes their connections on to a pod.
type portForwarder struct {
	c           *client
	ns, pod     string
	out, errOut io.Writer
	listeners   []net.Listener
	remoteOf    map[net.Listener]int
	wg          sync.WaitGroup
	mu          sync.Mutex // of out and errOut
}

// newPortForwarder checks the pod and the ports, and listens; the caller serves.
func newPortForwarder(c *client, ns, pod string, addresses, ports []string, out, errOut io.Writer) (*portForwarder, error) {
	var pairs []portPair
	for _, s := range ports {
		p, err := parsePortPair(s)
		if err != nil {
			return nil, err
		}
		pairs = append(pairs, p)
	}
	// Said now rather than at the first connection: a pod that does not exist.
	if err := c.do(http.MethodGet, "/api/v1/pods/"+url.PathEscape(ns)+"/"+url.PathEscape(pod), nil, "", nil, nil); err != nil {
		return nil, err
	}
	f := &portForwarder{c: c, ns: ns, pod: pod, out: out, errOut: errOut, remoteOf: map[net.Listener]int{}}
	for _, p := range pairs {
		local := p.local
		for _, host := range listenHosts(addresses) {
			ln, err := net.Listen("tcp", net.JoinHostPort(host, strconv.Itoa(local)))
			if err != nil {
				if host == "::1" && len(addresses) == 1 && addresses[0] == "localhost" {
					continue // a machine without IPv6 loopback: 127.0.0.1 is enough
				}
				f.close()
				return nil, fmt.Errorf("unable to listen on port %d: %w", local, err)
			}
			// A free port, once picked, is the same on every address.
			local = ln.Addr().(*net.TCPAddr).Port
			f.listeners = append(f.listeners, ln)
			f.remoteOf[ln] = p.remote
			fmt.Fprintf(out, "Forwarding from %s -> %d\n", ln.Addr(), p.remote)
		}
	}
	return f, nil
}

// listenHosts turns --address into the hosts to listen on.
func listenHosts(addresses []string) []string {
	var hosts []string
	for _, a := range addresses {
		if a == "localhost" {
			hosts = append(hosts, "127.0.0.1", "::1")
			continue
		}
		hosts = append(hosts, a)
	}
	return hosts
}

func (f *portForwarder) close() {
	for _, ln := range f.listeners {
		ln.Close()
	}
}

// serve accepts connections until ctx ends, then closes the listeners and waits for the
// connections under way.
func (f *portForwarder) serve(ctx context.Context) error {
	go func() {
		<-ctx.Done()
		f.close()
	}()
	for _, ln := range f.listeners {
		f.wg.Add(1)
		go func() {
			defer f.wg.Done()
			f.accept(ctx, ln)
		}()
	}
	f.wg.Wait()
	return nil
}

func (f *portForwarder) accept(ctx context.Context, ln net.Listener) {
	remote := f.remoteOf[ln]
	local := ln.Addr().(*net.TCPAddr).Port
	for {
		conn, err := ln.Accept()
		if err != nil {
			return
		}
		f.say(f.out, "Handling connection for %d\n", local)
		f.wg.Add(1)
		go func() {
			defer f.wg.Done()
			if err := f.pass(ctx, conn, remote); err != nil {
				f.say(f.errOut, "error forwarding port %d to pod %s: %v\n", remote, f.pod, err)
			}
		}()
	}
}

func (f *portForwarder) say(w io.Writer, format string, args ...any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	fmt.Fprintf(w, format, args...)
}

// pass connects one local connection to the pod's port through the agent.
func (f *portForwarder) pass(ctx context.Context, conn net.Conn, remote int) error {
	defer conn.Close()
	q := url.Values{"port": {strconv.Itoa(remote)}}
	path := "/api/v1/pods/" + url.PathEscape(f.ns) + "/" + url.PathEscape(f.pod) + "/portforward"
	up, err := f.c.api.Upgrade(ctx, path, q, api.PortForwardProtocol)
	if err != nil {
		return f.c.explain(err)
	}
	defer up.Close()
	return pipeBoth(conn, up)
}

// pipeBoth copies both ways between a and b until either side ends. The upgraded
// connection cannot be half-closed, so the end of a's input closes b: as kubectl's
// streams, a forwarded connection is whole or gone.
func pipeBoth(a net.Conn, b io.ReadWriteCloser) error {
	go func() {
		_, _ = io.Copy(b, a)
		b.Close()
	}()
	_, err := io.Copy(a, b)
	if err != nil && !errors.Is(err, net.ErrClosed) {
		return err
	}
	return nil
}
