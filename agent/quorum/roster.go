package quorum

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"github.com/podman-swarm/podman-swarm/cluster"
	"github.com/podman-swarm/podman-swarm/internal/atomicfile"
)

// RosterFile is the file in the state folder where a node keeps the members it knows.
const RosterFile = "quorum.json"

// ForgetAfter is how long a member that is not seen alive stays known: the cluster's own
// default for how long a failed member is listed (cluster.Config.ReconnectTimeout, which
// the agent keeps), so that a restarted node forgets a member when the others do.
const ForgetAfter = 72 * time.Hour

// refreshEvery bounds how often a member's last sighting is written again when nothing
// else changed: often enough for ForgetAfter, rarely enough to cost nothing.
const refreshEvery = time.Hour

// Roster remembers the cluster's members across restarts, each with when this node last
// saw it alive, on its own clock. It is safe for concurrent use.
type Roster struct {
	path string
	log  *slog.Logger

	mu    sync.Mutex
	seen  map[string]time.Time // known member -> last seen alive
	saved map[string]time.Time // what the file holds
}

// rosterFile is the file's content.
type rosterFile struct {
	Members map[string]time.Time `json:"members"`
}

// OpenRoster reads the roster kept in dir, if any. A file that cannot be read is set aside
// with a warning: the roster then starts from the membership alone.
func OpenRoster(dir string, log *slog.Logger) *Roster {
	r := &Roster{path: filepath.Join(dir, RosterFile), log: log.With("component", "quorum"), seen: map[string]time.Time{}}
	data, err := os.ReadFile(r.path)
	if err == nil {
		var f rosterFile
		if err = json.Unmarshal(data, &f); err == nil {
			maps.Copy(r.seen, f.Members)
		}
	}
	if err != nil && !os.IsNotExist(err) {
		r.log.Warn("the remembered members cannot be read: until the other members are seen again, this node counts only those it sees",
			"file", r.path, "err", err)
	}
	r.saved = maps.Clone(r.seen)
	return r
}

// Observe brings the roster up to date with the membership as this node sees it at now,
// and returns the known members, sorted: every member listed alive or dead, and every one
// remembered and seen alive within ForgetAfter, but none that left or whose name is in
// removed. It writes the file when the known members changed.
func (r *Roster) Observe(members []cluster.Member, removed map[string]bool, now time.Time) []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	listed := map[string]bool{}
	for _, m := range members {
		listed[m.Name] = true
		switch {
		case m.State == cluster.StateLeft || removed[m.Name]:
			delete(r.seen, m.Name)
		case m.State == cluster.StateAlive:
			r.seen[m.Name] = now
		default:
			// Dead: it was alive until it was declared dead, at Since.
			if at, ok := r.seen[m.Name]; !ok || m.Since.After(at) {
				r.seen[m.Name] = m.Since
			}
		}
	}
	for name, at := range r.seen {
		if removed[name] || (!listed[name] && now.Sub(at) > ForgetAfter) {
			delete(r.seen, name)
		}
	}
	if r.stale() {
		if err := r.save(); err != nil {
			r.log.Warn("remember the known members", "file", r.path, "err", err)
		} else {
			r.saved = maps.Clone(r.seen)
		}
	}
	return slices.Sorted(maps.Keys(r.seen))
}

// stale reports whether the file misses a member, holds one too many, or holds a last
// sighting more than refreshEvery older than the one known.
func (r *Roster) stale() bool {
	if len(r.seen) != len(r.saved) {
		return true
	}
	for name, at := range r.seen {
		was, ok := r.saved[name]
		if !ok || at.Sub(was) > refreshEvery {
			return true
		}
	}
	return false
}

func (r *Roster) save() error {
	data, err := json.Marshal(rosterFile{Members: r.seen})
	if err != nil {
		return fmt.Errorf("encode the known members: %w", err)
	}
	return atomicfile.Write(r.path, data, 0o600)
}
