package podconfig

import (
	"context"
	"errors"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"github.com/podman-swarm/podman-swarm/manifest"
	"github.com/podman-swarm/podman-swarm/quadlet"
)

// Runtime runs the pods it is given and stops the others (noderuntime.Runtime).
type Runtime interface {
	SetDesired(pods []manifest.Pod)
}

// commandTimeout bounds one podman command, so that a hung podman cannot stop the pods'
// loop for good.
const commandTimeout = 30 * time.Second

// Keeper makes what the pods take from ConfigMaps and Secrets, then hands them to the
// runtime (see the package doc).
type Keeper struct {
	store   Lister
	next    Runtime
	objects *Objects
	opts    quadlet.Options
	secrets SecretStore
	log     *slog.Logger

	mu sync.Mutex
	// made are the podman secrets of ours known to exist; nil until listed.
	made map[string]bool
	// pins are, by pod key, what the Deployments' pods were first rendered with (see pin);
	// pinFile, when set, keeps them across restarts of the agent.
	pins    map[string]pin
	pinFile string
}

var _ Runtime = (*Keeper)(nil)

// NewKeeper is a Keeper that reads store, renders with opts and objects (which the
// runtime renders with too: its Options' Config is objects, and its Pinned
// objects.Pinned) and hands the pods to next.
func NewKeeper(store Lister, objects *Objects, opts quadlet.Options, secrets SecretStore, next Runtime, log *slog.Logger) *Keeper {
	opts.Config, opts.Pinned = objects, objects.Pinned
	return &Keeper{store: store, next: next, objects: objects, opts: opts, secrets: secrets,
		log: log.With("component", "podconfig"), pins: map[string]pin{}}
}

// KeepPinsIn keeps what the pods were first rendered with in the file at path (mode
// 0600: it holds Secrets' values), and reads what a previous run kept there, so that
// the pods this node runs keep their units across a restart of the agent. Call it
// before the first SetDesired. A file that cannot be read is reported and started
// afresh: the pods then take the current values.
func (k *Keeper) KeepPinsIn(path string) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.pinFile = path
	pins, err := loadPins(path)
	if err != nil {
		return err
	}
	k.pins = pins
	return nil
}

// SetDesired reads the ConfigMaps and Secrets, writes the pods' configMap volumes, makes
// and removes podman secrets, then hands the pods to the runtime. A pod whose ConfigMap or
// Secret this node does not have yet, or not at the version the leader made it for (the
// leader placed it on a newer store), is held back until it arrives, rather than handed
// on to fail or to start with older values; a pod that cannot be rendered for any other
// reason is handed on all the same: the runtime reports why.
//
// A Deployment's pod is rendered with what it was first rendered with for as long as this
// node runs it (see pin): a changed value reaches new pods, which the Deployment rolls
// out, never the units of a running one. A bare Pod takes the current values, and so is
// restarted in place when one changes.
func (k *Keeper) SetDesired(pods []manifest.Pod) {
	k.mu.Lock()
	defer k.mu.Unlock()
	next := readObjects(k.store, k.log)
	keepUsed(next, k.objects.get(), pods)
	k.objects.set(next)
	pods = k.pinPods(pods, next)
	secrets := map[string][]byte{}
	keep := map[string]map[string]bool{}
	run := make([]manifest.Pod, 0, len(pods))
	for _, p := range pods {
		res, err := quadlet.Render(p, k.opts)
		var missing *quadlet.MissingError
		if errors.As(err, &missing) {
			k.log.Info("pod waits for its configuration", "pod", p.Key(), "reason", missing.Reason)
			continue
		}
		run = append(run, p)
		if err != nil {
			continue
		}
		for _, s := range res.Secrets {
			secrets[s.Name] = s.Data
		}
		for _, v := range res.ConfigVolumes {
			pod, vol := filepath.Base(filepath.Dir(v.Dir)), filepath.Base(v.Dir)
			if keep[pod] == nil {
				keep[pod] = map[string]bool{}
			}
			keep[pod][vol] = true
			if err := writeVolume(v); err != nil {
				k.log.Error("cannot write a configMap volume", "pod", p.Key(), "err", err)
			}
		}
	}
	if err := pruneVolumes(k.configDir(), keep); err != nil {
		k.log.Warn("cannot remove the configMap volumes of pods gone", "err", err)
	}
	k.syncSecrets(secrets)
	k.next.SetDesired(run)
}

