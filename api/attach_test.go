package api

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
)

func TestFramesRoundTrip(t *testing.T) {
	var buf bytes.Buffer
	fw := NewFrameWriter(&buf)
	if _, err := io.WriteString(fw.Channel(ChannelStdout), "out"); err != nil {
		t.Fatal(err)
	}
	if err := fw.WriteFrame(ChannelStdin, nil); err != nil {
		t.Fatal(err)
	}
	if err := fw.WriteJSON(ChannelStatus, ExecStatus{ExitCode: 7}); err != nil {
		t.Fatal(err)
	}
	big := bytes.Repeat([]byte("x"), MaxFrame+3)
	if _, err := fw.Channel(ChannelStderr).Write(big); err != nil {
		t.Fatal(err)
	}
	want := []Frame{{ChannelStdout, []byte("out")}, {ChannelStdin, []byte{}}, {ChannelStatus, []byte(`{"exitCode":7}`)},
		{ChannelStderr, big[:MaxFrame]}, {ChannelStderr, big[:3]}}
	for i, w := range want {
		f, err := ReadFrame(&buf)
		if err != nil || f.Channel != w.Channel || !bytes.Equal(f.Payload, w.Payload) {
			t.Fatalf("frame %d: %v channel %d, %d bytes", i, err, f.Channel, len(f.Payload))
		}
	}
	if _, err := ReadFrame(&buf); !errors.Is(err, io.EOF) {
		t.Errorf("after the last frame: %v", err)
	}
}

func TestReadFrameRefusesWhatIsTooBigOrCut(t *testing.T) {
	if _, err := ReadFrame(strings.NewReader("\x01\xff\xff\xff\xff")); err == nil || !strings.Contains(err.Error(), "is more than") {
		t.Errorf("too big: %v", err)
	}
	if _, err := ReadFrame(strings.NewReader("\x01\x00\x00\x00\x05ab")); !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("cut: %v", err)
	}
	if err := NewFrameWriter(io.Discard).WriteFrame(0, make([]byte, MaxFrame+1)); err == nil {
		t.Error("a frame too big was written")
	}
}
