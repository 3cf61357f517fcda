package cluster

import (
	"encoding/binary"
	"errors"
	"hash/crc32"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestStoreFileRoundTrip(t *testing.T) {
	dir := t.TempDir()
	entries := []Entry{
		{Key: "a", Value: []byte("1"), Version: Version{1, "n1"}, Modified: time.Unix(5, 0)},
		{Key: "b", Deleted: true, Version: Version{9, "n2"}, Modified: time.Unix(6, 0)},
	}
	if err := saveStore(dir, 42, entries); err != nil {
		t.Fatal(err)
	}
	info, err := os.Stat(filepath.Join(dir, storeFile))
	if err != nil {
		t.Fatal(err)
	}
	if perm := info.Mode().Perm(); perm != 0o600 {
		t.Fatalf("store file mode %v, want 0600", perm)
	}
	clock, got, err := loadStore(dir)
	if err != nil {
		t.Fatal(err)
	}
	if clock != 42 || len(got) != 2 {
		t.Fatalf("loaded clock %d, %d entries", clock, len(got))
	}
}

func TestLoadStoreMissingIsEmpty(t *testing.T) {
	clock, entries, err := loadStore(t.TempDir())
	if err != nil || clock != 0 || len(entries) != 0 {
		t.Fatalf("got %d, %v, %v", clock, entries, err)
	}
}

func TestLoadStoreDetectsDamage(t *testing.T) {
	good := encodeStoreFile(7, []Entry{{Key: "a", Value: []byte("value"), Version: Version{1, "n1"}}})
	tests := map[string][]byte{
		"flipped bit": func() []byte { b := append([]byte(nil), good...); b[10] ^= 1; return b }(),
		"truncated":   good[:len(good)-3],
		"empty":       {},
		"other file":  []byte(`{"tokens":[]}`),
	}
	for name, buf := range tests {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, storeFile), buf, 0o600); err != nil {
				t.Fatal(err)
			}
			_, _, err := loadStore(dir)
			if err == nil {
				t.Fatal("damaged store loaded")
			}
			if !errors.As(err, new(*DamagedStoreError)) {
				t.Fatalf("err = %v, want a DamagedStoreError", err)
			}
		})
	}
}

// A crash in the middle of a write leaves at most a temporary file beside
// the intact old one.
func TestCrashMidWriteKeepsOldStore(t *testing.T) {
	dir := t.TempDir()
	if err := saveStore(dir, 1, []Entry{{Key: "kept", Value: []byte("v"), Version: Version{1, "n1"}}}); err != nil {
		t.Fatal(err)
	}
	half := encodeStoreFile(2, []Entry{{Key: "lost", Value: []byte("v"), Version: Version{2, "n1"}}})
	torn := filepath.Join(dir, "."+storeFile+".tmp-123")
	if err := os.WriteFile(torn, half[:len(half)/2], 0o600); err != nil {
		t.Fatal(err)
	}
	_, entries, err := loadStore(dir)
	if err != nil || len(entries) != 1 || entries[0].Key != "kept" {
		t.Fatalf("after a torn write: %v, %v", entries, err)
	}
	if err := removeStaleTemps(dir); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(torn); !os.IsNotExist(err) {
		t.Fatalf("temporary file left: %v", err)
	}
}

func TestKeyringFile(t *testing.T) {
	dir := t.TempDir()
	if _, ok, err := loadKeyring(dir); ok || err != nil {
		t.Fatalf("empty folder: ok=%v err=%v", ok, err)
	}
	tok, _ := newToken()
	if err := saveKeyring(dir, []string{tok}); err != nil {
		t.Fatal(err)
	}
	info, _ := os.Stat(filepath.Join(dir, keyringFile))
	if perm := info.Mode().Perm(); perm != 0o600 {
		t.Fatalf("keyring mode %v, want 0600", perm)
	}
	got, ok, err := loadKeyring(dir)
	if err != nil || !ok || len(got) != 1 || got[0] != tok {
		t.Fatalf("got %v %v %v", got, ok, err)
	}
	if err := os.WriteFile(filepath.Join(dir, keyringFile), []byte(`{"tokens":["nope"]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, _, err := loadKeyring(dir); err == nil || !strings.Contains(err.Error(), "join token") {
		t.Fatalf("bad token in keyring: %v", err)
	}
}

// A store of the first format, written before entries kept their receipt
// time, still loads; its entries count as received when the node loads
// them.
func TestLoadStoreFirstFormat(t *testing.T) {
	b := append(slices.Clone(storeMagic), storeFormatV1)
	b = appendUvarint(b, 9) // clock
	b = appendUvarint(b, 1) // one entry
	b = appendString(b, "gone")
	b = appendBytes(b, nil)
	b = appendUvarint(b, 4)
	b = appendString(b, "n1")
	b = append(b, entryDeleted)
	b = binary.AppendVarint(b, time.Unix(5, 0).UnixNano())
	b = binary.BigEndian.AppendUint32(b, crc32.ChecksumIEEE(b))
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, storeFile), b, 0o600); err != nil {
		t.Fatal(err)
	}
	clock, entries, err := loadStore(dir)
	if err != nil || clock != 9 || len(entries) != 1 {
		t.Fatalf("got %d %v %v", clock, entries, err)
	}
	if e := entries[0]; e.Key != "gone" || !e.Deleted || e.Version != (Version{4, "n1"}) || !e.Received.IsZero() {
		t.Fatalf("entry %+v", e)
	}

	now := time.Unix(1_800_000_000, 0)
	n := &Node{cfg: Config{Clock: func() time.Time { return now }}, entries: map[string]Entry{}}
	n.restore(clock, entries)
	if e := n.entries["gone"]; !e.Received.Equal(now) {
		t.Fatalf("restored with Received %v, want the load time", e.Received)
	}
}

// Receipt times are this node's own: the store keeps them as they are.
func TestStoreKeepsReceiptTimes(t *testing.T) {
	dir := t.TempDir()
	at := time.Unix(1_700_000_000, 42)
	if err := saveStore(dir, 1, []Entry{{Key: "a", Version: Version{1, "n1"}, Deleted: true, Received: at}}); err != nil {
		t.Fatal(err)
	}
	_, entries, err := loadStore(dir)
	if err != nil || len(entries) != 1 || !entries[0].Received.Equal(at) {
		t.Fatalf("got %+v %v", entries, err)
	}
}

func TestLoadStoreNewerFormat(t *testing.T) {
	b := append(slices.Clone(storeMagic), storeFormat+1, 0, 0)
	b = binary.BigEndian.AppendUint32(b, crc32.ChecksumIEEE(b))
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, storeFile), b, 0o600); err != nil {
		t.Fatal(err)
	}
	_, _, err := loadStore(dir)
	if err == nil || errors.As(err, new(*DamagedStoreError)) || !strings.Contains(err.Error(), "run the version that wrote it") {
		t.Fatalf("err = %v, want the newer version named, not damage", err)
	}
}
