package agent

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"
)

// JoinTokenFile is where a node keeps the current join token, readable by its owner only.
const JoinTokenFile = "join-token"

// joinTokenCheck is how often the join-token file is compared with the cluster's token,
// which changes when any node rotates it. Nothing announces a rotation made on another
// node (it arrives as a new gossip key), so the file is checked: a small file read.
const joinTokenCheck = time.Second

// joinTokenSource is the cluster's current join token.
type joinTokenSource interface {
	JoinToken() string
}

// joinTokenFile keeps <state-dir>/join-token equal to the cluster's current token.
type joinTokenFile struct {
	path  string
	token joinTokenSource
	log   *slog.Logger
}

func newJoinTokenFile(stateDir string, token joinTokenSource, log *slog.Logger) *joinTokenFile {
	return &joinTokenFile{path: filepath.Join(stateDir, JoinTokenFile), token: token, log: log}
}

// Update writes the current token into the file, unless it holds it already.
func (f *joinTokenFile) Update() error {
	want := f.token.JoinToken() + "\n"
	if have, err := os.ReadFile(f.path); err == nil && string(have) == want {
		return nil
	}
	if err := os.WriteFile(f.path, []byte(want), 0o600); err != nil {
		return fmt.Errorf("write join token: %w", err)
	}
	return os.Chmod(f.path, 0o600)
}

// Start keeps the file current until ctx ends.
func (f *joinTokenFile) Start(ctx context.Context) error {
	tick := time.NewTicker(joinTokenCheck)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
		if err := f.Update(); err != nil {
			f.log.Warn("keeping the join token file current", "err", err)
		}
	}
}
