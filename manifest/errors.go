package manifest

import (
	"fmt"
	"reflect"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation/field"
)

// Source says where a document of a manifest came from, so that every error can point at it.
type Source struct {
	File  string // file name as the user gave it; "<stdin>" for standard input
	Index int    // 1-based position of the document in the file
	Item  int    // 1-based position inside a `kind: List`; 0 when not in a list
	Kind  string // the document's kind, once known
	Name  string // the document's metadata.name, once known
}

// String renders the source as people read it: `app.yaml: document 2 (Deployment web)`.
func (s Source) String() string {
	var b strings.Builder
	b.WriteString(s.File)
	fmt.Fprintf(&b, ": document %d", s.Index)
	if s.Item > 0 {
		fmt.Fprintf(&b, ", item %d", s.Item)
	}
	switch {
	case s.Kind != "" && s.Name != "":
		fmt.Fprintf(&b, " (%s %s)", s.Kind, s.Name)
	case s.Kind != "":
		fmt.Fprintf(&b, " (%s)", s.Kind)
	}
	return b.String()
}

// Error is one problem found in a manifest: where, which field, and why.
type Error struct {
	Source Source
	Field  string // field path such as spec.template.spec.containers[0].image; "" for the whole document
	Reason string
	// Malformed is set when the document is not a readable object at all (broken YAML,
	// a scalar or a list at the top), as opposed to an object that breaks a rule.
	Malformed bool
}

func (e *Error) Error() string {
	if e.Field == "" {
		return e.Source.String() + ": " + e.Reason
	}
	return e.Source.String() + ": " + e.Field + ": " + e.Reason
}

// Errors is every problem found in a manifest. A manifest with any error is refused whole.
type Errors []*Error

func (es Errors) Error() string {
	lines := make([]string, len(es))
	for i, e := range es {
		lines[i] = e.Error()
	}
	if len(es) == 1 {
		return lines[0]
	}
	return fmt.Sprintf("%d problems in the manifest:\n  %s", len(es), strings.Join(lines, "\n  "))
}

// Malformed reports whether every problem is a malformed document rather than a rule broken
// by a readable object: an API answers the first with 400 and the second with 422.
func (es Errors) Malformed() bool {
	for _, e := range es {
		if !e.Malformed {
			return false
		}
	}
	return len(es) > 0
}

// fieldErrors turns Kubernetes-style field errors into Errors of one document.
func fieldErrors(src Source, errs field.ErrorList) Errors {
	out := make(Errors, 0, len(errs))
	for _, e := range errs {
		out = append(out, &Error{Source: src, Field: e.Field, Reason: fieldReason(e)})
	}
	return out
}

// fieldReason words a field error the way kubectl users know it ("Required value",
// "Invalid value: -1: must be ..."), without repeating the field path.
func fieldReason(e *field.Error) string {
	switch e.Type {
	case field.ErrorTypeRequired, field.ErrorTypeForbidden, field.ErrorTypeTooMany, field.ErrorTypeTooLong, field.ErrorTypeInternal:
		if e.Detail == "" {
			return e.Type.String()
		}
		return e.Type.String() + ": " + e.Detail
	}
	s := fmt.Sprintf("%s: %s", e.Type, quoteValue(e.BadValue))
	if e.Detail != "" {
		s += ": " + e.Detail
	}
	return s
}

// quoteValue shows a bad value so that hidden whitespace or control characters stay visible.
func quoteValue(v any) string {
	if rv := reflect.ValueOf(v); rv.Kind() == reflect.String {
		return fmt.Sprintf("%q", rv.String())
	}
	switch v := v.(type) {
	case *string:
		if v == nil {
			return "null"
		}
		return fmt.Sprintf("%q", *v)
	case *int32:
		if v == nil {
			return "null"
		}
		return fmt.Sprint(*v)
	default:
		return fmt.Sprint(v)
	}
}

// FieldErrors are Kubernetes-style field errors about the object from src, as Errors: for
// the checks a caller makes after Parse, against state Parse does not see (the cluster's
// allocations), so that they read and answer like Parse's own.
func FieldErrors(src Source, errs field.ErrorList) Errors { return fieldErrors(src, errs) }
