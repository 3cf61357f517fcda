package main

import (
	"fmt"
	"io"
	"net/url"
	"text/tabwriter"
	"time"

	corev1 "k8s.io/api/core/v1"
)

// describeEvents ends a describe with the object's events, as kubectl describe does: the
// one seen last at the end, "<none>" when there is none. An agent that cannot list them
// (one from before events) leaves the rest of the description as it was.
func describeEvents(c *client, out io.Writer, kind, ns, name string, now time.Time) error {
	var l struct{ Items []corev1.Event }
	q := url.Values{"namespace": {ns}, "object": {kind + "/" + name}}
	if err := c.do("GET", "/api/v1/events", q, "", nil, &l); err != nil {
		_, err := fmt.Fprintf(out, "Events:  <unavailable: %v>\n", err)
		return err
	}
	return printEvents(out, l.Items, now)
}

// printEvents writes an Events section.
func printEvents(out io.Writer, evs []corev1.Event, now time.Time) error {
	if len(evs) == 0 {
		_, err := fmt.Fprintln(out, "Events:  <none>")
		return err
	}
	fmt.Fprintln(out, "Events:")
	tw := tabwriter.NewWriter(out, 0, 8, 2, ' ', 0)
	fmt.Fprintln(tw, "  Type\tReason\tAge\tFrom\tMessage")
	fmt.Fprintln(tw, "  ----\t------\t----\t----\t-------")
	for _, ev := range evs {
		seen := age(ev.LastTimestamp.Time, now)
		if ev.Count > 1 {
			seen = fmt.Sprintf("%s (x%d over %s)", seen, ev.Count, age(ev.FirstTimestamp.Time, now))
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\n", ev.Type, ev.Reason, seen, orNone(ev.Source.Host), ev.Message)
	}
	return tw.Flush()
}
