package store

import (
	"bytes"
	"encoding/json"
)

// scanAssignment reads an assignment as this package encodes it (store.MustJSON of an
// Assignment: an object of known keys whose names and strings hold no escapes), without
// the reflection of encoding/json, which was a tenth of what a node spends taking in a
// burst of thousands of placed pods. The maps and the spec are left encoded, as
// assignmentWire leaves them, as slices of value. Anything else (an unknown or repeated
// key, an escape, a value of another type) reports false, and the caller decodes with
// encoding/json, which has the last word on what is valid.
func scanAssignment(value []byte, w *assignmentWire) bool {
	s := scanner{buf: value}
	seen := 0
	ok := s.object(func(key []byte) bool {
		switch string(key) {
		case "pod":
			return once(&seen, 1) && s.object(func(key []byte) bool { return s.podField(key, &w.Pod, &seen) })
		case "node":
			return once(&seen, 2) && s.str(&w.Node)
		case "podIP":
			return once(&seen, 4) && s.str(&w.PodIP)
		}
		return false
	})
	s.space()
	return ok && !s.err && len(s.buf) == 0
}

// podField reads the value of one key of the pod.
func (s *scanner) podField(key []byte, p *podWire, seen *int) bool {
	switch string(key) {
	case "namespace":
		return once(seen, 1<<3) && s.str(&p.Namespace)
	case "name":
		return once(seen, 1<<4) && s.str(&p.Name)
	case "labels":
		return once(seen, 1<<5) && s.raw(&p.Labels)
	case "annotations":
		return once(seen, 1<<6) && s.raw(&p.Annotations)
	case "owner":
		return once(seen, 1<<7) && s.str(&p.Owner)
	case "ownerKind":
		return once(seen, 1<<8) && s.str(&p.OwnerKind)
	case "templateHash":
		return once(seen, 1<<9) && s.str(&p.TemplateHash)
	case "spec":
		return once(seen, 1<<10) && s.raw(&p.Spec)
	case "configVersions":
		return once(seen, 1<<11) && s.raw(&p.ConfigVersions)
	}
	return false
}

// once marks bit in seen, and reports whether it was not marked yet: a repeated key is
// left to encoding/json.
func once(seen *int, bit int) bool {
	if *seen&bit != 0 {
		return false
	}
	*seen |= bit
	return true
}

// scanner walks JSON text; err is set by the first thing it cannot read.
type scanner struct {
	buf []byte
	err bool
}

func (s *scanner) space() {
	for len(s.buf) > 0 && (s.buf[0] == ' ' || s.buf[0] == '\n' || s.buf[0] == '\t' || s.buf[0] == '\r') {
		s.buf = s.buf[1:]
	}
}

func (s *scanner) byte(c byte) bool {
	s.space()
	if len(s.buf) == 0 || s.buf[0] != c {
		s.err = true
		return false
	}
	s.buf = s.buf[1:]
	return true
}

// object reads an object, calling field with each key once the scanner stands before
// its value; field reads the value, or reports false.
func (s *scanner) object(field func(key []byte) bool) bool {
	if !s.byte('{') {
		return false
	}
	s.space()
	if len(s.buf) > 0 && s.buf[0] == '}' {
		s.buf = s.buf[1:]
		return true
	}
	for {
		key, ok := s.plain()
		if !ok || !s.byte(':') {
			return false
		}
		s.space()
		if !field(key) {
			s.err = true
			return false
		}
		s.space()
		if len(s.buf) == 0 {
			s.err = true
			return false
		}
		c := s.buf[0]
		s.buf = s.buf[1:]
		switch c {
		case ',':
			continue
		case '}':
			return true
		}
		s.err = true
		return false
	}
}

// plain reads a string of printable ASCII without escapes, and returns its bytes (what
// encoding/json reads differently, escapes and invalid UTF-8, is left to it).
func (s *scanner) plain() ([]byte, bool) {
	if !s.byte('"') {
		return nil, false
	}
	for i, c := range s.buf {
		switch {
		case c == '"':
			str := s.buf[:i]
			s.buf = s.buf[i+1:]
			return str, true
		case c == '\\' || c < 0x20 || c >= 0x80:
			s.err = true
			return nil, false
		}
	}
	s.err = true
	return nil, false
}

func (s *scanner) str(out *string) bool {
	b, ok := s.plain()
	if ok {
		*out = string(b)
	}
	return ok
}

// raw reads an object, or null, and keeps its text.
func (s *scanner) raw(out *json.RawMessage) bool {
	if bytes.HasPrefix(s.buf, []byte("null")) {
		*out, s.buf = s.buf[:4], s.buf[4:]
		return true
	}
	if len(s.buf) == 0 || s.buf[0] != '{' {
		s.err = true
		return false
	}
	depth, inString := 0, false
	for i := 0; i < len(s.buf); i++ {
		c := s.buf[i]
		switch {
		case inString && c == '\\':
			i++
		case c == '"':
			inString = !inString
		case inString:
		case c == '{' || c == '[':
			depth++
		case c == '}' || c == ']':
			if depth--; depth == 0 {
				*out, s.buf = s.buf[:i+1], s.buf[i+1:]
				return true
			}
		}
	}
	s.err = true
	return false
}
