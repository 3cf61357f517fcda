package cluster

import (
	"fmt"
	"time"
)

// messageType is the first byte of every message this package sends through
// memberlist, by gossip or directly.
type messageType uint8

const (
	// msgEntry carries one store entry.
	msgEntry messageType = iota + 1
	// msgLeave announces that the sender is leaving on purpose, so that its
	// departure is reported as a leave rather than a failure.
	msgLeave
	// msgKeyRequest asks a member to change its gossip keyring.
	msgKeyRequest
	// msgKeyResponse answers a msgKeyRequest.
	msgKeyResponse
	// msgReplicate carries a committed write straight from its writer, all
	// its entries together, and may ask for a msgReplicateAck.
	msgReplicate
	// msgReplicateAck confirms that a msgReplicate is on the member's disk.
	msgReplicateAck
	// msgFetch asks a member for its entries where its digest differs (fetch.go).
	msgFetch
	// msgFetchChunk is part of the answer to a msgFetch or a msgFetchExact.
	msgFetchChunk
	// msgFetchExact is a msgFetch that also lists the hashes of the asker's entries, so
	// that the answer leaves out what the asker holds already (fetch.go).
	msgFetchExact
	// msgIncoming tells a member that a large write of the sender is on its way to it
	// (incoming.go).
	msgIncoming
)

// pushPullVersion leads the push/pull state, so that a later format can be
// told apart. Version 2 added the age of each entry; version 1 is still read
// and written for members of the previous release (protocol.go).
const (
	pushPullVersion   = 2
	pushPullVersionV1 = 1
)

// encodeEntryMsg encodes an entry with its age at now, the sender's clock.
func encodeEntryMsg(e Entry, now time.Time) []byte {
	return appendEntry([]byte{byte(msgEntry)}, e, now)
}

// decodeEntryMsg decodes an entry, placing its age before now, the
// receiver's clock.
func decodeEntryMsg(body []byte, now time.Time) (Entry, error) {
	d := decoder{buf: body}
	e := d.entry(now)
	return e, d.done()
}

func encodeLeaveMsg(node string) []byte {
	return appendString([]byte{byte(msgLeave)}, node)
}

func decodeLeaveMsg(body []byte) (string, error) {
	d := decoder{buf: body}
	name := d.string()
	return name, d.done()
}

// keyOp is a step of a token rotation.
type keyOp uint8

const (
	keyInstall keyOp = iota + 1 // accept the new key for decryption
	keyUse                      // encrypt with the new key
	keyPrune                    // forget every key but the new one
)

func (o keyOp) String() string {
	switch o {
	case keyInstall:
		return "install"
	case keyUse:
		return "use"
	case keyPrune:
		return "prune"
	default:
		return fmt.Sprintf("keyOp(%d)", uint8(o))
	}
}

// keyRequest asks a member to apply one step of a rotation and answer.
type keyRequest struct {
	ID    uint64
	From  string // node to answer
	Op    keyOp
	Token string
}

// keyResponse reports whether a member applied a keyRequest.
type keyResponse struct {
	ID    uint64
	From  string
	Error string // empty on success
}

func encodeKeyRequest(r keyRequest) []byte {
	b := []byte{byte(msgKeyRequest)}
	b = appendUvarint(b, r.ID)
	b = appendString(b, r.From)
	b = append(b, byte(r.Op))
	return appendString(b, r.Token)
}

func decodeKeyRequest(body []byte) (keyRequest, error) {
	d := decoder{buf: body}
	r := keyRequest{ID: d.uvarint(), From: d.string(), Op: keyOp(d.byte()), Token: d.string()}
	return r, d.done()
}

func encodeKeyResponse(r keyResponse) []byte {
	b := []byte{byte(msgKeyResponse)}
	b = appendUvarint(b, r.ID)
	b = appendString(b, r.From)
	return appendString(b, r.Error)
}

func decodeKeyResponse(body []byte) (keyResponse, error) {
	d := decoder{buf: body}
	r := keyResponse{ID: d.uvarint(), From: d.string(), Error: d.string()}
	return r, d.done()
}

// encodePushPull is this node's half of an anti-entropy exchange: its clock
// and every entry, tombstones included, with their ages at now.
func encodePushPull(clock uint64, entries []Entry, now time.Time) []byte {
	return appendState([]byte{pushPullVersion}, clock, entries, now)
}

// decodePushPull decodes a peer's state, placing the ages before now. A
// state of the first version has no ages: its entries count as received now.
func decodePushPull(buf []byte, now time.Time) (uint64, []Entry, error) {
	if len(buf) == 0 {
		return 0, nil, errShortBuffer
	}
	switch v := buf[0]; {
	case v == pushPullVersion:
		return decodeState(buf[1:], now)
	case v == pushPullVersionV1:
		return decodeStateV1(buf[1:], now)
	case v > pushPullVersion:
		return 0, nil, &newerProtocolError{what: "push/pull state", version: v}
	default:
		return 0, nil, fmt.Errorf("push/pull state version %d, this node reads %d and %d", v, pushPullVersionV1, pushPullVersion)
	}
}
