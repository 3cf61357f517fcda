package apiserver

import (
	"strings"
	"testing"

	"github.com/podman-swarm/podman-swarm/agent/store"
)

// A rollback goes to the named revision, or to the newest that is not the current one;
// otherwise it fails in kubectl's words.
func TestRollbackRevision(t *testing.T) {
	rec := store.Rollout{Hash: "c", Revisions: []store.Revision{{Number: 2, Hash: "a"}, {Number: 4, Hash: "b"}, {Number: 5, Hash: "c"}}}
	for _, tc := range []struct {
		to   int64
		want int64
		err  string
	}{
		{0, 4, ""},
		{2, 2, ""},
		{5, 5, ""},
		{3, 0, "unable to find specified revision 3 in history"},
		{-1, 0, "want a revision number"},
	} {
		got, err := rollbackRevision(rec, "web", tc.to)
		switch {
		case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
			t.Errorf("to %d: %v, want %q", tc.to, err, tc.err)
		case tc.err == "" && (err != nil || got.Number != tc.want):
			t.Errorf("to %d: revision %d %v, want %d", tc.to, got.Number, err, tc.want)
		}
	}
	only := store.Rollout{Hash: "a", Revisions: []store.Revision{{Number: 1, Hash: "a"}}}
	if _, err := rollbackRevision(only, "web", 0); err == nil || !strings.Contains(err.Error(), `no rollout history found for deployment "web"`) {
		t.Errorf("no previous revision: %v", err)
	}
	list := revisionList(rec)
	if len(list.Items) != 3 || !list.Items[2].Current || list.Items[0].Current || list.Items[1].Number != 4 {
		t.Errorf("revisionList = %+v", list)
	}
}
