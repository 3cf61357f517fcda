package agent

import (
	"errors"
	"fmt"
	"strings"
)

// FieldError is a value of a Config that a node cannot start with. Its message names the
// value by its Config field; Message names it the way the caller's user gave it (swarm
// agent names its flags), the rest of the message staying the same.
type FieldError struct {
	// Fields are the Config fields at fault, by their Go names: one, or two that go
	// together (TLSCert and TLSKey).
	Fields []string
	// Sep stands between the names of two fields.
	Sep string
	// Detail is the message after the names: what is wrong with the value.
	Detail string
	// Err is the cause, when another error is.
	Err error
}

// fieldError is the FieldError of one field, its detail formatted as by fmt.Errorf.
func fieldError(field, format string, args ...any) *FieldError {
	err := fmt.Errorf(format, args...)
	return &FieldError{Fields: []string{field}, Detail: err.Error(), Err: errors.Unwrap(err)}
}

// Error names the fields as Config does.
func (e *FieldError) Error() string { return e.Message(nil) }

// Message names each field by name(field); nil keeps the Config names.
func (e *FieldError) Message(name func(field string) string) string {
	names := make([]string, len(e.Fields))
	for i, f := range e.Fields {
		names[i] = f
		if name != nil {
			names[i] = name(f)
		}
	}
	return strings.Join(names, e.Sep) + e.Detail
}

// Unwrap is the cause.
func (e *FieldError) Unwrap() error { return e.Err }

// ConfigError lists every value of a Config that a node cannot start with.
type ConfigError struct {
	Problems []*FieldError
}

// Error names the fields as Config does.
func (e *ConfigError) Error() string { return e.Message(nil) }

// Message names each field by name(field), as FieldError.Message does.
func (e *ConfigError) Message(name func(field string) string) string {
	msgs := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		msgs[i] = p.Message(name)
	}
	return "invalid agent configuration: " + strings.Join(msgs, "\n")
}

// Unwrap lists the problems.
func (e *ConfigError) Unwrap() []error {
	errs := make([]error, len(e.Problems))
	for i, p := range e.Problems {
		errs[i] = p
	}
	return errs
}
