package events

import (
	"strings"
	"testing"
)

// Two applies of different manifests differ in their last-applied configuration too,
// which says nothing the fields themselves do not.
func TestChangedFieldsLeaveOutTheLastAppliedConfiguration(t *testing.T) {
	a := `{"metadata":{"name":"web","annotations":{"kubectl.kubernetes.io/last-applied-configuration":"{\"spec\":{\"replicas\":2}}","note":"a"}},"spec":{"replicas":2}}`
	b := `{"metadata":{"name":"web","annotations":{"kubectl.kubernetes.io/last-applied-configuration":"{\"spec\":{\"replicas\":3}}","note":"b"}},"spec":{"replicas":3}}`
	fields, ok := changedFields([]byte(a), []byte(b), maxFields)
	if !ok || strings.Join(fields, ", ") != "metadata.annotations.note, spec.replicas" {
		t.Errorf("%v %v", fields, ok)
	}
}
