package noderuntime

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"github.com/podman-swarm/podman-swarm/agent/store"
	"github.com/podman-swarm/podman-swarm/cluster"
)

// A machine that boots again has none of its pods running, but the status records this
// node stored before it went down still say they run and are ready. Every node would
// take them as endpoints, and the leader as available, until the reconciler's first
// report of each, a fraction of a second or more after the node rejoins. So an agent that
// finds the machine booted since it last ran deletes those records first: its pods are
// "not reported yet" (Pending, not ready) until they are seen again. An agent that merely
// restarted keeps them: its pods ran on, and the status writer carries their readiness
// over (see carry).

// BootIDFile is the file in the state folder that holds the boot ID of the machine's boot
// the agent last ran in.
const BootIDFile = "boot-id"

// bootIDPath is where Linux gives the current boot's ID (a container manager such as
// systemd-nspawn gives each container its own).
const bootIDPath = "/proc/sys/kernel/random/boot_id"

// BootStore is what ForgetEarlierBoot needs of the store.
type BootStore interface {
	List(prefix string) []cluster.Entry
	Write(ctx context.Context, changes []cluster.Change, ack cluster.Ack) (cluster.Version, error)
}

// ForgetEarlierBoot deletes the status records of node's pods when the machine booted
// since the agent last ran in stateDir, and then records the current boot. Without a
// record of an earlier boot (the first start, or an agent from before this check) it
// deletes nothing: the pods may well be running.
func ForgetEarlierBoot(ctx context.Context, s BootStore, node, stateDir string, log *slog.Logger) error {
	current, err := os.ReadFile(bootIDPath)
	if err != nil {
		return fmt.Errorf("read the boot ID: %w", err)
	}
	return forgetEarlierBoot(ctx, s, node, filepath.Join(stateDir, BootIDFile), strings.TrimSpace(string(current)), log)
}

func forgetEarlierBoot(ctx context.Context, s BootStore, node, file, current string, log *slog.Logger) error {
	last, err := os.ReadFile(file)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("read the last boot ID: %w", err)
	}
	if err == nil && strings.TrimSpace(string(last)) != current {
		keys := statusKeysOf(s.List(store.PrefixStatus), node)
		if len(keys) > 0 {
			changes := make([]cluster.Change, len(keys))
			for i, k := range keys {
				changes[i] = cluster.Change{Key: k, Delete: true}
			}
			if _, err := s.Write(ctx, changes, cluster.AckLocal); err != nil {
				return fmt.Errorf("delete the status of the pods of the machine's last boot: %w", err)
			}
		}
		log.Info("the machine booted since the agent last ran: its pods' last status is forgotten until they are seen again",
			"component", "podstatus", "pods", len(keys))
	}
	if err := os.WriteFile(file, []byte(current+"\n"), 0o600); err != nil {
		return fmt.Errorf("record the boot ID: %w", err)
	}
	return nil
}

// statusKeysOf are the keys of the status records that node wrote, of those given.
func statusKeysOf(entries []cluster.Entry, node string) []string {
	var keys []string
	for _, e := range entries {
		var ps store.PodStatus
		if json.Unmarshal(e.Value, &ps) == nil && ps.Node == node {
			keys = append(keys, e.Key)
		}
	}
	return keys
}
