package cluster

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
)

func walEntry(key, value string, at uint64) Entry {
	return Entry{Key: key, Value: []byte(value), Version: Version{at, "n1"}, Modified: time.Unix(int64(at), 0)}
}

// writeWAL creates a log in a new folder holding one frame per batch, and
// returns the folder and the file's content.
func writeWAL(t *testing.T, batches ...[]Entry) (string, []byte) {
	t.Helper()
	dir := t.TempDir()
	w, _, err := openWAL(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range batches {
		if err := w.append(appendFrame(nil, b)); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.close(); err != nil {
		t.Fatal(err)
	}
	buf, err := os.ReadFile(filepath.Join(dir, walFile))
	if err != nil {
		t.Fatal(err)
	}
	return dir, buf
}

func keysOf(entries []Entry) []string {
	var keys []string
	for _, e := range entries {
		keys = append(keys, e.Key)
	}
	return keys
}

func replayWAL(t *testing.T, dir string) walReplay {
	t.Helper()
	w, replay, err := openWAL(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = w.close() })
	return replay
}

func TestWALReplaysEveryFrame(t *testing.T) {
	first := []Entry{walEntry("a", "1", 1), walEntry("b", "2", 1)}
	second := []Entry{{Key: "a", Deleted: true, Version: Version{2, "n2"}, Modified: time.Unix(9, 0)}}
	dir, _ := writeWAL(t, first, second, nil)
	replay := replayWAL(t, dir)
	if replay.frames != 3 || replay.discarded != 0 {
		t.Fatalf("frames %d, discarded %d; want 3 and 0", replay.frames, replay.discarded)
	}
	if got := keysOf(replay.entries); !slices.Equal(got, []string{"a", "b", "a"}) {
		t.Fatalf("entries %v", got)
	}
	if e := replay.entries[2]; !e.Deleted || e.Version != (Version{2, "n2"}) || !e.Modified.Equal(time.Unix(9, 0)) {
		t.Fatalf("tombstone read back as %+v", e)
	}
}

// A node killed while appending leaves the last frame cut anywhere: every
// cut discards that frame, keeps the ones before, and the next frame is
// appended where the last whole one ends.
func TestWALDiscardsTornTail(t *testing.T) {
	dir, full := writeWAL(t, []Entry{walEntry("kept", "v", 1)}, []Entry{walEntry("torn1", "v", 2), walEntry("torn2", "v", 2)})
	whole := len(walHeader) + len(appendFrame(nil, []Entry{walEntry("kept", "v", 1)}))
	path := filepath.Join(dir, walFile)
	for cut := whole + 1; cut < len(full); cut++ {
		if err := os.WriteFile(path, full[:cut], 0o600); err != nil {
			t.Fatal(err)
		}
		w, replay, err := openWAL(dir)
		if err != nil {
			t.Fatalf("cut at %d: %v", cut, err)
		}
		if got := keysOf(replay.entries); !slices.Equal(got, []string{"kept"}) || replay.discarded != int64(cut-whole) {
			t.Fatalf("cut at %d: entries %v, discarded %d", cut, got, replay.discarded)
		}
		if err := w.append(appendFrame(nil, []Entry{walEntry("next", "v", 3)})); err != nil {
			t.Fatal(err)
		}
		_ = w.close()
		again := replayWAL(t, dir)
		if got := keysOf(again.entries); !slices.Equal(got, []string{"kept", "next"}) || again.discarded != 0 {
			t.Fatalf("cut at %d, then appended: entries %v, discarded %d", cut, got, again.discarded)
		}
	}
}

func TestWALChecksum(t *testing.T) {
	dir, full := writeWAL(t, []Entry{walEntry("a", "first", 1)}, []Entry{walEntry("b", "second", 2)})
	path := filepath.Join(dir, walFile)
	second := len(walHeader) + len(appendFrame(nil, []Entry{walEntry("a", "first", 1)}))
	tests := map[string]struct {
		damage func([]byte) []byte
		want   []string
	}{
		"a bit flipped in the last frame's body":     {func(b []byte) []byte { b[len(b)-3] ^= 4; return b }, []string{"a"}},
		"a bit flipped in the last frame's checksum": {func(b []byte) []byte { b[second+5] ^= 1; return b }, []string{"a"}},
		// What follows damage cannot be trusted to be frames at all.
		"a bit flipped in the first frame": {func(b []byte) []byte { b[len(walHeader)+walFrameHead+2] ^= 1; return b }, nil},
		"a length beyond the file":         {func(b []byte) []byte { b[second] = 0x7f; return b }, []string{"a"}},
		// A crash may leave the file longer, the new part zeros.
		"zeros after the frames": {func(b []byte) []byte { return append(b, make([]byte, 4096)...) }, []string{"a", "b"}},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			if err := os.WriteFile(path, tt.damage(bytes.Clone(full)), 0o600); err != nil {
				t.Fatal(err)
			}
			replay := replayWAL(t, dir)
			if got := keysOf(replay.entries); !slices.Equal(got, tt.want) {
				t.Fatalf("entries %v, want %v", got, tt.want)
			}
		})
	}
}

