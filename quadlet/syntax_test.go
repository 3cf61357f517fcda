package quadlet

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// This file models, for the tests, how Quadlet 5.4 reads a unit and writes ExecStart=, and
// how systemd reads ExecStart=, from the rules of pkg/systemd/parser (unitfile.go, split.go)
// and systemd.service(5)/systemd.syntax(7). The tests run what Render writes through these
// models; the generator test checks the models against the real Quadlet.

// parsedUnit is a unit as Quadlet's parser sees it.
type parsedUnit struct {
	sections []parsedSection
}

type parsedSection struct {
	name  string
	lines []keyValue
}

// parseQuadlet reads a unit like Quadlet's UnitFile.Parse: lines split on "\n" and trimmed,
// '#' and ';' lines and empty lines are comments (skipped inside a continuation), a trailing
// backslash joins the next line, "[name]" opens a section, "key=value" adds a key.
func parseQuadlet(text string) (*parsedUnit, error) {
	u := &parsedUnit{}
	lines := strings.Split(strings.TrimSuffix(text, "\n"), "\n")
	remaining := ""
	var current *parsedSection
	for n, line := range lines {
		line = strings.TrimSpace(line)
		if line == "" || line[0] == '#' || line[0] == ';' {
			continue // a comment, or an empty line; both are also skipped inside a continuation
		}
		if strings.HasSuffix(line, `\`) {
			line = line[:len(line)-1]
			if n != len(lines)-1 {
				remaining += line
				continue
			}
		}
		if remaining != "" {
			line, remaining = remaining+line, ""
		}
		if line[0] == '[' {
			end := strings.IndexByte(line, ']')
			if end > 0 && strings.Trim(line[end+1:], " \t") == "" {
				u.sections = append(u.sections, parsedSection{name: line[1:end]})
				current = &u.sections[len(u.sections)-1]
				continue
			}
		}
		eq := strings.IndexByte(line, '=')
		if eq <= 0 {
			return nil, fmt.Errorf("line %d %q is not a key-value pair, group, or comment", n+1, line)
		}
		if current == nil {
			return nil, fmt.Errorf("line %d: key before any group", n+1)
		}
		keyEnd := eq
		for keyEnd > 0 && unicode.IsSpace(rune(line[keyEnd-1])) {
			keyEnd--
		}
		start := eq + 1
		for start < len(line) && unicode.IsSpace(rune(line[start])) {
			start++
		}
		current.lines = append(current.lines, keyValue{line[:keyEnd], line[start:]})
	}
	return u, nil
}

func (u *parsedUnit) section(name string) *parsedSection {
	for i := range u.sections {
		if u.sections[i].name == name {
			return &u.sections[i]
		}
	}
	return nil
}

// keys lists the distinct keys of a section in the order they first appear.
func (u *parsedUnit) keys(section string) []string {
	s := u.section(section)
	if s == nil {
		return nil
	}
	var keys []string
	seen := map[string]bool{}
	for _, kv := range s.lines {
		if !seen[kv.key] {
			seen[kv.key] = true
			keys = append(keys, kv.key)
		}
	}
	return keys
}

// lookupAll is Quadlet's LookupAll: every value of key, an empty value clearing the ones before.
func (u *parsedUnit) lookupAll(section, key string) []string {
	s := u.section(section)
	if s == nil {
		return nil
	}
	var out []string
	for _, kv := range s.lines {
		if kv.key != key {
			continue
		}
		if kv.value == "" {
			out = nil
			continue
		}
		out = append(out, kv.value)
	}
	return out
}

// lookup is Quadlet's Lookup: the last value, trailing white space and '"' at both ends removed.
func (u *parsedUnit) lookup(section, key string) (string, bool) {
	s := u.section(section)
	if s == nil {
		return "", false
	}
	for i := len(s.lines) - 1; i >= 0; i-- {
		if s.lines[i].key == key {
			return strings.Trim(strings.TrimRightFunc(s.lines[i].value, unicode.IsSpace), `"`), true
		}
	}
	return "", false
}

// lookupArgs is Quadlet's LookupAllArgs: every value split into words; a value that fails to
// split is dropped whole, as Quadlet drops it.
func (u *parsedUnit) lookupArgs(section, key string) []string {
	var out []string
	for _, v := range u.lookupAll(section, key) {
		words, err := quadletSplit(v)
		if err == nil {
			out = append(out, words...)
		}
	}
	return out
}

// lookupKeyVal is Quadlet's LookupAllKeyVal: words split at their first '=', later keys winning.
func (u *parsedUnit) lookupKeyVal(section, key string) map[string]string {
	out := map[string]string{}
	for _, w := range u.lookupArgs(section, key) {
		if k, v, ok := strings.Cut(w, "="); ok {
			out[k] = v
		}
	}
	return out
}

const wordSeparators = " \t\n\r"

