package quadlet

import "strings"

// unitFile is a unit being written: a header comment, then sections in the order they were
// first used, each with its keys in the order they were added. Values are already encoded
// (quoteWord, rawValue); unitFile only lays out the text.
type unitFile struct {
	header   string
	sections []*section
}

type section struct {
	name  string
	lines []keyValue
}

type keyValue struct{ key, value string }

// add appends key=value to the named section, creating the section at the end if needed.
func (u *unitFile) add(sectionName, key, value string) {
	for _, s := range u.sections {
		if s.name == sectionName {
			s.lines = append(s.lines, keyValue{key, value})
			return
		}
	}
	u.sections = append(u.sections, &section{name: sectionName, lines: []keyValue{{key, value}}})
}

// text lays the unit out: the header comment, then each section after a blank line.
func (u *unitFile) text() string {
	var b strings.Builder
	b.WriteString("# ")
	b.WriteString(u.header)
	b.WriteByte('\n')
	for _, s := range u.sections {
		b.WriteString("\n[")
		b.WriteString(s.name)
		b.WriteString("]\n")
		for _, kv := range s.lines {
			b.WriteString(kv.key)
			b.WriteByte('=')
			b.WriteString(kv.value)
			b.WriteByte('\n')
		}
	}
	return b.String()
}

// sectionSize reports the longest value in a section and the sum of all its values.
func (u *unitFile) sectionSize(name string) (longest, total int) {
	for _, s := range u.sections {
		if s.name != name {
			continue
		}
		for _, kv := range s.lines {
			longest = max(longest, len(kv.value))
			total += len(kv.key) + 1 + len(kv.value)
		}
	}
	return longest, total
}
