package apiserver

import (
	"encoding/json"
	"fmt"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/podman-swarm/podman-swarm/agent/kubeapi"
)

// The documents a read of the compatible API answers, made of the objects as the view
// encoded them.

// kubeListBody is Kubernetes' list of items already encoded ("PodList" in "v1"), ending
// with a newline as echo's c.JSON does.
func kubeListBody(apiVersion, kind string, meta metav1.ListMeta, items [][]byte) ([]byte, error) {
	m, err := json.Marshal(meta)
	if err != nil {
		return nil, fmt.Errorf("encode a list's metadata: %w", err)
	}
	size := 64 + len(apiVersion) + len(kind) + len(m)
	for _, it := range items {
		size += len(it) + 1
	}
	b := make([]byte, 0, size)
	b = append(b, `{"apiVersion":`...)
	b = appendJSONString(b, apiVersion)
	b = append(b, `,"kind":`...)
	b = appendJSONString(b, kind)
	b = append(b, `,"metadata":`...)
	b = append(b, m...)
	b = append(b, `,"items":[`...)
	for i, it := range items {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, it...)
	}
	return append(b, "]}\n"...), nil
}

func appendJSONString(b []byte, s string) []byte {
	q, _ := json.Marshal(s) // a string always encodes
	return append(b, q...)
}

// partialMetadata is an object's metadata as Kubernetes' PartialObjectMetadata.
func partialMetadata(item []byte, version string) ([]byte, error) {
	var o struct {
		Metadata json.RawMessage `json:"metadata"`
	}
	if err := json.Unmarshal(item, &o); err != nil {
		return nil, fmt.Errorf("decode an object's metadata: %w", err)
	}
	if o.Metadata == nil {
		o.Metadata = json.RawMessage("{}")
	}
	b := []byte(`{"kind":"PartialObjectMetadata","apiVersion":"meta.k8s.io/` + version + `","metadata":`)
	b = append(b, o.Metadata...)
	return append(b, '}'), nil
}

// metadataListBody is the items' metadata as a PartialObjectMetadataList.
func metadataListBody(version string, meta metav1.ListMeta, items [][]byte) ([]byte, error) {
	parts := make([][]byte, len(items))
	for i, it := range items {
		p, err := partialMetadata(it, version)
		if err != nil {
			return nil, err
		}
		parts[i] = p
	}
	return kubeListBody("meta.k8s.io/"+version, "PartialObjectMetadataList", meta, parts)
}

// The values of ?includeObject=, what each row of a Table carries of its object.
const (
	includeNone     = "None"
	includeMetadata = "Metadata" // the default
	includeObject   = "Object"
)

// tableOf is items as a Table of p's columns, the wide ones at priority 1 (kubectl shows
// them with -o wide), each row with its object as include says.
func tableOf(p kubeapi.Printer, version string, meta metav1.ListMeta, items [][]byte, include string, now time.Time) (*metav1.Table, error) {
	t := &metav1.Table{
		TypeMeta: metav1.TypeMeta{APIVersion: "meta.k8s.io/" + version, Kind: "Table"},
		ListMeta: meta,
		Rows:     []metav1.TableRow{},
	}
	for _, c := range p.Columns {
		d := metav1.TableColumnDefinition{Name: c.Name, Type: "string"}
		if c.Name == "Name" {
			d.Format = "name"
			d.Description = "Name must be unique within a namespace."
		}
		if c.Wide {
			d.Priority = 1
		}
		t.ColumnDefinitions = append(t.ColumnDefinitions, d)
	}
	for _, it := range items {
		_, cells, err := p.Row(it, true, now)
		if err != nil {
			return nil, err
		}
		row := metav1.TableRow{Cells: make([]any, len(cells))}
		for i, c := range cells {
			row.Cells[i] = c
		}
		switch include {
		case includeNone:
		case includeObject:
			row.Object = runtime.RawExtension{Raw: it}
		default:
			pm, err := partialMetadata(it, version)
			if err != nil {
				return nil, err
			}
			row.Object = runtime.RawExtension{Raw: pm}
		}
		t.Rows = append(t.Rows, row)
	}
	return t, nil
}

// includeParam reads ?includeObject=: None, Metadata (the default) or Object.
func includeParam(v string) (string, error) {
	switch v {
	case "":
		return includeMetadata, nil
	case includeNone, includeMetadata, includeObject:
		return v, nil
	}
	return "", newStatusError(400, metav1.StatusReasonBadRequest,
		fmt.Sprintf("includeObject %q: want None, Metadata or Object", v))
}
