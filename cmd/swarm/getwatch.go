package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/podman-swarm/podman-swarm/api"
)

// watchGet lists the objects r asks for and then prints each change of them, one at a
// time in format (a table line, a name, an object), until ctx ends or the agent ends the
// watch. The list is the events the watch starts with, so that no change falls between
// the list and the watch.
func watchGet(ctx context.Context, c *client, o getOptions, format outputFormat, r getRequest, out io.Writer) error {
	s, err := c.api.Watch(ctx, "/api/v1/"+r.resource, listQuery(o, r.resource))
	if err != nil {
		if ctx.Err() != nil {
			return nil
		}
		return c.explain(err)
	}
	defer s.Close()
	initial := fetched{resource: r.resource, named: len(r.names)}
	started := false
	// A table's header comes with its first line: the list's, or, when the list was
	// empty (kubectl then prints nothing), the first change's.
	headed := o.noHeaders
	for {
		ev, err := s.Next()
		switch {
		case ctx.Err() != nil:
			return nil
		case errors.Is(err, io.EOF):
			return nil
		case err != nil:
			return fmt.Errorf("watch %s: %w", r.resource, err)
		}
		var m api.EventMeta
		if err := json.Unmarshal(ev.Object, &m); err != nil {
			return fmt.Errorf("decode a watch event: %w", err)
		}
		if ev.Type == api.Bookmark {
			if !started && m.InitialEventsEnd() {
				started = true
				if len(initial.items) > 0 {
					if err := printInitial(out, o, format, initial); err != nil {
						return err
					}
					headed = true
				}
			}
			continue
		}
		if len(r.names) > 0 && !slices.Contains(r.names, m.Metadata.Name) {
			continue
		}
		it := printed{resource: r.resource, name: m.Metadata.Name, raw: ev.Object}
		if !started {
			initial.items = append(initial.items, it)
			continue
		}
		if err := printChange(out, o, format, it, headed); err != nil {
			return err
		}
		headed = true
	}
}

// printInitial prints the objects a watch started with as swarm get prints a list.
func printInitial(out io.Writer, o getOptions, format outputFormat, f fetched) error {
	if o.sortBy != "" {
		if err := sortItems(f.items, o.sortBy); err != nil {
			return err
		}
	}
	return printFetched(out, o, format, []fetched{f}, false)
}

// printChange prints one changed object as the list printed its objects, a table's line
// under a header unless headed says one was printed.
func printChange(out io.Writer, o getOptions, format outputFormat, it printed, headed bool) error {
	switch format.format {
	case "", "wide":
		topts := tableOptions{namespace: o.allNamespaces && !clusterScoped(it.resource), noHeaders: headed, showLabels: o.showLabels}
		return printKindTable(out, it.resource, []json.RawMessage{it.raw}, topts, format.format == "wide", time.Now())
	}
	return printObjects(out, format, []printed{it}, it.raw, true)
}
