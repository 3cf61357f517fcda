package podconfig

import (
	"context"
	"strings"

	"github.com/podman-swarm/podman-swarm/quadlet"
	"github.com/podman-swarm/podman-swarm/reconcile"
)

// SecretStore is podman's secret store, as the agent's user.
type SecretStore interface {
	// List gives the names of the secrets whose name starts with prefix.
	List(ctx context.Context, prefix string) ([]string, error)
	// Create makes or replaces a secret; its value goes in on standard input.
	Create(ctx context.Context, name string, data []byte) error
	// Remove deletes a secret.
	Remove(ctx context.Context, name string) error
}

// Podman is SecretStore over the podman command. No value ever is an argument: a command
// line is readable by every user of the node (/proc/PID/cmdline).
type Podman struct{}

// List runs `podman secret ls`.
func (Podman) List(ctx context.Context, prefix string) ([]string, error) {
	out, err := reconcile.RunPodman(ctx, nil, "secret", "ls", "--noheading", "--format", "{{.Name}}")
	if err != nil {
		return nil, err
	}
	var names []string
	for _, n := range strings.Fields(string(out)) {
		if strings.HasPrefix(n, prefix) {
			names = append(names, n)
		}
	}
	return names, nil
}

// Create runs `podman secret create --replace NAME -` with the value on standard input.
func (Podman) Create(ctx context.Context, name string, data []byte) error {
	_, err := reconcile.RunPodman(ctx, data, "secret", "create", "--replace", name, "-")
	return err
}

// Remove runs `podman secret rm NAME`.
func (Podman) Remove(ctx context.Context, name string) error {
	_, err := reconcile.RunPodman(ctx, nil, "secret", "rm", name)
	return err
}

// secretPrefix starts the name of every podman secret the agent makes.
const secretPrefix = quadlet.NamePrefix
