package cluster

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/podman-swarm/podman-swarm/internal/atomicfile"
)

// rankFile keeps this node's rank across restarts.
const rankFile = "rank.json"

// joinRank is the rank of a node that takes a new one: past the cluster's
// Lamport clock as this node now knows it (the join's push/pull brought the
// peer's), and past every rank it sees, so that it comes after every member
// of the cluster it joined, the leader included.
func joinRank(clock uint64, members []Member) uint64 {
	rank := clock + 1
	for _, m := range members {
		if m.Rank >= rank {
			rank = m.Rank + 1
		}
	}
	return rank
}

// keepsRank says whether a node that comes back with a persisted rank keeps
// it. It does unless another alive member leads in its own view: then the
// node was away long enough for the role to move, and taking its old rank
// back would take the role from a leader that is alive. A quick restart
// (nobody else took over) keeps the role where it was.
func keepsRank(persisted uint64, members []Member, self string) bool {
	if persisted == 0 {
		return false
	}
	for _, m := range members {
		if m.Name != self && m.State == StateAlive && m.leading {
			return false
		}
	}
	return true
}

type rankState struct {
	Rank uint64 `json:"rank"`
}

// loadRank reads the persisted rank; 0 when there is none. Like the peers,
// it can be taken again, so a damaged file only costs the rank.
func loadRank(dir string) (uint64, error) {
	path := filepath.Join(dir, rankFile)
	buf, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("read rank: %w", err)
	}
	var st rankState
	if err := json.Unmarshal(buf, &st); err != nil {
		return 0, fmt.Errorf("read rank %s: %w", path, err)
	}
	return st.Rank, nil
}

func saveRank(dir string, rank uint64) error {
	buf, err := json.Marshal(rankState{Rank: rank})
	if err != nil {
		return fmt.Errorf("encode rank: %w", err)
	}
	return atomicfile.Write(filepath.Join(dir, rankFile), buf, 0o600)
}
