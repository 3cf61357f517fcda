package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"reflect"
	"regexp"
	"strings"
	"text/tabwriter"

	"k8s.io/client-go/util/jsonpath"
	"sigs.k8s.io/yaml"
)

// outputFormat is a parsed -o: a table (plain or wide), an encoding, or one of kubectl's
// printers of names, JSONPath templates and custom columns.
type outputFormat struct {
	format   string // "", "wide", "json", "yaml", "name", "jsonpath" or "custom-columns"
	template *jsonpath.JSONPath
	columns  []customColumn
}

// customColumn is one column of -o custom-columns: its header and the JSONPath of its cells.
type customColumn struct {
	header string
	path   *jsonpath.JSONPath
}

// outputFormats are the formats -o takes, as kubectl names them in its message.
const outputFormats = "custom-columns,json,jsonpath,name,wide,yaml"

// parseOutput reads -o, checking its template or columns before anything is fetched, so
// that a bad one is one line and exit status 1.
func parseOutput(o string) (outputFormat, error) {
	name, arg, hasArg := strings.Cut(o, "=")
	switch {
	case !hasArg && (o == "" || o == "wide" || o == "json" || o == "yaml" || o == "name"):
		return outputFormat{format: o}, nil
	case name == "jsonpath" && hasArg:
		if arg == "" {
			return outputFormat{}, fmt.Errorf("template format specified but no template given")
		}
		j, err := newJSONPath(arg)
		if err != nil {
			return outputFormat{}, err
		}
		return outputFormat{format: name, template: j}, nil
	case name == "custom-columns" && hasArg:
		cols, err := parseCustomColumns(arg)
		return outputFormat{format: name, columns: cols}, err
	case o == "jsonpath":
		return outputFormat{}, fmt.Errorf("template format specified but no template given")
	case o == "custom-columns":
		return outputFormat{}, fmt.Errorf("custom-columns format specified but no custom columns given")
	}
	return outputFormat{}, fmt.Errorf("unable to match a printer suitable for the output format %q, allowed formats are: %s", o, outputFormats)
}

// newJSONPath parses a kubectl JSONPath template; a key an object lacks prints nothing, as
// kubectl's --allow-missing-template-keys does by default.
func newJSONPath(template string) (*jsonpath.JSONPath, error) {
	j := jsonpath.New("output").AllowMissingKeys(true)
	if err := j.Parse(template); err != nil {
		return nil, fmt.Errorf("error parsing jsonpath %s, %w", template, err)
	}
	return j, nil
}

// parseCustomColumns reads kubectl's HEADER:PATH[,HEADER:PATH...], each PATH a field
// path with or without its braces and leading dot (.metadata.name, {.spec.nodeName}).
func parseCustomColumns(spec string) ([]customColumn, error) {
	var cols []customColumn
	for _, part := range strings.Split(spec, ",") {
		header, path, ok := strings.Cut(part, ":")
		if !ok || header == "" || path == "" {
			return nil, fmt.Errorf("unexpected custom-columns spec: %s, expected <header>:<json-path-expr>", part)
		}
		expr, err := relaxedJSONPath(path)
		if err != nil {
			return nil, err
		}
		j, err := newJSONPath(expr)
		if err != nil {
			return nil, err
		}
		cols = append(cols, customColumn{header: header, path: j})
	}
	return cols, nil
}

// fieldPath is a field path as custom columns and --sort-by take it: an optional brace, an
// optional dot, the path, and the closing brace if it opened with one.
var fieldPath = regexp.MustCompile(`^(\{)?\.?([^{}]*)(\})?$`)

// relaxedJSONPath makes a field path a JSONPath template: "metadata.name" and
// "{.metadata.name}" are both "{.metadata.name}".
func relaxedJSONPath(path string) (string, error) {
	m := fieldPath.FindStringSubmatch(path)
	if m == nil || (m[1] == "") != (m[3] == "") {
		return "", fmt.Errorf("unexpected path string, expected a 'name1.name2' or '.name1.name2' or '{name1.name2}' or '{.name1.name2}': %s", path)
	}
	return "{." + m[2] + "}", nil
}

