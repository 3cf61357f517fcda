package kubeapi

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// The tables of the kinds, as `swarm get` prints them and as the API answers them to a
// client that asks for a Table (kubectl get): one definition of each kind's columns, so
// that the two never differ.

// Column is one column of a kind's table.
type Column struct {
	// Name is the column's name as Kubernetes writes it ("Name", "Up-to-date"); tables
	// print it in capitals, as kubectl does.
	Name string
	// Wide columns are printed with -o wide only; they come after the others.
	Wide bool
}

// Printer makes one kind's table lines.
type Printer struct {
	// Columns are the kind's columns, the wide ones last.
	Columns []Column
	cells   func(data []byte, now time.Time) (namespace string, cells []string, err error)
}

// Header is the names of the columns a table shows, with the wide ones or without.
func (p Printer) Header(wide bool) []string {
	var out []string
	for _, c := range p.Columns {
		if wide || !c.Wide {
			out = append(out, c.Name)
		}
	}
	return out
}

// Row is the object encoded in data as a line of the table: its namespace, and one cell a
// column, the wide ones or without.
func (p Printer) Row(data []byte, wide bool, now time.Time) (namespace string, cells []string, err error) {
	ns, cells, err := p.cells(data, now)
	if err != nil {
		return "", nil, err
	}
	if len(cells) != len(p.Columns) {
		return "", nil, fmt.Errorf("%d cells for %d columns", len(cells), len(p.Columns))
	}
	if wide {
		return ns, cells, nil
	}
	narrow := make([]string, 0, len(cells))
	for i, c := range cells {
		if !p.Columns[i].Wide {
			narrow = append(narrow, c)
		}
	}
	return ns, narrow, nil
}

// printerOf is the Printer of objects of type T: cells gives every column's cell, the wide
// ones included, and the namespace the table shows the object in.
func printerOf[T any](columns []Column, cells func(obj *T, now time.Time) (string, []string)) Printer {
	return Printer{Columns: columns, cells: func(data []byte, now time.Time) (string, []string, error) {
		var obj T
		if err := json.Unmarshal(data, &obj); err != nil {
			return "", nil, fmt.Errorf("decode list item: %w", err)
		}
		ns, cells := cells(&obj, now)
		return ns, cells, nil
	}}
}

// columns makes a table's columns of their names, the wide ones after wide.
func columns(narrow []string, wide ...string) []Column {
	var out []Column
	for _, n := range narrow {
		out = append(out, Column{Name: n})
	}
	for _, n := range wide {
		out = append(out, Column{Name: n, Wide: true})
	}
	return out
}

// printers are the tables of the kinds, by resource.
var printers = map[string]Printer{
	"pods":                   printerOf(podColumns, podCells),
	"deployments":            printerOf(deploymentColumns, deploymentCells),
	"replicasets":            printerOf(replicaSetColumns, replicaSetCells),
	"statefulsets":           printerOf(statefulSetColumns, statefulSetCells),
	"daemonsets":             printerOf(daemonSetColumns, daemonSetCells),
	"jobs":                   printerOf(jobColumns, jobCells),
	"cronjobs":               printerOf(cronJobColumns, cronJobCells),
	"services":               printerOf(serviceColumns, serviceCells),
	"ingresses":              printerOf(ingressColumns, ingressCells),
	"configmaps":             printerOf(configMapColumns, configMapCells),
	"secrets":                printerOf(secretColumns, secretCells),
	"persistentvolumeclaims": printerOf(claimColumns, claimCells),
	"namespaces":             printerOf(namespaceColumns, namespaceCells),
	"nodes":                  printerOf(nodeColumns, nodeCells),
	"events":                 printerOf(eventColumns, eventCells),
}

// PrinterFor is the table of resource ("pods", "deployments", ...).
func PrinterFor(resource string) (Printer, bool) {
	p, ok := printers[resource]
	return p, ok
}

// Upper is a header as tables print it: in capitals.
func Upper(header []string) []string {
	out := make([]string, len(header))
	for i, h := range header {
		out[i] = strings.ToUpper(h)
	}
	return out
}
