package cluster

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/podman-swarm/podman-swarm/internal/atomicfile"
)

// Files under Config.StateDir. Each is replaced whole by atomicfile.Write, so a
// crash leaves either the old or the new version, never a mix.
const (
	storeFile   = "store"                // entries, tombstones and the clock
	keyringFile = "keyring.json"         // join tokens, the primary first
	peersFile   = "peers.json"           // gossip addresses of the last known members
	tempPattern = atomicfile.TempPattern // what a write killed midway leaves
)

// storeMagic and storeFormat lead the store file; a CRC-32 of everything
// before it ends the file, so damage by anything other than our own writes is
// detected instead of loading half a store.
var storeMagic = []byte("PSWS")

// storeFormat 2 added when each entry was received; format 1 is still read.
const (
	storeFormat   = 2
	storeFormatV1 = 1
)

// removeStaleTemps deletes temporary files of writes that a crash cut short.
func removeStaleTemps(dir string) error {
	names, err := filepath.Glob(filepath.Join(dir, tempPattern))
	if err != nil {
		return fmt.Errorf("list temporary files in %s: %w", dir, err)
	}
	for _, name := range names {
		if err := os.Remove(name); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("remove %s: %w", name, err)
		}
	}
	return nil
}

// encodeStoreFile frames the state with the magic, the format and a checksum.
// Received times are written as they are: they are this node's own.
func encodeStoreFile(clock uint64, entries []Entry) []byte {
	b := append(slices.Clone(storeMagic), storeFormat)
	b = appendState(b, clock, entries, time.Time{})
	return binary.BigEndian.AppendUint32(b, crc32.ChecksumIEEE(b))
}

// decodeStoreFile reads a store file. Entries of format 1 have no Received;
// the node counts them as received when it loads them.
func decodeStoreFile(buf []byte) (uint64, []Entry, error) {
	head := len(storeMagic) + 1
	if len(buf) < head+4 || !bytes.Equal(buf[:len(storeMagic)], storeMagic) {
		return 0, nil, errors.New("not a store file")
	}
	body, sum := buf[:len(buf)-4], binary.BigEndian.Uint32(buf[len(buf)-4:])
	if crc32.ChecksumIEEE(body) != sum {
		return 0, nil, errors.New("checksum mismatch")
	}
	format := buf[len(storeMagic)]
	if format > storeFormat {
		return 0, nil, &newerStoreError{format: format}
	}
	if format < storeFormatV1 {
		return 0, nil, fmt.Errorf("unknown store format %d", format)
	}
	if format == storeFormatV1 {
		return decodeStateWith(body[head:], minEncodedEntryV1, (*decoder).entryV1)
	}
	return decodeState(body[head:], time.Time{})
}

// newerStoreError is a store written by a newer version of this program:
// it is not damaged, and setting it aside would lose it for nothing.
type newerStoreError struct{ format byte }

func (e *newerStoreError) Error() string {
	return fmt.Sprintf("store format %d, this node reads up to %d: run the version that wrote it", e.format, storeFormat)
}

// loadStore reads the store file; a missing file is an empty store. A file
// that cannot be decoded is a *DamagedStoreError.
func loadStore(dir string) (uint64, []Entry, error) {
	path := filepath.Join(dir, storeFile)
	buf, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return 0, nil, nil
	}
	if err != nil {
		return 0, nil, fmt.Errorf("read store: %w", err)
	}
	clock, entries, err := decodeStoreFile(buf)
	var newer *newerStoreError
	switch {
	case errors.As(err, &newer):
		return 0, nil, fmt.Errorf("read store %s: %w", path, err)
	case err != nil:
		return 0, nil, &DamagedStoreError{Path: path, Err: err}
	}
	return clock, entries, nil
}

func saveStore(dir string, clock uint64, entries []Entry) error {
	return atomicfile.Write(filepath.Join(dir, storeFile), encodeStoreFile(clock, entries), 0o600)
}

// keyringState is the keyring file: every token whose key this node accepts,
// the one it encrypts with first.
type keyringState struct {
	Tokens []string `json:"tokens"`
}

// loadKeyring reads the persisted tokens; ok is false when there are none, that
// is when this node was never part of a cluster.
func loadKeyring(dir string) (tokens []string, ok bool, err error) {
	path := filepath.Join(dir, keyringFile)
	buf, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("read keyring: %w", err)
	}
	var st keyringState
	if err := json.Unmarshal(buf, &st); err != nil {
		return nil, false, fmt.Errorf("read keyring %s: %w", path, err)
	}
	if len(st.Tokens) == 0 {
		return nil, false, fmt.Errorf("read keyring %s: no tokens in it", path)
	}
	for _, tok := range st.Tokens {
		if _, err := parseToken(tok); err != nil {
			return nil, false, fmt.Errorf("read keyring %s: %w", path, err)
		}
	}
	return st.Tokens, true, nil
}

func saveKeyring(dir string, tokens []string) error {
	buf, err := json.Marshal(keyringState{Tokens: tokens})
	if err != nil {
		return fmt.Errorf("encode keyring: %w", err)
	}
	return atomicfile.Write(filepath.Join(dir, keyringFile), buf, 0o600)
}

// loadPeers reads the addresses of the members last known; none if the file
// is missing. The file is only a cache, rewritten whenever the membership
// changes, so a file that cannot be read is an error the caller may ignore.
func loadPeers(dir string) ([]string, error) {
	path := filepath.Join(dir, peersFile)
	buf, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read peers: %w", err)
	}
	var peers []string
	if err := json.Unmarshal(buf, &peers); err != nil {
		return nil, fmt.Errorf("read peers %s: %w", path, err)
	}
	return peers, nil
}

func savePeers(dir string, peers []string) error {
	buf, err := json.Marshal(peers)
	if err != nil {
		return fmt.Errorf("encode peers: %w", err)
	}
	return atomicfile.Write(filepath.Join(dir, peersFile), buf, 0o600)
}
