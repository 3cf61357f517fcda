// Package fielderr ties an error to the configuration fields at fault, so that a library
// speaks of its own Config's fields and a command names the flags the user typed instead.
package fielderr

import (
	"errors"
	"fmt"
	"strings"
)

// Error is an error about the value of one configuration field, or of a few that go
// together (a certificate and its key).
type Error struct {
	Fields []string // as the library's Config names them, e.g. "ClusterDomain"
	format string   // names the fields with its first verbs, one %s each
	args   []any    // the rest of format's arguments
}

// New is the error fmt.Errorf(format, field, args...) makes: format names the field with its
// first verb, a %s, and may wrap an error with %w.
func New(field, format string, args ...any) *Error {
	return &Error{Fields: []string{field}, format: format, args: args}
}

// NewFields is New for several fields, which format names with its first verbs in order.
func NewFields(fields []string, format string, args ...any) *Error {
	return &Error{Fields: fields, format: format, args: args}
}

func (e *Error) Error() string { return e.Named(nil).Error() }

// Unwrap is the error format wraps, if any.
func (e *Error) Unwrap() error { return errors.Unwrap(e.Named(nil)) }

// Named is the same error with each field called name(field): a command line's flag, say.
// A nil name, or one that gives "", keeps the field's own name.
func (e *Error) Named(name func(field string) string) error {
	words := make([]any, 0, len(e.Fields)+len(e.args))
	for _, f := range e.Fields {
		words = append(words, nameOf(f, name))
	}
	return fmt.Errorf(e.format, append(words, e.args...)...)
}

func nameOf(field string, name func(string) string) string {
	if name != nil {
		if n := name(field); n != "" {
			return n
		}
	}
	return field
}

// List is every problem found in one configuration, under one heading.
type List struct {
	Heading  string // e.g. "invalid agent configuration"
	Problems []*Error
}

// Join is nil without problems, else a List of them.
func Join(heading string, problems []*Error) error {
	if len(problems) == 0 {
		return nil
	}
	return &List{Heading: heading, Problems: problems}
}

func (l *List) Error() string { return l.Named(nil).Error() }

// Named is the list with each field called name(field), one problem a line.
func (l *List) Named(name func(field string) string) error {
	msgs := make([]string, len(l.Problems))
	for i, p := range l.Problems {
		msgs[i] = p.Named(name).Error()
	}
	return fmt.Errorf("%s: %s", l.Heading, strings.Join(msgs, "\n"))
}

// Unwrap lists the problems.
func (l *List) Unwrap() []error {
	errs := make([]error, len(l.Problems))
	for i, p := range l.Problems {
		errs[i] = p
	}
	return errs
}

// Names is a name function for Rename from a table of field to name.
func Names(table map[string]string) func(string) string {
	return func(field string) string { return table[field] }
}

// Rename words err with its fields called name(field) (field to flag, say), also when the
// field's error is wrapped in other words, which stay as they are; errors.Is and errors.As
// still see err's chain. An error about no field comes back unchanged.
func Rename(err error, name func(field string) string) error {
	var from, to string
	var list *List
	var one *Error
	switch {
	case errors.As(err, &list):
		from, to = list.Error(), list.Named(name).Error()
	case errors.As(err, &one):
		from, to = one.Error(), one.Named(name).Error()
	default:
		return err
	}
	if from == to {
		return err
	}
	return &renamed{msg: strings.Replace(err.Error(), from, to, 1), err: err}
}

// renamed is an error said in other words, with the original's chain.
type renamed struct {
	msg string
	err error
}

func (r *renamed) Error() string { return r.msg }
func (r *renamed) Unwrap() error { return r.err }
