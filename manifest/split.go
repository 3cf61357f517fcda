package manifest

import (
	"bytes"
)

// document is one YAML document of a file and the line it starts on.
type document struct {
	index int // 1-based
	line  int // 1-based line of the document's first line in the file
	data  []byte
}

// splitDocuments cuts a YAML stream at its `---` separator lines. It keeps documents that
// hold only comments or blank lines (the caller skips them once decoded as empty) so that
// document numbers match what a person counts in the file.
func splitDocuments(data []byte) []document {
	var docs []document
	start, startLine, line := 0, 1, 1
	for pos := 0; pos <= len(data); {
		end := bytes.IndexByte(data[pos:], '\n')
		next := len(data) + 1
		if end >= 0 {
			end += pos
			next = end + 1
		} else {
			end = len(data)
		}
		if isSeparator(data[pos:end]) {
			docs = append(docs, document{line: startLine, data: data[start:pos]})
			start, startLine = next, line+1
			if start > len(data) {
				start = len(data)
			}
		}
		pos = next
		line++
	}
	docs = append(docs, document{line: startLine, data: data[start:]})
	// A leading `---`, often below a comment block, makes a first document that nobody
	// counts.
	if len(docs) > 1 && onlyComments(docs[0].data) {
		docs = docs[1:]
	}
	for i := range docs {
		docs[i].index = i + 1
	}
	return docs
}

// isSeparator reports whether a line is a YAML document separator: `---` alone or followed
// by white space (and possibly a comment).
func isSeparator(line []byte) bool {
	line = bytes.TrimRight(line, "\r")
	if !bytes.HasPrefix(line, []byte("---")) {
		return false
	}
	rest := line[3:]
	return len(rest) == 0 || rest[0] == ' ' || rest[0] == '\t'
}

// onlyComments reports whether a document holds nothing but blank lines and comments.
func onlyComments(data []byte) bool {
	for _, line := range bytes.Split(data, []byte("\n")) {
		line = bytes.TrimSpace(line)
		if len(line) > 0 && line[0] != '#' {
			return false
		}
	}
	return true
}
