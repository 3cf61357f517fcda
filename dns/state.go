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

// endpointList is the agent's answer to GET /api/v1/endpoints, and the state file's content.
type endpointList struct {
	Items []discovery.Service `json:"items"`
}

// loadState reads the last known endpoints; a missing file is no error (ok is false).
func loadState(path string) (services []discovery.Service, ok bool, err error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("read the state file %s: %w", path, err)
	}
	var l endpointList
	if err := json.Unmarshal(data, &l); err != nil {
		return nil, false, fmt.Errorf("read the state file %s: %w", path, err)
	}
	return l.Items, true, nil
}

// saveState replaces the state file in one step, so that a crash leaves the old or the new.
func saveState(path string, services []discovery.Service) error {
	data, err := json.Marshal(endpointList{Items: services})
	if err != nil {
		return fmt.Errorf("encode the state file %s: %w", path, err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("create the folder of the state file %s: %w", path, err)
	}
	return atomicfile.Write(path, data, 0o600)
}