func TestWALHeader(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, walFile)
	// Killed while creating it: the log starts afresh.
	if err := os.WriteFile(path, walMagic[:2], 0o600); err != nil {
		t.Fatal(err)
	}
	if replay := replayWAL(t, dir); len(replay.entries) != 0 {
		t.Fatalf("entries %v", replay.entries)
	}
	if buf, _ := os.ReadFile(path); !bytes.Equal(buf, walHeader) {
		t.Fatalf("log rewritten as %q", buf)
	}
	for name, content := range map[string][]byte{
		"another file":   []byte(`{"tokens":[]}`),
		"a later format": append(bytes.Clone(walMagic), walFormat+1),
	} {
		if err := os.WriteFile(path, content, 0o600); err != nil {
			t.Fatal(err)
		}
		if _, _, err := openWAL(dir); err == nil {
			t.Errorf("%s: opened", name)
		}
	}
}

// An append whose flush fails is cut off again, so that it never comes back
// after a restart, and the log takes frames again once the disk works.
func TestWALFailedAppendLeavesNothing(t *testing.T) {
	dir := t.TempDir()
	w, _, err := openWAL(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.append(appendFrame(nil, []Entry{walEntry("before", "v", 1)})); err != nil {
		t.Fatal(err)
	}
	disk := newFaultyDisk(t)
	disk.failWith(dir, syscall.ENOSPC)
	err = w.append(appendFrame(nil, []Entry{walEntry("refused", "v", 2)}))
	if !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("append with a failing disk: %v", err)
	}
	// The cut failed too (the same failing flush): the next append cuts first.
	if !w.torn {
		t.Fatal("a failed append did not mark the log torn")
	}
	disk.failWith(dir, nil)
	if err := w.append(appendFrame(nil, []Entry{walEntry("after", "v", 3)})); err != nil {
		t.Fatal(err)
	}
	_ = w.close()
	if got := keysOf(replayWAL(t, dir).entries); !slices.Equal(got, []string{"before", "after"}) {
		t.Fatalf("entries %v", got)
	}
}

func TestWALReset(t *testing.T) {
	dir, _ := writeWAL(t, []Entry{walEntry("a", "v", 1)})
	w, replay, err := openWAL(dir)
	if err != nil || len(replay.entries) != 1 {
		t.Fatalf("%v %v", replay.entries, err)
	}
	if err := w.reset(); err != nil {
		t.Fatal(err)
	}
	if w.logged() != 0 {
		t.Fatalf("logged %d bytes after a reset", w.logged())
	}
	_ = w.close()
	if replay := replayWAL(t, dir); len(replay.entries) != 0 {
		t.Fatalf("entries after a reset: %v", replay.entries)
	}
}

func TestUnconfirmedErrorSaysWhatIsTrue(t *testing.T) {
	none := &UnconfirmedError{Missing: []string{"n2: no answer within 5s"}}
	if got, want := none.Error(), "stored on this node, not yet confirmed by another node: n2: no answer within 5s"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	some := &UnconfirmedError{Confirmed: []string{"n2"}, Missing: []string{"n3: not reached: refused"}}
	if got := some.Error(); !strings.HasPrefix(got, "stored on this node and on n2, not yet confirmed by every other node: n3:") {
		t.Errorf("got %q", got)
	}
	if !errors.Is(fmt.Errorf("apply: %w", some), ErrNotConfirmed) {
		t.Error("does not match ErrNotConfirmed")
	}
}