// quadletSplit splits a value into words as Quadlet's splitString does with
// SplitRelax|SplitUnquote|SplitCUnescape: quotes group and are removed, C escapes are
// decoded (every decoded character written as UTF-8, \x80 included), an unknown escape
// fails the whole value, and an empty word ends the list.
func quadletSplit(s string) ([]string, error) {
	var words []string
	i := 0
	for {
		for i < len(s) && strings.IndexByte(wordSeparators, s[i]) >= 0 {
			i++
		}
		if i >= len(s) {
			return words, nil
		}
		var w strings.Builder
		var quote byte
	word:
		for i < len(s) {
			c := s[i]
			switch {
			case quote != 0 && c == quote:
				quote = 0
				i++
			case quote == 0 && (c == '\'' || c == '"'):
				quote = c
				i++
			case c == '\\':
				if i+1 >= len(s) {
					i = len(s) // relaxed: a trailing backslash is dropped
					break word
				}
				r, n, ok := cUnescape(s[i+1:])
				if !ok {
					return nil, fmt.Errorf("unsupported escape in %q", s)
				}
				w.WriteRune(r)
				i += 1 + n
			case quote == 0 && strings.IndexByte(wordSeparators, c) >= 0:
				break word
			default:
				w.WriteByte(c)
				i++
			}
		}
		if w.Len() == 0 {
			return words, nil
		}
		words = append(words, w.String())
	}
}

// cUnescape decodes the escape after a backslash: the character, the bytes it took, and
// whether it is one systemd knows. The byte escapes \xHH and \ooo give the character U+00HH;
// the callers decide whether that becomes a byte (systemd) or UTF-8 (Quadlet).
func cUnescape(s string) (rune, int, bool) {
	if s == "" {
		return 0, 0, false
	}
	simple := map[byte]rune{'a': '\a', 'b': '\b', 'f': '\f', 'n': '\n', 'r': '\r', 't': '\t', 'v': '\v', '\\': '\\', '"': '"', '\'': '\'', 's': ' '}
	if r, ok := simple[s[0]]; ok {
		return r, 1, true
	}
	hex := func(digits string) (rune, bool) {
		var v rune
		for _, d := range []byte(digits) {
			switch {
			case d >= '0' && d <= '9':
				v = v<<4 | rune(d-'0')
			case d >= 'a' && d <= 'f':
				v = v<<4 | rune(d-'a'+10)
			case d >= 'A' && d <= 'F':
				v = v<<4 | rune(d-'A'+10)
			default:
				return 0, false
			}
		}
		return v, true
	}
	switch s[0] {
	case 'x', 'u', 'U':
		n := map[byte]int{'x': 2, 'u': 4, 'U': 8}[s[0]]
		if len(s) < 1+n {
			return 0, 0, false
		}
		v, ok := hex(s[1 : 1+n])
		if !ok || v == 0 || v > unicode.MaxRune {
			return 0, 0, false
		}
		return v, 1 + n, true
	case '0', '1', '2', '3', '4', '5', '6', '7':
		if len(s) < 3 {
			return 0, 0, false
		}
		var v rune
		for _, d := range []byte(s[:3]) {
			if d < '0' || d > '7' {
				return 0, 0, false
			}
			v = v<<3 | rune(d-'0')
		}
		if v == 0 || v > 255 {
			return 0, 0, false
		}
		return v, 3, true
	}
	return 0, 0, false
}

// quadletEscapeWords writes words the way Quadlet writes ExecStart=: a word with white space,
// a control character, a quote or a backslash among its first 129 code points is
// double-quoted with C escapes; '%', '$' and ';' are left alone.
func quadletEscapeWords(words []string) string {
	needs := func(c rune) bool {
		return c <= 128 && (unicode.IsSpace(c) || unicode.IsControl(c) || c == '"' || c == '\'' || c == '\\')
	}
	var b strings.Builder
	for i, w := range words {
		if i > 0 {
			b.WriteByte(' ')
		}
		if strings.IndexFunc(w, needs) < 0 {
			b.WriteString(w)
			continue
		}
		b.WriteByte('"')
		for _, c := range w {
			switch {
			case !needs(c), c == ' ', c == '\'':
				b.WriteRune(c)
			case c == '\a':
				b.WriteString(`\a`)
			case c == '\b':
				b.WriteString(`\b`)
			case c == '\n':
				b.WriteString(`\n`)
			case c == '\r':
				b.WriteString(`\r`)
			case c == '\t':
				b.WriteString(`\t`)
			case c == '\v':
				b.WriteString(`\v`)
			case c == '\f':
				b.WriteString(`\f`)
			case c == '\\':
				b.WriteString(`\\`)
			case c == '"':
				b.WriteString(`\"`)
			default:
				fmt.Fprintf(&b, `\x%.2x`, c)
			}
		}
		b.WriteByte('"')
	}
	return b.String()
}

// testSpecifiers are the values the ExecStart model gives the specifiers Quadlet itself uses.
var testSpecifiers = map[byte]string{'t': "/run/user/1000", 'N': "UNIT", 'n': "UNIT.service", 'h': "/home/swarm"}