// pinPods pins what the new pods among pods take at creation from cur, forgets the pins
// of the pods gone, saves them when they changed, and gives the objects the pins. It
// returns the pods to render: all but those made for versions this node has not got yet.
func (k *Keeper) pinPods(pods []manifest.Pod, cur manifest.ConfigObjects) []manifest.Pod {
	changed := false
	want := map[string]bool{}
	pinned := map[string]manifest.ConfigObjects{}
	out := make([]manifest.Pod, 0, len(pods))
	for _, p := range pods {
		key := p.Key()
		want[key] = true
		if len(p.ConfigVersions) == 0 {
			out = append(out, p)
			continue
		}
		pn, ok := k.pins[key]
		if !ok || !maps.Equal(pn.Versions, p.ConfigVersions) {
			if ref, late := behind(p, cur); late {
				k.log.Info("pod waits for the version of its configuration it was made for", "pod", key, "object", ref)
				continue
			}
			pn = newPin(p, cur)
			k.pins[key] = pn
			changed = true
		}
		pinned[key] = pn.Objects
		out = append(out, p)
	}
	for key := range k.pins {
		if !want[key] {
			delete(k.pins, key)
			changed = true
		}
	}
	k.objects.setPinned(pinned)
	if changed && k.pinFile != "" {
		if err := savePins(k.pinFile, k.pins); err != nil {
			k.log.Error("cannot keep what the pods were created with", "err", err)
		}
	}
	return out
}

func (k *Keeper) configDir() string {
	if k.opts.ConfigDir == "" {
		return quadlet.DefaultConfigDir
	}
	return k.opts.ConfigDir
}

// syncSecrets makes the podman secrets in want that are missing and removes ours that no
// pod names any more. A failure is logged with the secret's name (never its value) and
// tried again at the next hand-over.
func (k *Keeper) syncSecrets(want map[string][]byte) {
	if k.made == nil {
		ctx, cancel := context.WithTimeout(context.Background(), commandTimeout)
		names, err := k.secrets.List(ctx, secretPrefix)
		cancel()
		if err != nil {
			if len(want) > 0 {
				k.log.Error("cannot list podman's secrets", "err", err)
			}
			return
		}
		k.made = map[string]bool{}
		for _, n := range names {
			k.made[n] = true
		}
	}
	for _, name := range slices.Sorted(maps.Keys(want)) {
		if k.made[name] {
			continue
		}
		ctx, cancel := context.WithTimeout(context.Background(), commandTimeout)
		err := k.secrets.Create(ctx, name, want[name])
		cancel()
		if err != nil {
			k.log.Error("cannot create a podman secret", "secret", name, "err", err)
			continue
		}
		k.made[name] = true
		k.log.Info("podman secret created", "secret", name)
	}
	for _, name := range slices.Sorted(maps.Keys(k.made)) {
		if _, ok := want[name]; ok {
			continue
		}
		ctx, cancel := context.WithTimeout(context.Background(), commandTimeout)
		err := k.secrets.Remove(ctx, name)
		cancel()
		if err != nil {
			k.log.Warn("cannot remove a podman secret no pod names", "secret", name, "err", err)
			continue
		}
		delete(k.made, name)
		k.log.Info("podman secret removed", "secret", name)
	}
}

// PrepareConfigDir makes the node's folder for configMap volumes, readable by the agent's
// user only: the containers reach their volumes through their bind mounts, and the other
// users of the node have no business there.
func PrepareConfigDir(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	return os.Chmod(dir, 0o700)
}
