// Package fielderr ties an error to the configuration field at fault, so that a library
// speaks of its own Config's fields and a command names the flag the user typed instead.
package fielderr

import (
	"errors"
	"fmt"
)

// Error is an error about the value of one configuration field.
type Error struct {
	Field  string // as the library's Config names it, e.g. "ClusterDomain"
	format string // names the field with its first verb, a %s
	args   []any  // the rest of format's arguments
}

// New is the error fmt.Errorf(format, field, args...) makes: format names the field with its
// first verb, a %s, and may wrap an error with %w.
func New(field, format string, args ...any) *Error {
	return &Error{Field: field, format: format, args: args}
}

func (e *Error) Error() string { return e.Named(e.Field).Error() }

// Unwrap is the error format wraps, if any.
func (e *Error) Unwrap() error { return errors.Unwrap(e.Named(e.Field)) }

// Named is the same error with the field called name: a command line's flag, say.
func (e *Error) Named(name string) error {
	return fmt.Errorf(e.format, append([]any{name}, e.args...)...)
}

// Rename gives err with its field called as names says (field to flag, say) when err is
// itself an *Error of a field names lists, and err unchanged otherwise: an *Error wrapped in
// other words keeps the field's own name, since those words cannot be said again.
func Rename(err error, names map[string]string) error {
	fe, ok := err.(*Error)
	if !ok {
		return err
	}
	name, ok := names[fe.Field]
	if !ok {
		return err
	}
	return fe.Named(name)
}
