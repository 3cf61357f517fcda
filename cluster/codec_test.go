package cluster

import (
	"bytes"
	"errors"
	"testing"
	"time"

	"pgregory.net/rapid"
)

func TestEntryMessageRoundTrip(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		e := Entry{
			Key:     rapid.String().Draw(t, "key"),
			Value:   rapid.SliceOf(rapid.Byte()).Draw(t, "value"),
			Version: Version{Time: rapid.Uint64().Draw(t, "time"), Node: rapid.String().Draw(t, "node")},
			Deleted: rapid.Bool().Draw(t, "deleted"),
			// Wall clocks of the years 1678 to 2262 fit in nanoseconds.
			Modified: time.Unix(0, rapid.Int64().Draw(t, "modified")),
		}
		// The sender's and the receiver's clocks are a day apart: only the
		// entry's age travels, so it arrives as old as it left.
		sent := time.Unix(1_800_000_000, 0)
		received := sent.Add(-24 * time.Hour)
		age := time.Duration(rapid.Int64Range(0, int64(1000*time.Hour)).Draw(t, "age"))
		e.Received = sent.Add(-age)
		msg := encodeEntryMsg(e, sent)
		if messageType(msg[0]) != msgEntry {
			t.Fatalf("type byte %d", msg[0])
		}
		got, err := decodeEntryMsg(msg[1:], received)
		if err != nil {
			t.Fatal(err)
		}
		if got.Key != e.Key || !bytes.Equal(got.Value, e.Value) || got.Version != e.Version ||
			got.Deleted != e.Deleted || !got.Modified.Equal(e.Modified) {
			t.Fatalf("round trip: got %+v, want %+v", got, e)
		}
		if !got.Received.Equal(received.Add(-age)) {
			t.Fatalf("received %v, want %v before the receiver's now", got.Received, age)
		}
	})
}

func TestDecodeRejectsDamage(t *testing.T) {
	e := Entry{Key: "deployments/default/web", Value: []byte("replicas: 2"), Version: Version{7, "n1"}, Modified: time.Unix(1, 0)}
	now := time.Unix(2, 0)
	msg := encodeEntryMsg(e, now)[1:]
	for cut := range len(msg) {
		if _, err := decodeEntryMsg(msg[:cut], now); err == nil {
			t.Fatalf("a message cut at %d of %d bytes decoded", cut, len(msg))
		}
	}
	if _, err := decodeEntryMsg(append(msg, 0), now); err == nil {
		t.Fatal("trailing bytes accepted")
	}
	// A huge declared count must fail, not allocate.
	if _, _, err := decodeState([]byte{1, 0xff, 0xff, 0xff, 0xff, 0x0f}, now); !errors.Is(err, errShortBuffer) {
		t.Fatalf("huge count: err = %v", err)
	}
}

func TestPushPullRoundTrip(t *testing.T) {
	entries := []Entry{
		{Key: "a", Value: []byte("1"), Version: Version{1, "n1"}, Modified: time.Unix(5, 0)},
		{Key: "b", Deleted: true, Version: Version{9, "n2"}, Modified: time.Unix(6, 0)},
	}
	now := time.Unix(7, 0)
	clock, got, err := decodePushPull(encodePushPull(42, entries, now), now)
	if err != nil {
		t.Fatal(err)
	}
	if clock != 42 || len(got) != 2 || compareEntries(got[0], entries[0]) != 0 || compareEntries(got[1], entries[1]) != 0 {
		t.Fatalf("got clock %d entries %+v", clock, got)
	}
	if _, _, err := decodePushPull([]byte{pushPullVersion + 1}, now); err == nil {
		t.Fatal("unknown push/pull version accepted")
	}
}

func TestKeyMessagesRoundTrip(t *testing.T) {
	req := keyRequest{ID: 3, From: "n1", Op: keyUse, Token: "swarm1-x"}
	gotReq, err := decodeKeyRequest(encodeKeyRequest(req)[1:])
	if err != nil || gotReq != req {
		t.Fatalf("request: %+v, %v", gotReq, err)
	}
	resp := keyResponse{ID: 3, From: "n2", Error: "boom"}
	gotResp, err := decodeKeyResponse(encodeKeyResponse(resp)[1:])
	if err != nil || gotResp != resp {
		t.Fatalf("response: %+v, %v", gotResp, err)
	}
	name, err := decodeLeaveMsg(encodeLeaveMsg("n3")[1:])
	if err != nil || name != "n3" {
		t.Fatalf("leave: %q, %v", name, err)
	}
}

// An entry is never sent as younger than new: a Received ahead of the
// sender's now (its clock was set back) arrives as just received.
func TestEntryAgeIsNeverNegative(t *testing.T) {
	sent := time.Unix(1_800_000_000, 0)
	e := Entry{Key: "k", Version: Version{1, "n1"}, Received: sent.Add(time.Hour)}
	got, err := decodeEntryMsg(encodeEntryMsg(e, sent)[1:], sent.Add(-5*time.Hour))
	if err != nil || !got.Received.Equal(sent.Add(-5*time.Hour)) {
		t.Fatalf("received %v, %v; want the receiver's now", got.Received, err)
	}
}

// A buffer sized by encodedBound holds the encoding of its entries whatever their times,
// the widest varints included: appendEntries never has to grow it.
func TestEncodedBoundHoldsTheEncoding(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		entries := rapid.SliceOf(rapid.Custom(func(t *rapid.T) Entry {
			return Entry{
				Key:      rapid.String().Draw(t, "key"),
				Value:    rapid.SliceOf(rapid.Byte()).Draw(t, "value"),
				Version:  Version{Time: rapid.Uint64().Draw(t, "time"), Node: rapid.String().Draw(t, "node")},
				Deleted:  rapid.Bool().Draw(t, "deleted"),
				Modified: time.Unix(0, rapid.Int64().Draw(t, "modified")),
				Received: time.Unix(0, rapid.Int64().Draw(t, "received")),
			}
		})).Draw(t, "entries")
		for _, ref := range []time.Time{{}, time.Unix(0, rapid.Int64().Draw(t, "ref"))} {
			if got, bound := len(appendEntries(nil, entries, ref)), encodedBound(entries); got > bound {
				t.Fatalf("%d entries encoded in %d bytes, over the bound of %d", len(entries), got, bound)
			}
		}
		b := make([]byte, 0, walFrameHead+encodedBound(entries))
		if got := appendFrame(b, entries); &got[:1][0] != &b[:1][0] {
			t.Fatal("appendFrame grew a buffer sized by encodedBound")
		}
	})
}
