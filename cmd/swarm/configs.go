package main

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"text/tabwriter"

	corev1 "k8s.io/api/core/v1"
)

// describeConfigMap shows a ConfigMap as kubectl describe does: the text values whole,
// the binary ones by their size.
func describeConfigMap(out io.Writer, c *corev1.ConfigMap) error {
	tw := tabwriter.NewWriter(out, 0, 8, 1, ' ', 0)
	fmt.Fprintf(tw, "Name:\t%s\n", c.Name)
	fmt.Fprintf(tw, "Namespace:\t%s\n", c.Namespace)
	fmt.Fprintf(tw, "Labels:\t%s\n", labelsString(c.Labels))
	describeAnnotations(tw, c.Annotations)
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(out, "\nData\n====\n")
	for _, k := range slices.Sorted(maps.Keys(c.Data)) {
		fmt.Fprintf(out, "%s:\n----\n%s\n\n", k, c.Data[k])
	}
	fmt.Fprintf(out, "\nBinaryData\n====\n")
	for _, k := range slices.Sorted(maps.Keys(c.BinaryData)) {
		fmt.Fprintf(out, "%s: %d bytes\n", k, len(c.BinaryData[k]))
	}
	if c.Immutable != nil && *c.Immutable {
		fmt.Fprintln(out, "\nImmutable: true")
	}
	_, err := fmt.Fprintln(out)
	return err
}

// describeSecret shows a Secret as kubectl describe does: its keys with the size of each
// value, never a value.
func describeSecret(out io.Writer, s *corev1.Secret) error {
	tw := tabwriter.NewWriter(out, 0, 8, 1, ' ', 0)
	fmt.Fprintf(tw, "Name:\t%s\n", s.Name)
	fmt.Fprintf(tw, "Namespace:\t%s\n", s.Namespace)
	fmt.Fprintf(tw, "Labels:\t%s\n", labelsString(s.Labels))
	describeAnnotations(tw, s.Annotations)
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(out, "\nType:  %s\n", orDefault(string(s.Type), string(corev1.SecretTypeOpaque)))
	if s.Immutable != nil && *s.Immutable {
		fmt.Fprintln(out, "Immutable:  true")
	}
	fmt.Fprintf(out, "\nData\n====\n")
	tw = tabwriter.NewWriter(out, 0, 8, 2, ' ', 0)
	for _, k := range slices.Sorted(maps.Keys(s.Data)) {
		fmt.Fprintf(tw, "%s:\t%d bytes\n", k, len(s.Data[k]))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := fmt.Fprintln(out)
	return err
}