// splitExecStart turns an ExecStart= value into the argv systemd runs, with the rules of
// systemd.service(5) "Command lines": specifiers are resolved first ("%%" is "%"), then the
// line is split into words, unquoted and C-unescaped (\xHH is one byte), a lone unquoted ";"
// would end the command, and at run time "$$" is "$". Anything that would make systemd run
// something else than the words written (an unknown specifier, a second command, a variable
// expansion) is an error, since the units must never rely on it.
func splitExecStart(line string) ([]string, error) {
	var expanded strings.Builder
	for i := 0; i < len(line); i++ {
		if line[i] != '%' {
			expanded.WriteByte(line[i])
			continue
		}
		if i+1 >= len(line) {
			return nil, fmt.Errorf("a lone %% ends %q", line)
		}
		i++
		if line[i] == '%' {
			expanded.WriteByte('%')
			continue
		}
		v, ok := testSpecifiers[line[i]]
		if !ok {
			return nil, fmt.Errorf("specifier %%%c in %q", line[i], line)
		}
		expanded.WriteString(v)
	}
	s := expanded.String()
	var argv []string
	i := 0
	for {
		for i < len(s) && strings.IndexByte(wordSeparators, s[i]) >= 0 {
			i++
		}
		if i >= len(s) {
			break
		}
		if s[i] == ';' && (i+1 == len(s) || strings.IndexByte(wordSeparators, s[i+1]) >= 0) {
			return nil, fmt.Errorf("a lone ';' would start a second command in %q", line)
		}
		var w []byte
		var quote byte
	word:
		for i < len(s) {
			c := s[i]
			switch {
			case quote != 0 && c == quote:
				quote = 0
				i++
			case quote == 0 && (c == '\'' || c == '"'):
				quote = c
				i++
			case c == '\\':
				if i+1 >= len(s) {
					return nil, fmt.Errorf("trailing backslash in %q", line)
				}
				if s[i+1] == ';' {
					w = append(w, ';')
					i += 2
					continue
				}
				r, n, ok := cUnescape(s[i+1:])
				if !ok {
					return nil, fmt.Errorf("unknown escape in %q", line)
				}
				if s[i+1] == 'x' || s[i+1] >= '0' && s[i+1] <= '7' {
					w = append(w, byte(r)) // systemd writes byte escapes as the byte itself
				} else {
					w = utf8.AppendRune(w, r)
				}
				i += 1 + n
			case quote == 0 && strings.IndexByte(wordSeparators, c) >= 0:
				break word
			default:
				w = append(w, c)
				i++
			}
		}
		if quote != 0 {
			return nil, fmt.Errorf("unbalanced quotes in %q", line)
		}
		word, err := expandDollars(string(w))
		if err != nil {
			return nil, fmt.Errorf("%w in %q", err, line)
		}
		argv = append(argv, word)
	}
	return argv, nil
}

// expandDollars applies systemd's run-time variable rules to one word of a command, with
// no variable set: "$$" is "$"; "$NAME" as a whole word and "${NAME}" anywhere would expand.
func expandDollars(w string) (string, error) {
	if len(w) >= 2 && w[0] == '$' && w[1] != '{' && w[1] != '$' || w == "$" {
		return "", fmt.Errorf("the word %q would be replaced by a variable", w)
	}
	var b strings.Builder
	for i := 0; i < len(w); i++ {
		if w[i] != '$' || i+1 >= len(w) {
			b.WriteByte(w[i])
			continue
		}
		switch w[i+1] {
		case '$':
			b.WriteByte('$')
			i++
		case '{':
			return "", fmt.Errorf("${ in %q would expand a variable", w)
		default:
			b.WriteByte('$')
		}
	}
	return b.String(), nil
}

// throughQuadletAndSystemd sends words written for a word-splitting key (as by quoteWords)
// along the whole chain: Quadlet splits them, writes them into ExecStart=, systemd reads them.
func throughQuadletAndSystemd(value string) ([]string, error) {
	words, err := quadletSplit(value)
	if err != nil {
		return nil, err
	}
	return splitExecStart(quadletEscapeWords(words))
}

// rawThroughQuadletAndSystemd does the same for a value of a verbatim key (as by rawValue),
// read with Lookup.
func rawThroughQuadletAndSystemd(value string) (string, error) {
	u, err := parseQuadlet("[Container]\nKey=" + value + "\n")
	if err != nil {
		return "", err
	}
	v, ok := u.lookup("Container", "Key")
	if !ok {
		return "", fmt.Errorf("key lost")
	}
	argv, err := splitExecStart(quadletEscapeWords([]string{v}))
	if err != nil {
		return "", err
	}
	if len(argv) != 1 {
		return "", fmt.Errorf("one value became %d words: %q", len(argv), argv)
	}
	return argv[0], nil
}
