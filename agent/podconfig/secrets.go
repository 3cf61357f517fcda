package podconfig

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"strings"

	"github.com/podman-swarm/podman-swarm/quadlet"
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
	out, err := run(ctx, nil, "secret", "ls", "--noheading", "--format", "{{.Name}}")
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
	_, err := run(ctx, data, "secret", "create", "--replace", name, "-")
	return err
}

// Remove runs `podman secret rm NAME`.
func (Podman) Remove(ctx context.Context, name string) error {
	_, err := run(ctx, nil, "secret", "rm", name)
	return err
}

func run(ctx context.Context, stdin []byte, args ...string) ([]byte, error) {
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, "podman", args...)
	if stdin != nil {
		cmd.Stdin = bytes.NewReader(stdin)
	}
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		msg, _, _ := strings.Cut(strings.TrimSpace(stderr.String()), "\n")
		return nil, fmt.Errorf("podman %s %s: %w: %s", args[0], args[1], err, msg)
	}
	return stdout.Bytes(), nil
}

// secretPrefix starts the name of every podman secret the agent makes.
const secretPrefix = quadlet.NamePrefix
