// Package probe runs the checks of Kubernetes' httpGet, tcpSocket and exec probes, with
// Kubernetes' rules for success. The swarm binary carries it into containers (bind-mounted
// read-only by the quadlet package) as `swarm probe http|tcp|exec`, so that a probe needs
// neither curl nor a shell in the image; the agent's prober runs HTTP and TCPHeld from the
// node, through the node port a pod's port is published on.
package probe

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// maxRedirects is how many redirects an HTTP probe follows, as Kubernetes' prober.
const maxRedirects = 10

// userAgent names the prober to the server, unless the probe sets its own User-Agent.
const userAgent = "swarm-probe"

// HTTP sends one GET to scheme://host:port/path and succeeds when the answer's status is
// 200 to 399. As in Kubernetes: an https certificate is not verified; redirects to the same
// host are followed (at most 10), while a redirect to another host counts as success; a
// "Host" header sets the request's host. The whole check, body included, ends at timeout.
func HTTP(ctx context.Context, host string, port int, path, scheme string, headers http.Header, timeout time.Duration) error {
	if scheme == "" {
		scheme = "http"
	}
	if scheme != "http" && scheme != "https" {
		return fmt.Errorf("scheme %q is not http or https", scheme)
	}
	if port < 1 || port > 65535 {
		return fmt.Errorf("port %d is not a port number", port)
	}
	if !strings.HasPrefix(path, "/") {
		path = "/" + path
	}
	target := scheme + "://" + net.JoinHostPort(host, strconv.Itoa(port)) + path
	u, err := url.Parse(target)
	if err != nil {
		return fmt.Errorf("probe address %q: %w", target, err)
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return err
	}
	for name, values := range headers {
		for _, v := range values {
			req.Header.Add(name, v)
		}
	}
	if h := req.Header.Get("Host"); h != "" {
		req.Host = h
	}
	if req.Header.Get("User-Agent") == "" {
		req.Header.Set("User-Agent", userAgent)
	}
	if req.Header.Get("Accept") == "" {
		req.Header.Set("Accept", "*/*")
	}
	client := &http.Client{
		Transport: &http.Transport{
			TLSClientConfig:   &tls.Config{InsecureSkipVerify: true}, // as Kubernetes' prober
			DisableKeepAlives: true,
			Proxy:             nil, // never through a proxy from the environment
		},
		CheckRedirect: func(next *http.Request, via []*http.Request) error {
			if next.URL.Hostname() != via[0].URL.Hostname() {
				return http.ErrUseLastResponse
			}
			if len(via) >= maxRedirects {
				return fmt.Errorf("more than %d redirects", maxRedirects)
			}
			return nil
		},
	}
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("GET %s: %w", target, err)
	}
	defer resp.Body.Close()
	// Drain a little of the body so that a server that writes it is not cut off mid-way.
	_, _ = io.CopyN(io.Discard, resp.Body, 10<<10)
	if resp.StatusCode < 200 || resp.StatusCode >= 400 {
		return &StatusError{URL: target, Code: resp.StatusCode, Status: resp.Status}
	}
	return nil
}

// StatusError is an HTTP check's failure by the answer's status.
type StatusError struct {
	URL    string
	Code   int    // e.g. 503
	Status string // e.g. "503 Service Unavailable"
}

func (e *StatusError) Error() string { return fmt.Sprintf("GET %s: status %s", e.URL, e.Status) }

// TCPHeld succeeds when a TCP connection to host:port opens within timeout and then stays
// open for hold, or brings data first. It is the check for a port reached through a
// forwarder that accepts on its own (pasta, rootless podman's network, accepts on the node
// for every published port and closes at once when nothing listens in the pod): a server
// that listens either waits for its client or greets it. hold is cut to what is left of
// timeout.
func TCPHeld(ctx context.Context, host string, port int, timeout, hold time.Duration) error {
	if port < 1 || port > 65535 {
		return fmt.Errorf("port %d is not a port number", port)
	}
	deadline := time.Now().Add(timeout)
	ctx, cancel := context.WithDeadline(ctx, deadline)
	defer cancel()
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", net.JoinHostPort(host, strconv.Itoa(port)))
	if err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	defer conn.Close()
	until := time.Now().Add(hold)
	if until.After(deadline) {
		until = deadline
	}
	if err := conn.SetReadDeadline(until); err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	n, err := conn.Read(make([]byte, 1))
	if n > 0 || errors.Is(err, os.ErrDeadlineExceeded) {
		return nil
	}
	return fmt.Errorf("connection closed at once, nothing listens: %w", err)
}

// TCP succeeds when a TCP connection to host:port opens within timeout.
func TCP(ctx context.Context, host string, port int, timeout time.Duration) error {
	if port < 1 || port > 65535 {
		return fmt.Errorf("port %d is not a port number", port)
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", net.JoinHostPort(host, strconv.Itoa(port)))
	if err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	return conn.Close()
}

// Exec replaces the current process with argv, looked up in PATH when it has no '/', with
// the current environment; the probe's result is then the command's exit status. It
// returns only when the command cannot be started.
func Exec(argv []string) error {
	if len(argv) == 0 || argv[0] == "" {
		return errors.New("no command to run")
	}
	path, err := exec.LookPath(argv[0])
	if err != nil {
		return err
	}
	if err := syscall.Exec(path, argv, os.Environ()); err != nil {
		return fmt.Errorf("run %s: %w", path, err)
	}
	return nil
}

// ParseHeader reads a header written as "Name: value", the form of the --header flag of
// `swarm probe http`.
func ParseHeader(s string) (name, value string, err error) {
	name, value, ok := strings.Cut(s, ":")
	name = strings.TrimSpace(name)
	if !ok || name == "" || strings.ContainsAny(name, " \t\r\n") {
		return "", "", fmt.Errorf("header %q is not written as \"Name: value\"", s)
	}
	return name, strings.TrimLeft(value, " \t"), nil
}
