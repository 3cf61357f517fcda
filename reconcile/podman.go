package reconcile

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// Commands implements Podman and Journal by running podman and journalctl as the agent's
// user (the journal has no D-Bus interface, and go-systemd's journal reader needs cgo,
// which the binary is built without), and by reading podman's health files. The zero
// value is ready to use.
type Commands struct {
	once   sync.Once
	health healthFiles
}

var (
	_ Podman  = (*Commands)(nil)
	_ Journal = (*Commands)(nil)
)

// Health reports the containers' health. It is asked every few seconds while a pod with
// health checks runs, and one `podman inspect` costs tens of milliseconds of CPU (hundreds
// on a loaded node), so it reads podman's own record of each container's health instead
// (see healthFiles), and asks podman only for the containers whose record it cannot find.
func (c *Commands) Health(ctx context.Context, containers []string) (map[string]string, error) {
	c.once.Do(func() {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer cancel()
		c.health = findHealthFiles(ctx)
	})
	out := map[string]string{}
	var rest []string
	for _, name := range containers {
		if st, ok := c.health.read(name); ok {
			out[name] = st
		} else {
			rest = append(rest, name)
		}
	}
	if len(rest) == 0 {
		return out, nil
	}
	asked, err := inspectHealth(ctx, rest)
	maps.Copy(out, asked)
	return out, err
}

// inspectHealth asks podman for the health of the containers in one call. A container that
// no longer exists makes podman fail after printing the others, which is why its output is
// read whatever the exit status.
func inspectHealth(ctx context.Context, containers []string) (map[string]string, error) {
	args := append([]string{"inspect", "--type", "container", "--format",
		"{{.Name}} {{if .State.Health}}{{.State.Health.Status}}{{end}}"}, containers...)
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, "podman", args...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	out := parseHealth(stdout.String())
	if err != nil && len(out) == 0 {
		return nil, fmt.Errorf("read health of %s: %w: %s", strings.Join(containers, ", "), err, firstLine(stderr.String()))
	}
	return out, nil
}

// parseHealth reads "name status" lines; a container without a health check has no status.
func parseHealth(s string) map[string]string {
	out := map[string]string{}
	for _, line := range strings.Split(s, "\n") {
		name, status, _ := strings.Cut(strings.TrimSpace(line), " ")
		if name != "" && status != "" {
			out[name] = status
		}
	}
	return out
}

// RemoveVolume runs `podman volume rm --force`; exit status 1 means there was no such volume.
func (*Commands) RemoveVolume(ctx context.Context, name string) error {
	var stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, "podman", "volume", "rm", "--force", name)
	cmd.Stderr = &stderr
	err := cmd.Run()
	var exit *exec.ExitError
	if err == nil || errors.As(err, &exit) && exit.ExitCode() == 1 {
		return nil
	}
	return fmt.Errorf("remove volume %s: %w: %s", name, err, firstLine(stderr.String()))
}

// healthFiles is where podman 5 keeps each container's health: the file
// RUNROOT/DRIVER-containers/ID/healthcheck.log, {"Status": "healthy", ...}, which
// `podman inspect` reads too; a Quadlet container's ID is in $XDG_RUNTIME_DIR/NAME.cid
// (its --cidfile). Both are podman's internals, hence the fallback to podman inspect.
type healthFiles struct {
	runtimeDir, containersDir string // "" when unknown: ask podman every time
}

// findHealthFiles asks podman once where its run root is.
func findHealthFiles(ctx context.Context) healthFiles {
	out, err := exec.CommandContext(ctx, "podman", "info", "--format", "{{.Store.RunRoot}} {{.Store.GraphDriverName}}").Output()
	runRoot, driver, ok := strings.Cut(strings.TrimSpace(string(out)), " ")
	rt := os.Getenv("XDG_RUNTIME_DIR")
	if err != nil || !ok || runRoot == "" || driver == "" || rt == "" {
		return healthFiles{}
	}
	return healthFiles{runtimeDir: rt, containersDir: filepath.Join(runRoot, driver+"-containers")}
}

// read returns a container's health state from podman's files.
func (h healthFiles) read(container string) (string, bool) {
	if h.containersDir == "" {
		return "", false
	}
	id, err := os.ReadFile(filepath.Join(h.runtimeDir, container+".cid"))
	cid := strings.TrimSpace(string(id))
	if err != nil || cid == "" || strings.ContainsAny(cid, "/.") {
		return "", false
	}
	b, err := os.ReadFile(filepath.Join(h.containersDir, cid, "healthcheck.log"))
	if err != nil {
		return "", false
	}
	var rec struct{ Status string }
	if json.Unmarshal(b, &rec) != nil || rec.Status == "" {
		return "", false
	}
	return rec.Status, true
}
