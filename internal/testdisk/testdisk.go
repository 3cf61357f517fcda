// Package testdisk gives tests a small file system of their own to fill, so that a disk
// that refuses writes is real, not simulated.
package testdisk

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// Tmpfs mounts a tmpfs of size (as mount takes it: "1m") at a new folder and returns it,
// or skips the test when it cannot (it needs root). It is unmounted when the test ends,
// after the cleanups registered later, such as those of the processes that use it.
func Tmpfs(t *testing.T, size string) string {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root: a state folder goes on a tmpfs of its own (mount -t tmpfs), to fill it")
	}
	dir := filepath.Join(t.TempDir(), "full")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, "size="+size+",mode=0700"); err != nil {
		t.Skipf("cannot mount a tmpfs: %v", err)
	}
	t.Cleanup(func() { _ = syscall.Unmount(dir, syscall.MNT_DETACH) })
	return dir
}

// Fill writes dir/filler until the file system of dir is full. Called again, it takes
// what was freed since: a process that replaces one of its files (write a new one, rename
// it over the old) frees the old one's pages when the rename lands.
func Fill(t *testing.T, dir string) {
	t.Helper()
	f, err := os.OpenFile(filepath.Join(dir, "filler"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	chunk := bytes.Repeat([]byte{0xaa}, 4096)
	for {
		if _, err := f.Write(chunk); err != nil {
			if !errors.Is(err, syscall.ENOSPC) {
				t.Fatal(err)
			}
			break
		}
	}
	// What is left is less than a page: take it byte by byte.
	for {
		if _, err := f.Write(chunk[:1]); err != nil {
			break
		}
	}
}
