package cluster

import (
	"encoding/binary"
	"errors"
	"maps"
	"slices"
	"time"
)

// A copy of the previous release's encoders and decoders (cluster protocol 1),
// as that release wrote them and independent of this package's own, so that
// the tests can play a node of that release. The files under
// testdata/protocol1 were written by that release itself (commit d13c1ff);
// TestOldReleaseCopyMatchesFixtures checks this copy against them.

const (
	oldMetaVersion     = 1
	oldPushPullVersion = 1
	oldMsgEntry        = 1
)

var errOldShort = errors.New("message ends early")

type oldDecoder struct {
	buf []byte
	err error
}

func (d *oldDecoder) uvarint() uint64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Uvarint(d.buf)
	if n <= 0 {
		d.err = errOldShort
		return 0
	}
	d.buf = d.buf[n:]
	return v
}

func (d *oldDecoder) varint() int64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Varint(d.buf)
	if n <= 0 {
		d.err = errOldShort
		return 0
	}
	d.buf = d.buf[n:]
	return v
}

func (d *oldDecoder) bytes() []byte {
	n := d.uvarint()
	if d.err != nil {
		return nil
	}
	if n > uint64(len(d.buf)) {
		d.err = errOldShort
		return nil
	}
	if n == 0 {
		return nil
	}
	v := slices.Clone(d.buf[:n])
	d.buf = d.buf[n:]
	return v
}

func (d *oldDecoder) entry() Entry {
	var e Entry
	e.Key = string(d.bytes())
	e.Value = d.bytes()
	e.Version.Time = d.uvarint()
	e.Version.Node = string(d.bytes())
	if d.err == nil && len(d.buf) == 0 {
		d.err = errOldShort
	}
	if d.err == nil {
		e.Deleted = d.buf[0]&1 != 0
		d.buf = d.buf[1:]
	}
	e.Modified = time.Unix(0, d.varint())
	return e
}

// done fails on bytes left over, which is how the previous release refuses an
// entry of protocol 2.
func (d *oldDecoder) done() error {
	if d.err != nil {
		return d.err
	}
	if len(d.buf) != 0 {
		return errors.New("bytes left after the message")
	}
	return nil
}

func oldAppendBytes(b, v []byte) []byte {
	b = binary.AppendUvarint(b, uint64(len(v)))
	return append(b, v...)
}

func oldAppendEntry(b []byte, e Entry) []byte {
	b = oldAppendBytes(b, []byte(e.Key))
	b = oldAppendBytes(b, e.Value)
	b = binary.AppendUvarint(b, e.Version.Time)
	b = oldAppendBytes(b, []byte(e.Version.Node))
	var flags byte
	if e.Deleted {
		flags = 1
	}
	b = append(b, flags)
	return binary.AppendVarint(b, e.Modified.UnixNano())
}

func oldEncodeMeta(started time.Time, meta map[string]string) []byte {
	b := []byte{oldMetaVersion}
	b = binary.AppendUvarint(b, uint64(started.UnixNano()))
	b = binary.AppendUvarint(b, uint64(len(meta)))
	for _, k := range slices.Sorted(maps.Keys(meta)) {
		b = oldAppendBytes(b, []byte(k))
		b = oldAppendBytes(b, []byte(meta[k]))
	}
	return b
}

func oldEncodeEntryMsg(e Entry) []byte {
	return oldAppendEntry([]byte{oldMsgEntry}, e)
}

func oldDecodeEntryMsg(body []byte) (Entry, error) {
	d := oldDecoder{buf: body}
	e := d.entry()
	return e, d.done()
}

func oldEncodePushPull(clock uint64, entries []Entry) []byte {
	b := []byte{oldPushPullVersion}
	b = binary.AppendUvarint(b, clock)
	b = binary.AppendUvarint(b, uint64(len(entries)))
	for _, e := range entries {
		b = oldAppendEntry(b, e)
	}
	return b
}

func oldDecodePushPull(buf []byte) (uint64, []Entry, error) {
	if len(buf) == 0 || buf[0] != oldPushPullVersion {
		return 0, nil, errors.New("unknown push/pull state version")
	}
	d := oldDecoder{buf: buf[1:]}
	clock := d.uvarint()
	n := d.uvarint()
	if d.err == nil && n > uint64(len(d.buf)/6) {
		return 0, nil, errOldShort
	}
	var entries []Entry
	for range n {
		entries = append(entries, d.entry())
	}
	return clock, entries, d.done()
}
