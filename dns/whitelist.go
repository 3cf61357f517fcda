package dns

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"sync"
	"time"

	mdns "github.com/miekg/dns"
)

// HostList is a whitelist of hosts: a host admits itself and every name below it.
type HostList map[string]bool

var _ Whitelist = HostList(nil)

// ParseHostList reads one host per line; blank lines and lines starting with # are skipped,
// and a leading "*." is dropped (a host admits its subdomains anyway).
func ParseHostList(data []byte) (HostList, error) {
	hosts := HostList{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		host := mdns.CanonicalName(strings.TrimPrefix(line, "*."))
		if _, ok := mdns.IsDomainName(host); !ok || strings.ContainsAny(host, " \t") {
			return nil, fmt.Errorf("line %d: %q is not a host name", n, line)
		}
		hosts[host] = true
	}
	return hosts, sc.Err()
}

// Allows says whether name (fully qualified, lower case) or one of its parents is listed.
func (l HostList) Allows(name string) bool {
	for i, end := 0, false; !end; i, end = mdns.NextLabel(name, i) {
		if l[name[i:]] {
			return true
		}
	}
	return false
}

// WhitelistFile is a HostList read from a file and read again when the file changes.
type WhitelistFile struct {
	path string
	log  *slog.Logger

	mu    sync.RWMutex
	hosts HostList
	mtime time.Time
	size  int64
}

var _ Whitelist = (*WhitelistFile)(nil)

// LoadWhitelistFile reads the whitelist at path.
func LoadWhitelistFile(path string, log *slog.Logger) (*WhitelistFile, error) {
	w := &WhitelistFile{path: path, log: log}
	if _, err := w.Reload(); err != nil {
		return nil, err
	}
	return w, nil
}

// Allows implements Whitelist.
func (w *WhitelistFile) Allows(name string) bool {
	w.mu.RLock()
	defer w.mu.RUnlock()
	return w.hosts.Allows(name)
}

// Reload reads the file again if its size or time changed, and says whether it did. A file
// that has become unreadable or wrong leaves the previous list in force.
func (w *WhitelistFile) Reload() (bool, error) {
	fi, err := os.Stat(w.path)
	if err != nil {
		return false, fmt.Errorf("read the whitelist %s: %w", w.path, err)
	}
	w.mu.RLock()
	same := w.hosts != nil && fi.ModTime().Equal(w.mtime) && fi.Size() == w.size
	w.mu.RUnlock()
	if same {
		return false, nil
	}
	data, err := os.ReadFile(w.path)
	if err != nil {
		return false, fmt.Errorf("read the whitelist %s: %w", w.path, err)
	}
	hosts, err := ParseHostList(data)
	if err != nil {
		return false, fmt.Errorf("read the whitelist %s: %w", w.path, err)
	}
	w.mu.Lock()
	w.hosts, w.mtime, w.size = hosts, fi.ModTime(), fi.Size()
	w.mu.Unlock()
	return true, nil
}

// Watch reloads the file every interval until ctx ends, logging each change and each
// failure (the previous list stays in force).
func (w *WhitelistFile) Watch(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		switch changed, err := w.Reload(); {
		case err != nil:
			w.log.Warn("keeping the previous whitelist", "err", err)
		case changed:
			w.mu.RLock()
			n := len(w.hosts)
			w.mu.RUnlock()
			w.log.Info("whitelist reloaded", "file", w.path, "hosts", n)
		}
	}
}
