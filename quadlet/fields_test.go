package quadlet

import (
	"reflect"
	"slices"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
)

// allFields lists the JSON names of every field of a struct type, through inline fields.
func allFields(t reflect.Type) []string {
	var out []string
	for i := 0; i < t.NumField(); i++ {
		name, inline := jsonName(t.Field(i))
		switch {
		case inline:
			out = append(out, allFields(t.Field(i).Type)...)
		case name != "":
			out = append(out, name)
		}
	}
	return out
}

// Every field of the Kubernetes structs that Render reads has a rule: a field that a newer
// k8s.io/api adds fails this test until someone decides what Render does with it. Only a
// table whose fallback refuses (the volume types, the valueFrom sources) may leave fields
// to it.
func TestEveryFieldHasARule(t *testing.T) {
	for _, tab := range fieldTables {
		fields := allFields(tab.t)
		for _, f := range fields {
			if _, ok := tab.rs.fields[f]; !ok && tab.rs.others.how != refused {
				t.Errorf("%s.%s has no rule: decide whether Render maps, ignores or refuses it", tab.t.Name(), f)
			}
		}
		for f := range tab.rs.fields {
			if !slices.Contains(fields, f) {
				t.Errorf("%s has a rule for %s, which is not a field of it", tab.t.Name(), f)
			}
		}
	}
}

func TestSetFields(t *testing.T) {
	p := &corev1.Probe{
		ProbeHandler:     corev1.ProbeHandler{Exec: &corev1.ExecAction{Command: []string{"x"}}},
		PeriodSeconds:    5,
		SuccessThreshold: 0,
	}
	if got, want := setFields(reflect.ValueOf(p)), []string{"exec", "periodSeconds"}; !slices.Equal(got, want) {
		t.Errorf("setFields = %v, want %v", got, want)
	}
	if got := setFields(reflect.ValueOf((*corev1.Probe)(nil))); got != nil {
		t.Errorf("setFields(nil) = %v", got)
	}
}

// A field without a rule of its own falls to the table's fallback: a warning by default.
func TestCheckFieldsFallback(t *testing.T) {
	type future struct {
		Known  string `json:"known"`
		Newer  string `json:"newer"`
		Unused string `json:"unused"`
	}
	r := &renderer{}
	rs := rules{fields: map[string]fieldRule{"known": mapped}, others: ignore("")}
	if err := r.checkFields("spec.x", &future{Known: "a", Newer: "b"}, rs); err != nil {
		t.Fatal(err)
	}
	if len(r.warnings) != 1 || r.warnings[0].String() != "spec.x.newer: not supported, ignored" {
		t.Errorf("warnings = %v", r.warnings)
	}
	rs.others = refuse("only known is")
	err := r.checkFields("spec.x", &future{Newer: "b"}, rs)
	if err == nil || err.Error() != "spec.x.newer: not supported: only known is" {
		t.Errorf("err = %v", err)
	}
}

// A volume type that Kubernetes adds later is refused, not ignored.
func TestNewVolumeTypesAreRefused(t *testing.T) {
	for _, f := range allFields(reflect.TypeOf(corev1.Volume{})) {
		if rule, ok := volumeRules.fields[f]; ok && rule.how == handled {
			continue
		}
		if !strings.Contains(volumeRules.others.note, "only emptyDir, hostPath, configMap, secret and persistentVolumeClaim") {
			t.Errorf("volume type %s is not refused", f)
		}
	}
}
