package manifest

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// MaxBytes bounds one manifest file. Manifests are small; a larger input is a mistake (a
// binary, a log) rather than an application.
const MaxBytes = 10 << 20

// Read reads the manifests a user names with -f: a file, a folder (its *.yaml, *.yml and
// *.json files, sorted, not recursive) or "-" for standard input.
func Read(path string, stdin io.Reader) ([]Input, error) {
	if path == "-" {
		data, err := readLimited(stdin, "<stdin>")
		if err != nil {
			return nil, err
		}
		return []Input{{Name: "<stdin>", Data: data}}, nil
	}
	info, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("read manifest: %w", err)
	}
	if !info.IsDir() {
		data, err := readFile(path)
		if err != nil {
			return nil, err
		}
		return []Input{{Name: path, Data: data}}, nil
	}
	entries, err := os.ReadDir(path)
	if err != nil {
		return nil, fmt.Errorf("read manifest folder: %w", err)
	}
	var names []string
	for _, e := range entries {
		switch strings.ToLower(filepath.Ext(e.Name())) {
		case ".yaml", ".yml", ".json":
			if !e.IsDir() {
				names = append(names, e.Name())
			}
		}
	}
	sort.Strings(names)
	if len(names) == 0 {
		return nil, fmt.Errorf("read manifest folder %s: it has no .yaml, .yml or .json files", path)
	}
	inputs := make([]Input, 0, len(names))
	for _, n := range names {
		p := filepath.Join(path, n)
		data, err := readFile(p)
		if err != nil {
			return nil, err
		}
		inputs = append(inputs, Input{Name: p, Data: data})
	}
	return inputs, nil
}

func readFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read manifest: %w", err)
	}
	defer f.Close()
	return readLimited(f, path)
}

func readLimited(r io.Reader, name string) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxBytes+1))
	if err != nil {
		return nil, fmt.Errorf("read manifest %s: %w", name, err)
	}
	if len(data) > MaxBytes {
		return nil, fmt.Errorf("read manifest %s: larger than %d MiB; a manifest this big is probably not one", name, MaxBytes>>20)
	}
	return data, nil
}
