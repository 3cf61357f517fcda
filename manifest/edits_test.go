package manifest

import (
	"strings"
	"testing"
)

// edit is one case of a validation table: base with old replaced by new (both "" for base
// itself) parses with exactly the error want ("" when it is valid).
type edit struct {
	name     string
	old, new string
	want     string // the whole error text; "" when valid
}

// checkEdits parses base edited by each case and compares the whole error text.
func checkEdits(t *testing.T, base string, tests []edit) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := base
			if tt.old != "" || tt.new != "" {
				if !strings.Contains(in, tt.old) {
					t.Fatalf("test input lacks %q", tt.old)
				}
				in = strings.Replace(in, tt.old, tt.new, 1)
			}
			_, err := parseString(t, in)
			got := ""
			if err != nil {
				got = err.Error()
			}
			if got != tt.want {
				t.Errorf("error =\n  %s\nwant\n  %s", got, tt.want)
			}
		})
	}
}
