package l4

import (
	"cmp"
	"encoding/json"
	"fmt"
	"os"
	"slices"

	"github.com/podman-swarm/podman-swarm/internal/atomicfile"
)

// Opened is a port this node listens on for a Service.
type Opened struct {
	Key
	Kind        Kind   `json:"kind"`
	Namespace   string `json:"namespace"`
	Service     string `json:"service"`
	PortName    string `json:"portName,omitempty"`
	ServicePort int32  `json:"servicePort"`
}

func opened(w Want) Opened {
	return Opened{Key: w.Key, Kind: w.Kind, Namespace: w.Namespace, Service: w.Service, PortName: w.PortName, ServicePort: w.ServicePort}
}

func sortOpened(o []Opened) {
	slices.SortFunc(o, func(a, b Opened) int {
		return cmp.Or(cmp.Compare(a.Port, b.Port), cmp.Compare(a.Protocol, b.Protocol))
	})
}

// openedFile is the content of Config.OpenedFile.
type openedFile struct {
	Ports []Opened `json:"ports"`
}

// writeOpened writes the open ports to the opened file when they changed since the last
// write. A failed write is logged and tried again at the next Apply.
func (f *Forwarder) writeOpened() {
	if f.cfg.OpenedFile == "" {
		return
	}
	cur := f.openedLocked()
	if f.written != nil && slices.Equal(cur, f.written) {
		return
	}
	data, err := json.MarshalIndent(openedFile{Ports: cur}, "", "  ")
	if err == nil {
		err = atomicfile.Write(f.cfg.OpenedFile, append(data, '\n'), 0o644)
	}
	if err != nil {
		f.log.Warn("list of opened ports not written", "file", f.cfg.OpenedFile, "err", err)
		f.written = nil
		return
	}
	f.written = cur
}

// ReadOpened reads the ports a node's forwarder opened, as it last wrote them to path. A
// missing file is an error that wraps fs.ErrNotExist: the ingress has not run yet.
func ReadOpened(path string) ([]Opened, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read opened ports: %w", err)
	}
	var of openedFile
	if err := json.Unmarshal(data, &of); err != nil {
		return nil, fmt.Errorf("decode opened ports %s: %w", path, err)
	}
	if of.Ports == nil {
		of.Ports = []Opened{}
	}
	return of.Ports, nil
}
