package cluster

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"encoding/binary"
	"testing"
)

// TestGossipIsEncrypted records every byte the nodes send while a value with
// a recognisable plaintext is written and replicated, small (gossip over
// UDP) and large (TCP), and checks that the plaintext never appears. As a
// control, decrypting the same bytes with the cluster's key must reveal it,
// which proves the capture saw the values go by.
func TestGossipIsEncrypted(t *testing.T) {
	tn := &testNet{}
	nodes := startCluster(t, 3, func(c *Config) { c.WrapTransport = tn.wrap })
	marker := []byte("image: secret-marker-1234")
	tn.startCapture()

	small := append([]byte("kind: Deployment\n"), marker...)
	if _, err := nodes[0].Put("deployments/default/small", small); err != nil {
		t.Fatal(err)
	}
	large := append(bytes.Repeat([]byte("# padding line of a large manifest\n"), 3000), marker...)
	if _, err := nodes[1].Put("deployments/default/large", large); err != nil {
		t.Fatal(err)
	}
	waitValue(t, nodes, "deployments/default/small", small)
	waitValue(t, nodes, "deployments/default/large", large)

	packets, streams := tn.captured()
	if len(packets) == 0 || len(streams) == 0 {
		t.Fatalf("captured %d packets and %d streams, want some of each", len(packets), len(streams))
	}
	for i, p := range packets {
		if bytes.Contains(p, marker) {
			t.Fatalf("packet %d carries the plaintext", i)
		}
	}
	for i, s := range streams {
		if bytes.Contains(s, marker) {
			t.Fatalf("stream %d carries the plaintext", i)
		}
	}

	key, err := gossipKey(nodes[0].JoinToken())
	if err != nil {
		t.Fatal(err)
	}
	var inPackets, inStreams int
	for _, p := range packets {
		if plain, err := openPacket(key, p); err == nil && bytes.Contains(plain, marker) {
			inPackets++
		}
	}
	for _, s := range streams {
		if plain, err := openStream(key, s); err == nil && bytes.Contains(plain, marker) {
			inStreams++
		}
	}
	if inPackets == 0 || inStreams == 0 {
		t.Fatalf("control: the key reveals the marker in %d packets and %d streams, want some of each", inPackets, inStreams)
	}
}

// openPacket decrypts a memberlist packet: version byte, 12-byte nonce,
// AES-GCM sealed payload, with no additional data when no label is set.
func openPacket(key, p []byte) ([]byte, error) {
	return openSealed(key, p, nil)
}

// openStream decrypts the first message of a memberlist stream: the
// encrypt message type, a 4-byte length, then a sealed payload whose
// additional data is those five bytes.
func openStream(key, s []byte) ([]byte, error) {
	if len(s) < 5 {
		return nil, errShortBuffer
	}
	n := int(binary.BigEndian.Uint32(s[1:5]))
	if len(s) < 5+n {
		return nil, errShortBuffer
	}
	return openSealed(key, s[5:5+n], s[:5])
}

func openSealed(key, msg, aad []byte) ([]byte, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	gcm, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	if len(msg) < 1+12 {
		return nil, errShortBuffer
	}
	return gcm.Open(nil, msg[1:13], msg[13:], aad)
}
