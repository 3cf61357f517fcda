package noderuntime

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/podman-swarm/podman-swarm/manifest"
	"github.com/podman-swarm/podman-swarm/quadlet"
	"github.com/podman-swarm/podman-swarm/reconcile"
)

// maxHookOutput bounds what of a hook's output goes into the log.
const maxHookOutput = 4 << 10

// hookRunner runs one container's preStop hook.
type hookRunner struct {
	// podmanExec runs a command in a container (reconcile.Commands.Exec).
	podmanExec func(ctx context.Context, container string, cmd []string) ([]byte, error)
	// nodeAddr is the node address the pods publish their ports on.
	nodeAddr string
	client   *http.Client
}

func newHookRunner(nodeAddr string) hookRunner {
	return hookRunner{
		podmanExec: (&reconcile.Commands{}).Exec,
		nodeAddr:   nodeAddr,
		client: &http.Client{Transport: &http.Transport{
			// As the kubelet: a hook's HTTPS server is not asked for a valid certificate.
			TLSClientConfig:   &tls.Config{InsecureSkipVerify: true},
			DisableKeepAlives: true,
		}},
	}
}

// run runs the hook of container (named in the pod spec) of pod p, whose published ports
// are ports, until it ends or ctx does, and returns what it said.
func (h hookRunner) run(ctx context.Context, p manifest.Pod, ports []manifest.PublishedPort, container string, hook *quadlet.Hook) (string, error) {
	switch hook.Action {
	case quadlet.HookExec:
		return h.exec(ctx, quadlet.ContainerName(p.Namespace, p.Name, container), hook.Command)
	case quadlet.HookHTTPGet:
		target, err := h.httpTarget(p, ports, hook.HTTPGet)
		if err != nil {
			return "", err
		}
		return h.httpGet(ctx, target, hook.HTTPGet)
	case quadlet.HookSleep:
		t := time.NewTimer(hook.Sleep)
		defer t.Stop()
		select {
		case <-t.C:
			return "", nil
		case <-ctx.Done():
			return "", ctx.Err()
		}
	}
	return "", fmt.Errorf("run hook: unknown action %q", hook.Action)
}

// exec runs the command in the container with `podman exec`, as the container's user,
// and fails when it exits other than 0.
func (h hookRunner) exec(ctx context.Context, container string, command []string) (string, error) {
	out, err := h.podmanExec(ctx, container, command)
	text := clip(string(out))
	if err != nil && ctx.Err() != nil {
		return text, ctx.Err()
	}
	return text, err
}

// httpTarget is the host:port an httpGet hook connects to: the host it names, else the pod
// through the node port its port is published on (the node's own port for a pod on the
// node's network).
func (h hookRunner) httpTarget(p manifest.Pod, ports []manifest.PublishedPort, g *quadlet.HTTPGetHook) (string, error) {
	port := strconv.Itoa(int(g.Port))
	switch {
	case g.Host != "":
		return net.JoinHostPort(g.Host, port), nil
	case p.Spec.HostNetwork:
		return net.JoinHostPort(h.nodeAddr, port), nil
	}
	for _, pp := range ports {
		if pp.ContainerPort != g.Port || pp.Protocol != "" && pp.Protocol != corev1.ProtocolTCP {
			continue
		}
		host := pp.HostIP
		if ip := net.ParseIP(host); ip == nil || ip.IsUnspecified() {
			host = h.nodeAddr
		}
		return net.JoinHostPort(host, strconv.Itoa(int(pp.HostPort))), nil
	}
	return "", fmt.Errorf("run httpGet hook: container port %d is not published on the node", g.Port)
}

// httpGet sends the hook's request to target. As the kubelet, any answer is a success:
// only a request that cannot be made or answered fails.
func (h hookRunner) httpGet(ctx context.Context, target string, g *quadlet.HTTPGetHook) (string, error) {
	u, err := url.Parse(g.Path)
	if err != nil {
		return "", fmt.Errorf("run httpGet hook: path %q: %w", g.Path, err)
	}
	u.Scheme, u.Host = g.Scheme, target
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return "", fmt.Errorf("run httpGet hook: %w", err)
	}
	for _, hd := range g.Headers {
		if strings.EqualFold(hd.Name, "Host") {
			req.Host = hd.Value
			continue
		}
		req.Header.Add(hd.Name, hd.Value)
	}
	resp, err := h.client.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return "", ctx.Err()
		}
		return "", fmt.Errorf("run httpGet hook: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxHookOutput))
	if err != nil && !errors.Is(err, io.EOF) && ctx.Err() != nil {
		return "", ctx.Err()
	}
	return clip(resp.Status + " " + string(body)), nil
}

// clip cuts a hook's output to maxHookOutput bytes.
func clip(s string) string {
	s = strings.TrimSpace(s)
	if len(s) > maxHookOutput {
		return s[:maxHookOutput] + "..."
	}
	return s
}
