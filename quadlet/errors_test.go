package quadlet

import (
	"errors"
	"testing"
)

// checkFieldError checks that a render error is a FieldError with a field, whose text
// reads "field: reason".
func checkFieldError(t *testing.T, err error) {
	t.Helper()
	var fe *FieldError
	if !errors.As(err, &fe) || fe.Field == "" || fe.Field+": "+fe.Reason != err.Error() {
		t.Fatalf("render error %#v is not a FieldError with a field", err)
	}
}
