package cluster

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/podman-swarm/podman-swarm/internal/atomicfile"
)

// The write-ahead log is the file walFile under Config.StateDir: a header
// (walMagic, walFormat) followed by frames, one per group commit, each
//
//	length of the body (uint32, big-endian)
//	CRC-32C of the body (uint32, big-endian)
//	body: a count (uvarint) and that many entries, as appendEntry writes them
//
// A frame is written with one write and flushed with one fsync. A node
// killed in the middle leaves at most one frame cut short or with a wrong
// checksum at the end: that frame was never acknowledged, and the next start
// discards it.
const (
	walFile      = "wal"
	walFormat    = 1
	walFrameHead = 8
	// maxFrameBody bounds a frame's declared length: a batch never holds
	// more than the store's bound, so a longer one is damage, not data.
	maxFrameBody = 2 * maxStoreBytes
)

var (
	walMagic   = []byte("PSWL")
	walHeader  = append(bytes.Clone(walMagic), walFormat)
	castagnoli = crc32.MakeTable(crc32.Castagnoli)
)

// appendFrame appends the frame of one group commit to b.
func appendFrame(b []byte, entries []Entry) []byte {
	start := len(b)
	b = slices.Grow(b, walFrameHead+encodedBound(entries))
	b = append(b, make([]byte, walFrameHead)...)
	b = appendEntries(b, entries, time.Time{}) // this node's own clock: Received as it is
	body := b[start+walFrameHead:]
	binary.BigEndian.PutUint32(b[start:], uint32(len(body)))
	binary.BigEndian.PutUint32(b[start+4:], crc32.Checksum(body, castagnoli))
	return b
}

// scanFrames reads the frames that follow the header and returns their
// entries, how many whole frames there were, and where the last whole frame
// ends. It stops at the first frame that is cut short, fails its checksum
// or does not decode: everything from there on is a tail torn by a crash.
func scanFrames(buf []byte) (entries []Entry, frames, end int) {
	for {
		rest := buf[end:]
		if len(rest) < walFrameHead {
			return entries, frames, end
		}
		size := binary.BigEndian.Uint32(rest)
		sum := binary.BigEndian.Uint32(rest[4:])
		// A body holds at least its count, so a zero length, which a file
		// extended with zeros by a crash would show, is no frame.
		if size == 0 || size > maxFrameBody || uint64(size) > uint64(len(rest)-walFrameHead) {
			return entries, frames, end
		}
		body := rest[walFrameHead : walFrameHead+int(size)]
		if crc32.Checksum(body, castagnoli) != sum {
			return entries, frames, end
		}
		got, err := decodeFrameBody(body)
		if err != nil {
			return entries, frames, end
		}
		entries = append(entries, got...)
		frames++
		end += walFrameHead + int(size)
	}
}

func decodeFrameBody(body []byte) ([]Entry, error) {
	d := decoder{buf: body}
	n := d.count(minEncodedEntry)
	entries := make([]Entry, 0, n)
	for range n {
		entries = append(entries, d.entry(time.Time{}))
	}
	return entries, d.done()
}

// wal is the open log. Only the commit loop appends to it; compaction and
// shutdown reset it from that loop or after it ended.
type wal struct {
	path string
	f    *os.File
	// size is where the last whole frame ends: the next frame goes there.
	size int64
	// torn says a failed append may have left bytes after size, which must
	// go before anything else is appended: a later frame behind them would
	// be unreachable, or they would hold a write that was refused.
	torn bool
}

// flushFile flushes a log to disk. Tests replace it to make a disk fail.
var flushFile = func(f *os.File) error { return f.Sync() }

// walReplay is what openWAL read back.
type walReplay struct {
	entries   []Entry
	frames    int
	discarded int64 // bytes of a torn tail, cut off
}

// openWAL opens the log under dir, creating it if missing, reads it back and
// cuts off a torn tail, so that new frames follow the last whole one.
func openWAL(dir string) (*wal, walReplay, error) {
	path := filepath.Join(dir, walFile)
	buf, err := os.ReadFile(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		w, err := createWAL(path)
		return w, walReplay{}, err
	case err != nil:
		return nil, walReplay{}, fmt.Errorf("read store log: %w", err)
	}
	if len(buf) < len(walHeader) && bytes.HasPrefix(walHeader, buf) {
		// Killed while creating it: nothing was ever logged.
		w, err := createWAL(path)
		return w, walReplay{}, err
	}
	if !bytes.HasPrefix(buf, walMagic) {
		return nil, walReplay{}, fmt.Errorf("read store log %s: not a store log", path)
	}
	if buf[len(walMagic)] != walFormat {
		return nil, walReplay{}, fmt.Errorf("read store log %s: format %d, this node reads %d", path, buf[len(walMagic)], walFormat)
	}
	entries, frames, end := scanFrames(buf[len(walHeader):])
	size := int64(len(walHeader) + end)
	f, err := os.OpenFile(path, os.O_RDWR, 0o600)
	if err != nil {
		return nil, walReplay{}, fmt.Errorf("open store log: %w", err)
	}
	w := &wal{path: path, f: f, size: size}
	replay := walReplay{entries: entries, frames: frames, discarded: int64(len(buf)) - size}
	if replay.discarded > 0 {
		if err := w.cut(); err != nil {
			_ = f.Close()
			return nil, walReplay{}, err
		}
	}
	return w, replay, nil
}

// createWAL writes a log that holds only its header, and makes its name
// durable in the folder.
func createWAL(path string) (*wal, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return nil, fmt.Errorf("create store log: %w", err)
	}
	w := &wal{path: path, f: f}
	if _, err := f.WriteAt(walHeader, 0); err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("write store log %s: %w", path, err)
	}
	w.size = int64(len(walHeader))
	if err := errors.Join(flushFile(f), atomicfile.SyncDir(filepath.Dir(path))); err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("create store log %s: %w", path, err)
	}
	return w, nil
}

// append writes one frame after the last whole one and flushes it to disk.
// On failure the frame is cut off again, so that the log ends with its last
// whole frame as if the append had never happened.
func (w *wal) append(frame []byte) error {
	if w.torn {
		if err := w.cut(); err != nil {
			return err
		}
	}
	n, err := w.f.WriteAt(frame, w.size)
	if err == nil && n < len(frame) {
		err = io.ErrShortWrite
	}
	if err == nil {
		err = flushFile(w.f)
	}
	if err != nil {
		w.torn = true
		_ = w.cut() // else the next append tries again
		return fmt.Errorf("append to store log %s: %w", w.path, err)
	}
	w.size += int64(len(frame))
	return nil
}

// cut truncates the file to the end of the last whole frame.
func (w *wal) cut() error {
	if err := w.f.Truncate(w.size); err != nil {
		return fmt.Errorf("cut store log %s: %w", w.path, err)
	}
	if err := flushFile(w.f); err != nil {
		return fmt.Errorf("cut store log %s: %w", w.path, err)
	}
	w.torn = false
	return nil
}

// reset empties the log once a snapshot holds everything in it.
func (w *wal) reset() error {
	w.size, w.torn = int64(len(walHeader)), true
	return w.cut()
}

// logged returns the bytes of frames in the log.
func (w *wal) logged() int64 {
	return w.size - int64(len(walHeader))
}

func (w *wal) close() error {
	return w.f.Close()
}
