package follow

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/podman-swarm/podman-swarm/internal/atomicfile"
)

// StateFileError is a state file that cannot be read, or whose content is no state.
type StateFileError struct {
	Path     string
	Decoding bool // the file was read; its content is the trouble
	Err      error
}

func (e *StateFileError) Error() string {
	return fmt.Sprintf("read the state file %s: %v", e.Path, e.Err)
}

func (e *StateFileError) Unwrap() error { return e.Err }

// loadState reads the last known state; a missing file is no error (ok is false).
func loadState[T any](path string, normalize func(T) (T, error)) (st T, ok bool, err error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return st, false, nil
	}
	if err != nil {
		return st, false, &StateFileError{Path: path, Err: err}
	}
	if err := json.Unmarshal(data, &st); err != nil {
		return st, false, &StateFileError{Path: path, Decoding: true, Err: err}
	}
	if normalize != nil {
		if st, err = normalize(st); err != nil {
			return st, false, &StateFileError{Path: path, Decoding: true, Err: err}
		}
	}
	return st, true, nil
}

// saveState replaces the state file in one step, so that a crash leaves the old or the new.
func saveState(path string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("create the folder of the state file %s: %w", path, err)
	}
	return atomicfile.Write(path, data, 0o600)
}
