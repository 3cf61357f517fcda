package quadlet

import (
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
)

// The quoting layer. A value travels a chain before it reaches the container, and every step
// reads it differently:
//
//  1. Quadlet's unit parser reads our line: it splits the file on "\n", trims white space
//     (Unicode's) from both ends of each line, joins a line that ends in "\" with the next,
//     and takes the value after the first "=".
//  2. Quadlet reads the value by key. Keys such as Environment=, Label=, Exec= and
//     PodmanArgs= are split into words with systemd's rules (double and single quotes,
//     C escapes such as \n, \x41, \u00e9); we write those with quoteWord. Keys such as
//     Image=, WorkingDir=, Entrypoint=, HealthCmd=, Volume= and DNS= are taken verbatim
//     (Lookup also strips '"' from both ends); we write those with rawValue.
//  3. Quadlet writes every word into the ExecStart= line of the generated service, quoting
//     a word that holds white space, a control character, a quote or a backslash, and
//     leaving '%', '$' and ';' alone.
//  4. systemd reads ExecStart=: it resolves specifiers ("%%" is "%", any other "%x" is a
//     specifier), splits and unquotes the words, a lone unquoted ";" ends the command, and
//     when it runs the command "$$" is "$" while "$NAME" and "${NAME}" are expanded.
//
// So every value first gets '%' and '$' doubled (systemdLiteral), then the quoting of its key.
// What no step can carry is refused with an error: a NUL byte; text that is not UTF-8;
// U+0080, which Quadlet writes as \x80 and systemd reads back as one byte; a word that is
// exactly ";", which Quadlet leaves bare and systemd reads as a command separator; and, for
// verbatim keys, anything the parser would trim or split.

// systemdLiteral doubles '%' and '$' so that systemd's specifier and variable expansion in
// ExecStart= gives the value back unchanged.
func systemdLiteral(s string) string {
	if !strings.ContainsAny(s, "%$") {
		return s
	}
	s = strings.ReplaceAll(s, "%", "%%")
	return strings.ReplaceAll(s, "$", "$$")
}

// checkCarriable refuses what no key can carry to a process as one word.
func checkCarriable(s string) error {
	if s == ";" {
		// Quadlet writes it bare into ExecStart=, where it would end the command.
		return errors.New(`is exactly ";", which systemd reads as the end of the command`)
	}
	if !utf8.ValidString(s) {
		return errors.New("is not valid UTF-8")
	}
	if strings.IndexByte(s, 0) >= 0 {
		return errors.New("contains a NUL byte, which no command line can carry")
	}
	if strings.ContainsRune(s, 0x80) {
		return errors.New("contains U+0080, which Quadlet writes as \\x80 and systemd then reads as a single byte")
	}
	return nil
}

// bareWordChars are the characters a word may consist of to be written without quotes.
const bareWordChars = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./:=,@+%$"

// quoteWord writes one word of a key that Quadlet splits into words and unescapes
// (Environment=, Label=, Exec=, PodmanArgs=). A word of plain characters stays bare; any
// other is double-quoted with C escapes, so that the line holds no control character and
// no white space that a parser could trim. '%' and '$' are doubled for systemd.
//
// The empty word cannot be written: Quadlet's splitter ends the list at an empty word.
func quoteWord(s string) (string, error) {
	if err := checkCarriable(s); err != nil {
		return "", err
	}
	if s == "" {
		return "", errors.New("is empty, and Quadlet drops an empty word along with every word after it")
	}
	s = systemdLiteral(s)
	if strings.Trim(s, bareWordChars) == "" {
		return s, nil
	}
	var b strings.Builder
	b.Grow(len(s) + 2)
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '\\' || r == '"':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == '\a':
			b.WriteString(`\a`)
		case r == '\b':
			b.WriteString(`\b`)
		case r == '\f':
			b.WriteString(`\f`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\v':
			b.WriteString(`\v`)
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, `\x%02x`, r)
		case r < 0x80 || unicode.IsPrint(r):
			b.WriteRune(r)
		case r <= 0xffff:
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			fmt.Fprintf(&b, `\U%08x`, r)
		}
	}
	b.WriteByte('"')
	return b.String(), nil
}

// quoteWords writes several words for one key line, separated by spaces.
func quoteWords(words ...string) (string, error) {
	out := make([]string, len(words))
	for i, w := range words {
		q, err := quoteWord(w)
		if err != nil {
			return "", err
		}
		out[i] = q
	}
	return strings.Join(out, " "), nil
}

// rawValue writes the value of a key that Quadlet takes verbatim (Image=, WorkingDir=,
// Volume=, DNS=, Entrypoint=, HealthCmd=, ...). Nothing can be escaped there, so a value
// that a parser would change is refused: a control character (a newline would end the
// line), white space or '"' at either end (trimmed), a trailing backslash (it would join
// the next line). '%' and '$' are doubled for systemd.
func rawValue(s string) (string, error) {
	if err := checkCarriable(s); err != nil {
		return "", err
	}
	for _, r := range s {
		if unicode.IsControl(r) {
			return "", fmt.Errorf("contains the control character %U, which cannot be written in this key", r)
		}
		if r == '\u2028' || r == '\u2029' {
			return "", fmt.Errorf("contains the line separator %U, which cannot be written in this key", r)
		}
	}
	if s == "" {
		return "", nil
	}
	first, _ := utf8.DecodeRuneInString(s)
	last, _ := utf8.DecodeLastRuneInString(s)
	switch {
	case unicode.IsSpace(first) || unicode.IsSpace(last):
		return "", errors.New("starts or ends with white space, which Quadlet trims in this key")
	case first == '"' || last == '"':
		return "", errors.New(`starts or ends with '"', which Quadlet strips in this key`)
	case last == '\\':
		return "", errors.New(`ends with '\', which would join the next line of the unit`)
	}
	return systemdLiteral(s), nil
}

// jsonArray encodes words as a JSON array of strings in pure ASCII (every other character
// as a \u escape), the form podman reads for --entrypoint and --health-cmd. It starts with
// '[' and ends with ']' and holds no control character, so rawValue accepts it.
func jsonArray(words []string) (string, error) {
	var b strings.Builder
	b.WriteByte('[')
	for i, w := range words {
		if !utf8.ValidString(w) {
			return "", fmt.Errorf("word %d is not valid UTF-8", i)
		}
		if strings.IndexByte(w, 0) >= 0 {
			return "", fmt.Errorf("word %d contains a NUL byte, which no command line can carry", i)
		}
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteByte('"')
		for _, r := range w {
			switch {
			case r == '"' || r == '\\':
				b.WriteByte('\\')
				b.WriteRune(r)
			case r == '\n':
				b.WriteString(`\n`)
			case r == '\r':
				b.WriteString(`\r`)
			case r == '\t':
				b.WriteString(`\t`)
			case r < 0x20 || r >= 0x7f && r <= 0xffff:
				fmt.Fprintf(&b, `\u%04x`, r)
			case r > 0xffff:
				hi, lo := utf16.EncodeRune(r)
				fmt.Fprintf(&b, `\u%04x\u%04x`, hi, lo)
			default:
				b.WriteRune(r)
			}
		}
		b.WriteByte('"')
	}
	b.WriteByte(']')
	return b.String(), nil
}
