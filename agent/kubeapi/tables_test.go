package kubeapi

import (
	"slices"
	"testing"
	"time"
)

// Every served kind has a table, whose first column names the object (events: when they
// happened), whose wide columns come last, and whose rows have a cell a column.
func TestEveryKindHasATable(t *testing.T) {
	for _, r := range Resources {
		p, ok := PrinterFor(r.Name)
		if !ok {
			t.Errorf("%s has no table", r.Name)
			continue
		}
		first := "Name"
		if r.Name == "events" {
			first = "Last Seen"
		}
		if p.Columns[0].Name != first {
			t.Errorf("%s: first column %q", r.Name, p.Columns[0].Name)
		}
		wide := slices.IndexFunc(p.Columns, func(c Column) bool { return c.Wide })
		if wide >= 0 && slices.ContainsFunc(p.Columns[wide:], func(c Column) bool { return !c.Wide }) {
			t.Errorf("%s: a narrow column after a wide one: %+v", r.Name, p.Columns)
		}
		_, cells, err := p.Row([]byte(`{"metadata":{"name":"x","namespace":"ns"}}`), true, time.Now())
		if err != nil || len(cells) != len(p.Columns) {
			t.Errorf("%s: %v, %d cells for %d columns", r.Name, err, len(cells), len(p.Columns))
		}
		if _, narrow, _ := p.Row([]byte(`{"metadata":{"name":"x"}}`), false, time.Now()); len(narrow) != len(p.Header(false)) {
			t.Errorf("%s: %d narrow cells for the header %v", r.Name, len(narrow), p.Header(false))
		}
	}
	if _, _, err := printers["pods"].Row([]byte(`{"metadata":`), false, time.Now()); err == nil {
		t.Error("an object that does not decode made a row")
	}
}

// Headers print in capitals, as kubectl prints Kubernetes' column names.
func TestHeaders(t *testing.T) {
	p, _ := PrinterFor("deployments")
	if got := Upper(p.Header(false)); !slices.Equal(got, []string{"NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE"}) {
		t.Errorf("narrow: %v", got)
	}
	if got := Upper(p.Header(true)); !slices.Equal(got[5:], []string{"CONTAINERS", "IMAGES", "SELECTOR"}) {
		t.Errorf("wide: %v", got)
	}
}
