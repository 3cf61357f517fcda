package quadlet

import "fmt"

// FieldError is why Render refuses a pod: the field at fault and what is wrong with it.
// Check and the reconciler take it apart with errors.As; its text reads "field: reason".
type FieldError struct {
	// Field is the path of the field in the pod, e.g. "spec.containers[0].image" or
	// "metadata.labels", or of the node's option at fault, e.g. "options.Network".
	Field string
	// Reason says what is wrong, e.g. "a container needs an image".
	Reason string
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Reason }

// fieldError makes the error for field, with the reason written as fmt.Sprintf does.
func fieldError(field, format string, args ...any) *FieldError {
	return &FieldError{Field: field, Reason: fmt.Sprintf(format, args...)}
}