// printed is one object to print, with what the table printers need to know of it.
type printed struct {
	resource string
	name     string
	raw      json.RawMessage
}

// printObjects prints items in the non-table formats: doc is what json, yaml and jsonpath
// print (the object got by name, or a List of them all).
func printObjects(out io.Writer, f outputFormat, items []printed, doc any, noHeaders bool) error {
	switch f.format {
	case "json", "yaml":
		b, err := json.MarshalIndent(doc, "", "    ")
		if err != nil {
			return err
		}
		if f.format == "yaml" {
			if b, err = yaml.JSONToYAML(b); err != nil {
				return err
			}
		}
		_, err = fmt.Fprintln(out, strings.TrimRight(string(b), "\n"))
		return err
	case "name":
		for _, it := range items {
			fmt.Fprintln(out, qualifiedName(it.resource, it.name))
		}
		return nil
	case "jsonpath":
		data, err := generic(doc)
		if err != nil {
			return err
		}
		if err := f.template.Execute(out, data); err != nil {
			return fmt.Errorf("error executing jsonpath: %w", err)
		}
		return nil
	case "custom-columns":
		return printCustomColumns(out, f.columns, items, noHeaders)
	}
	return fmt.Errorf("output format %q is printed as a table", f.format)
}

// printCustomColumns prints one line per object, each cell what its column's path finds:
// several values joined by commas, <none> for none, as kubectl does.
func printCustomColumns(out io.Writer, cols []customColumn, items []printed, noHeaders bool) error {
	tw := tabwriter.NewWriter(out, 0, 8, 3, ' ', 0)
	if !noHeaders {
		var h []string
		for _, c := range cols {
			h = append(h, c.header)
		}
		fmt.Fprintln(tw, strings.Join(h, "\t"))
	}
	for _, it := range items {
		data, err := generic(it.raw)
		if err != nil {
			return err
		}
		var cells []string
		for _, c := range cols {
			cell, err := findString(c.path, data)
			if err != nil {
				return err
			}
			cells = append(cells, cell)
		}
		fmt.Fprintln(tw, strings.Join(cells, "\t"))
	}
	return tw.Flush()
}

// findString is what path finds in data, printed: values joined by commas, <none> when
// there is none.
func findString(path *jsonpath.JSONPath, data any) (string, error) {
	results, err := path.FindResults(data)
	if err != nil {
		return "", fmt.Errorf("error executing jsonpath: %w", err)
	}
	var values []string
	for _, rs := range results {
		for _, r := range rs {
			values = append(values, valueString(r))
		}
	}
	if len(values) == 0 {
		return "<none>", nil
	}
	return strings.Join(values, ","), nil
}

// valueString prints one value a path found: a string as it is, anything else in JSON
// (a map or a list as kubectl's custom columns show them).
func valueString(v reflect.Value) string {
	for v.Kind() == reflect.Interface || v.Kind() == reflect.Pointer {
		if v.IsNil() {
			return "<none>"
		}
		v = v.Elem()
	}
	if v.Kind() == reflect.String {
		return v.String()
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v.Interface()); err != nil {
		return fmt.Sprint(v.Interface())
	}
	return strings.TrimSpace(b.String())
}

// generic is v as JSON decodes it untyped (maps, slices, float64, string, bool), the shape
// JSONPath walks: field names are then the JSON names the user sees in -o json.
func generic(v any) (any, error) {
	b, ok := v.(json.RawMessage)
	if !ok {
		var err error
		if b, err = json.Marshal(v); err != nil {
			return nil, err
		}
	}
	var out any
	if err := json.Unmarshal(b, &out); err != nil {
		return nil, fmt.Errorf("decode an object: %w", err)
	}
	return out, nil
}
