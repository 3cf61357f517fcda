package api

import (
	"encoding/json"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// EventType is the type of a WatchEvent, in Kubernetes' words.
type EventType string

// The types of WatchEvent.
const (
	Added    EventType = "ADDED"
	Modified EventType = "MODIFIED"
	Deleted  EventType = "DELETED"
	Bookmark EventType = "BOOKMARK"
)

// WatchEvent is one line of a watch: a GET of a list with ?watch=true answers a stream of
// them, one JSON object a line, as Kubernetes sends them. Object is an object as it was
// added or modified, as it last was before it was deleted, or (BOOKMARK) no more than the
// resource version the watch has reached.
//
// Without ?resourceVersion= the stream starts with an ADDED event for every object there
// is: a list and a watch in one request. With one, it starts with the changes made after
// that version, or the agent answers 410 Gone (reason Expired, "too old resource version")
// when it no longer holds them all: list again, and watch from the list's
// metadata.resourceVersion. Either way a BOOKMARK annotated
// metav1.InitialEventsAnnotationKey follows the events the watch starts with; then come the
// changes as they are made, and a BOOKMARK every so often with the current version.
//
// Resource versions are those of one agent: each node counts its own, so a version read
// from one agent means nothing to another, nor to the same agent once it restarted (both
// answer 410, and the client lists again).
//
// The answers that are not lists of objects (/api/v1/endpoints, /api/v1/dns/whitelist) are
// watched whole: each event carries the whole answer, first as it is, then again each time
// it changes.
type WatchEvent struct {
	Type   EventType       `json:"type"`
	Object json.RawMessage `json:"object"`
}

// EventMeta is the part of an event's object that tells which object it is and the
// version it was changed at.
type EventMeta struct {
	Metadata metav1.ObjectMeta `json:"metadata"`
}

// InitialEventsEnd says whether a BOOKMARK's object marks the end of the events a watch
// started with.
func (m EventMeta) InitialEventsEnd() bool {
	return m.Metadata.Annotations[metav1.InitialEventsAnnotationKey] == "true"
}
