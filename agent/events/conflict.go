package events

import (
	"fmt"
	"strings"
	"time"

	"github.com/podman-swarm/podman-swarm/agent/store"
	"github.com/podman-swarm/podman-swarm/cluster"
)

// verdict is what a replacement says about the write it replaced.
type verdict int

const (
	// superseded: the new writer had seen the old write (a sequential update), or both
	// are deletes. Nothing was lost.
	superseded verdict = iota
	// lost: the new writer had not seen the old write, which was answered to its client
	// and is gone: a concurrent write won.
	lost
	// unknown: what the new writer had seen is not known (a value written before objects
	// carried a lineage, or a delete whose record never came).
	unknown
)

// judge says what became of old, an object's entry that new replaced on this node, given
// what new's writer had seen of the object (newSaw, when known). It is the whole rule: a
// write is lost when the write that replaced it was made without seeing it. Both live
// writes and deletes can be lost; a delete replaced by a delete, or a value by the same
// object written again, changes nothing anyone would notice.
func judge(old, new cluster.Entry, newSaw store.Lineage, known bool) verdict {
	if old.Deleted && new.Deleted {
		return superseded
	}
	if !old.Deleted && !new.Deleted {
		if fields, ok := changedFields(old.Value, new.Value, 1); ok && len(fields) == 0 {
			return superseded
		}
	}
	if !known {
		return unknown
	}
	if newSaw.Covers(old.Version) {
		return superseded
	}
	return lost
}

// judgeReplacement judges a replacement of old by new, given the object's deletion record
// (nil when there is none); wait says to look again later, once the record of the delete
// that new is may have come.
func judgeReplacement(old, new cluster.Entry, d *store.Deletion) (v verdict, wait bool) {
	if old.Deleted && new.Deleted {
		return superseded, false
	}
	saw, known, wait := whatNewSaw(new, d)
	if wait {
		return unknown, true
	}
	return judge(old, new, saw, known), false
}

// whatNewSaw returns what the writer of new had seen of its object: for a value, the
// lineage the value carries; for a delete, what its deleter recorded (d, the object's
// deletion record if the store holds one). wait says the record of this delete is not
// here yet: it is written right after the tombstone and may travel apart from it.
func whatNewSaw(new cluster.Entry, d *store.Deletion) (saw store.Lineage, known, wait bool) {
	if !new.Deleted {
		saw, known = store.LineageOf(new.Value)
		return saw, known, false
	}
	if d == nil {
		return nil, false, true
	}
	switch c := d.Tombstone.Compare(new.Version); {
	case c == 0:
		return d.Seen, true, false
	case c < 0:
		return nil, false, true // the record of an earlier delete: this one's is coming
	default:
		return nil, false, false // a later delete's record took its place
	}
}

// conflict is a write that a concurrent write replaced: Lost is the write this node held,
// Winner the one that took its place.
type conflict struct {
	Lost, Winner cluster.Entry
}

// maxFields bounds the list of differing fields in a message.
const maxFields = 6

// message tells what happened in words that say what to do: who wrote what, when, what
// each client was answered, and what the object holds now. Every node that judges the same
// replacement writes the same message (the times are the writers' own, carried with the
// entries), so that they name the same event.
func (c conflict) message() string {
	winner, lostBy := c.Winner.Version.Node, c.Lost.Version.Node
	at := func(e cluster.Entry) string { return e.Modified.UTC().Format(time.RFC3339) }
	switch {
	case c.Lost.Deleted:
		return fmt.Sprintf("a concurrent change made through node %s at %s undid this delete made through node %s "+
			"(answered 'deleted' at %s): the object exists again, with %s's version (store version %s); "+
			"delete it again if it should be gone",
			winner, at(c.Winner), lostBy, at(c.Lost), winner, store.FormatVersion(c.Winner.Version))
	case c.Winner.Deleted:
		return fmt.Sprintf("a concurrent delete made through node %s at %s removed this change made through node %s "+
			"(answered '%s' at %s, store version %s), which it had not seen: the object is deleted; "+
			"apply the change again if the object should exist",
			winner, at(c.Winner), lostBy, c.lostAnswer(), at(c.Lost), store.FormatVersion(c.Lost.Version))
	}
	msg := fmt.Sprintf("a concurrent change made through node %s at %s replaced this change made through node %s "+
		"(answered '%s' at %s, store version %s): the object now holds %s's version (store version %s)",
		winner, at(c.Winner), lostBy, c.lostAnswer(), at(c.Lost), store.FormatVersion(c.Lost.Version),
		winner, store.FormatVersion(c.Winner.Version))
	if fields, _ := changedFields(c.Lost.Value, c.Winner.Value, maxFields); len(fields) > 0 {
		msg += "; they differ in " + strings.Join(fields, ", ")
	}
	return msg + "; apply the change again if it should win"
}

// lostAnswer is what the API answered for the lost write: created for an object that was
// new to its writer, else configured.
func (c conflict) lostAnswer() string {
	if l, ok := store.LineageOf(c.Lost.Value); ok && len(l) == 0 {
		return "created"
	}
	return "configured"
}
