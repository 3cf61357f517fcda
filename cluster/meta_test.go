package cluster

import (
	"maps"
	"strings"
	"testing"
	"time"
)

func TestMetaRoundTrip(t *testing.T) {
	in := nodeMeta{
		Started: time.Unix(1700000000, 123),
		Rank:    300,
		Leading: true,
		Meta:    map[string]string{"api": "10.0.0.1:8443", "zone": "edge-1", "": "empty key"},
	}
	buf, err := encodeMeta(in)
	if err != nil {
		t.Fatal(err)
	}
	again, _ := encodeMeta(in)
	if string(buf) != string(again) {
		t.Fatal("the same metadata encoded differently")
	}
	out, err := decodeMeta(buf)
	if err != nil {
		t.Fatal(err)
	}
	if !out.Started.Equal(in.Started) || !maps.Equal(out.Meta, in.Meta) || out.Rank != in.Rank || !out.Leading || out.Fetches {
		t.Fatalf("got %+v, want %+v", out, in)
	}
	// The flags are independent, and a flag the reader does not know is ignored.
	for _, f := range []struct{ leading, fetches, exact, notes bool }{{false, true, true, false}, {true, true, false, true}, {false, false, false, false}, {true, false, true, true}} {
		buf, err := encodeMeta(nodeMeta{Started: in.Started, Leading: f.leading, Fetches: f.fetches, ExactFetches: f.exact, Announces: f.notes})
		if err != nil {
			t.Fatal(err)
		}
		if out, err := decodeMeta(buf); err != nil || out.Leading != f.leading || out.Fetches != f.fetches || out.ExactFetches != f.exact || out.Announces != f.notes {
			t.Fatalf("%+v: read %+v, %v", f, out, err)
		}
		buf[1+len(appendUvarint(nil, uint64(in.Started.UnixNano())))+1] |= 0x80 // the flags byte, after started and rank 0
		if out, err := decodeMeta(buf); err != nil || out.Leading != f.leading || out.Fetches != f.fetches || out.ExactFetches != f.exact || out.Announces != f.notes {
			t.Fatalf("%+v, an unknown flag: read %+v, %v", f, out, err)
		}
	}
}

// Metadata of the first format, without rank, reads as an unranked member.
func TestMetaReadsFirstFormat(t *testing.T) {
	b := []byte{metaVersionV1}
	b = appendUvarint(b, uint64(time.Unix(1700000000, 0).UnixNano()))
	b = appendUvarint(b, 1)
	b = appendString(b, "api")
	b = appendString(b, "10.0.0.1:7070")
	m, err := decodeMeta(b)
	if err != nil || m.Rank != 0 || m.Leading || m.Meta["api"] != "10.0.0.1:7070" || !m.Started.Equal(time.Unix(1700000000, 0)) {
		t.Fatalf("got %+v, %v", m, err)
	}
}

func TestMetaTooLarge(t *testing.T) {
	_, err := encodeMeta(nodeMeta{Meta: map[string]string{"big": strings.Repeat("x", 600)}})
	if err == nil || !strings.Contains(err.Error(), "512") {
		t.Fatalf("err = %v, want the 512-byte limit named", err)
	}
}

func TestMetaRejectsUnknownFormat(t *testing.T) {
	for _, buf := range [][]byte{nil, {}, {metaVersion + 1, 0, 0}, {metaVersion, 0}} {
		if _, err := decodeMeta(buf); err == nil {
			t.Errorf("decodeMeta(%v) succeeded", buf)
		}
	}
}
