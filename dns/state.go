package dns

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/podman-swarm/podman-swarm/discovery"
	"github.com/podman-swarm/podman-swarm/internal/atomicfile"
)

// endpointList is the agent's answer to GET /api/v1/endpoints.
type endpointList struct {
	Items []discovery.Service `json:"items"`
}

// followedState is what the follower read from the agent, and the state file's content: the
// endpoints' list with the whitelist beside its items.
type followedState struct {
	Items     []discovery.Service `json:"items"`
	Whitelist WhitelistSpec       `json:"whitelist"`
}

// loadState reads the last known endpoints; a missing file is no error (ok is false).
func loadState(path string) (st followedState, ok bool, err error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return st, false, nil
	}
	if err != nil {
		return st, false, fmt.Errorf("read the state file %s: %w", path, err)
	}
	if err := json.Unmarshal(data, &st); err != nil {
		return st, false, fmt.Errorf("read the state file %s: %w", path, err)
	}
	if st.Whitelist, err = st.Whitelist.Normalize(); err != nil {
		return st, false, fmt.Errorf("read the state file %s: %w", path, err)
	}
	return st, true, nil
}

// saveState replaces the state file in one step, so that a crash leaves the old or the new.
func saveState(path string, st followedState) error {
	data, err := json.Marshal(st)
	if err != nil {
		return fmt.Errorf("encode the state file %s: %w", path, err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("create the folder of the state file %s: %w", path, err)
	}
	return atomicfile.Write(path, data, 0o600)
}
