package reconcile

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os/exec"
	"strings"
	"time"
)

// PauseImageWarmup makes sure podman's pause image exists before the first pod needs it.
//
// podman 5.4 gives every pod an infra container whose image, unless containers.conf names
// one, it builds itself the first time a pod is created: localhost/podman-pause:V-B (V
// podman's version, B its build time), a scratch image holding catatonit, built through
// buildah. That build takes seconds on an idle node and has taken over a minute with two
// pods starting at once, all of it on the first pod's start. The warm-up does it when the
// agent starts instead: it asks podman whether the image exists, and if not has podman
// build it the way it would for a pod, by creating a throw-away pod (never started) and
// removing it. It runs podman as the agent's user, as the loop does, so that it is the
// same storage the pods' units use.
type PauseImageWarmup struct {
	// Logger defaults to slog.Default(); records carry component=pauseimage.
	Logger *slog.Logger
	// Timeout bounds the whole warm-up (default 10 minutes).
	Timeout time.Duration
}

// pauseWarmupPod is the throw-away pod's name: not one quadlet makes, so that nothing of
// the loop ever takes it for a pod of its own.
const pauseWarmupPod = "podman-swarm-pause-warmup"

// Start runs the warm-up once and returns nil, whatever happened (a lifecycle.Runnable
// that ends early): a warm-up that fails only leaves the build to the first pod, as
// before, which it logs as a warning.
func (w PauseImageWarmup) Start(ctx context.Context) error {
	log := w.Logger
	if log == nil {
		log = slog.Default()
	}
	log = log.With("component", "pauseimage")
	timeout := w.Timeout
	if timeout <= 0 {
		timeout = 10 * time.Minute
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	start := time.Now()
	took := func() time.Duration { return time.Since(start).Round(time.Millisecond) }

	image, err := pauseImageName(ctx)
	if err != nil {
		// The check is a shortcut only: creating the pod builds the image all the same.
		log.Warn("cannot tell podman's pause image from its version; creating a pod to build it if missing", "err", err)
	} else {
		ok, err := imageExists(ctx, image)
		if err == nil && ok {
			log.Info("podman's pause image is there", "image", image, "took", took())
			return nil
		}
		if err != nil {
			log.Warn("cannot tell whether podman's pause image exists; creating a pod to build it if missing", "image", image, "err", err)
		}
	}
	log.Info("building podman's pause image in the background: creating and removing a pod that is never started", "image", image, "pod", pauseWarmupPod)
	_, createErr := runPodman(ctx, "pod", "create", "--replace", "--network", "none", "--name", pauseWarmupPod)
	// Removed even when create failed (it may have failed after making the pod) or the
	// agent is stopping.
	rmCtx, rmCancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
	_, rmErr := runPodman(rmCtx, "pod", "rm", "--force", "--ignore", pauseWarmupPod)
	rmCancel()
	switch {
	case createErr != nil:
		log.Warn("could not build podman's pause image; the first pod builds it then", "image", image, "err", createErr, "took", took())
		return nil
	case rmErr != nil:
		log.Warn("remove the pod that built podman's pause image", "pod", pauseWarmupPod, "err", rmErr)
	}
	if image == "" {
		log.Info("podman's pause image is ready", "took", took())
		return nil
	}
	if ok, err := imageExists(ctx, image); err == nil && !ok {
		// A podman that needs no image of its own (containers.conf names an infra image,
		// which creating the pod pulled, or a podman that runs the pause process from a
		// root file system) builds nothing.
		log.Info("podman built no pause image: its pods need none of their own", "image", image, "took", took())
		return nil
	}
	log.Info("podman's pause image is built", "image", image, "took", took())
	return nil
}

// pauseImageName is the name podman 5.4 gives the pause image it builds:
// localhost/podman-pause:VERSION-BUILT.
func pauseImageName(ctx context.Context) (string, error) {
	out, err := runPodman(ctx, "version", "--format", "{{.Client.Version}}-{{.Client.Built}}")
	if err != nil {
		return "", err
	}
	tag := strings.TrimSpace(out)
	if tag == "" || strings.ContainsAny(tag, " \n<") || strings.HasPrefix(tag, "-") || strings.HasSuffix(tag, "-") {
		return "", fmt.Errorf("read podman's version: unexpected %q", tag)
	}
	return "localhost/podman-pause:" + tag, nil
}

// imageExists runs `podman image exists`, which exits 1 for an image it does not have.
func imageExists(ctx context.Context, image string) (bool, error) {
	_, err := runPodman(ctx, "image", "exists", image)
	var exit *exec.ExitError
	if errors.As(err, &exit) && exit.ExitCode() == 1 {
		return false, nil
	}
	return err == nil, err
}
