package cluster

import (
	"bytes"
	"context"
	"errors"
	"maps"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/memberlist"
	"pgregory.net/rapid"
)

// What the previous release wrote into testdata/protocol1.
var (
	fixtureStarted = time.Unix(1700000000, 123)
	fixtureMeta    = map[string]string{"api": "127.0.0.12:7070", "rt": "none", "label/zone": "a"}
	fixtureEntries = []Entry{
		{Key: "deployment/default/web", Value: []byte(`{"replicas":6}`), Version: Version{Time: 41, Node: "old-1"}, Modified: time.Unix(1700000100, 5)},
		{Key: "assignment/default/web-1", Deleted: true, Version: Version{Time: 40, Node: "old-2"}, Modified: time.Unix(1700000090, 0)},
	}
	fixtureClock uint64 = 42
)

func readFixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "protocol1", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func sameEntry(a, b Entry) bool {
	return a.Key == b.Key && bytes.Equal(a.Value, b.Value) && a.Version == b.Version &&
		a.Deleted == b.Deleted && a.Modified.Equal(b.Modified)
}

// The test copy of the previous release's encoders writes what that release
// wrote, so the old peer of the loopback tests speaks as it did.
func TestOldReleaseCopyMatchesFixtures(t *testing.T) {
	if got := oldEncodeMeta(fixtureStarted, fixtureMeta); !bytes.Equal(got, readFixture(t, "meta.bin")) {
		t.Errorf("metadata: %x", got)
	}
	if got := oldEncodePushPull(fixtureClock, fixtureEntries); !bytes.Equal(got, readFixture(t, "push-pull.bin")) {
		t.Errorf("push/pull: %x", got)
	}
	if got := oldEncodeEntryMsg(fixtureEntries[0]); !bytes.Equal(got, readFixture(t, "entry.bin")) {
		t.Errorf("entry: %x", got)
	}
}

func TestReadProtocol1(t *testing.T) {
	now := time.Unix(1800000000, 0)

	meta, err := decodeMeta(readFixture(t, "meta.bin"))
	if err != nil || meta.Version != protocolV1 || !meta.Started.Equal(fixtureStarted) || !maps.Equal(meta.Meta, fixtureMeta) ||
		meta.Rank != 0 || meta.Leading {
		t.Fatalf("metadata: %+v, %v", meta, err)
	}
	m, err := fromNode(&memberlist.Node{Name: "old-1", Addr: net.ParseIP("127.0.0.12"), Port: 7946, Meta: readFixture(t, "meta.bin")})
	if err != nil || m.protocol != protocolV1 || m.Rank != 0 || m.Meta["rt"] != "none" {
		t.Fatalf("member: %+v, %v", m, err)
	}

	clock, entries, err := decodePushPull(readFixture(t, "push-pull.bin"), now)
	if err != nil || clock != fixtureClock || len(entries) != len(fixtureEntries) {
		t.Fatalf("push/pull: clock %d, %d entries, %v", clock, len(entries), err)
	}
	for i, e := range entries {
		if !sameEntry(e, fixtureEntries[i]) || !e.Received.Equal(now) {
			t.Errorf("push/pull entry %d: %+v, want %+v received now", i, e, fixtureEntries[i])
		}
	}

	msg := readFixture(t, "entry.bin")
	if messageType(msg[0]) != msgEntry {
		t.Fatalf("type byte %d", msg[0])
	}
	if _, err := decodeEntryMsg(msg[1:], now); err == nil {
		t.Fatal("the decoder of protocol 2 alone read an entry of protocol 1")
	}
	e, err := decodeAnyEntryMsg(msg[1:], now)
	if err != nil || !sameEntry(e, fixtureEntries[0]) || !e.Received.Equal(now) {
		t.Fatalf("entry: %+v, %v", e, err)
	}
}

// What this node sends while a member of the previous release is alive is,
// byte for byte, what that release wrote; what it sends otherwise, that
// release refuses.
func TestWriteProtocol1(t *testing.T) {
	now := time.Unix(1800000000, 0)
	aged := make([]Entry, len(fixtureEntries))
	for i, e := range fixtureEntries {
		e.Received = now.Add(-time.Hour)
		aged[i] = e
	}
	wantPP, wantEntry := readFixture(t, "push-pull.bin"), readFixture(t, "entry.bin")

	if got := encodePushPullV1(fixtureClock, aged); !bytes.Equal(got, wantPP) {
		t.Errorf("encodePushPullV1: %x", got)
	}
	current := encodePushPull(fixtureClock, aged, now)
	got, err := downgradePushPull(current, now)
	if err != nil || !bytes.Equal(got, wantPP) {
		t.Errorf("downgradePushPull: %x, %v", got, err)
	}
	if got, err := downgradePushPull(wantPP, now); err != nil || !bytes.Equal(got, wantPP) {
		t.Errorf("downgradePushPull of protocol 1: %x, %v", got, err)
	}
	if _, _, err := oldDecodePushPull(current); err == nil {
		t.Error("the previous release read a push/pull state of protocol 2")
	}

	msg := encodeEntryMsg(aged[0], now)
	if got := downgradeEntryMsg(msg); !bytes.Equal(got, wantEntry) {
		t.Errorf("downgradeEntryMsg: %x", got)
	}
	if _, err := oldDecodeEntryMsg(msg[1:]); err == nil {
		t.Error("the previous release read an entry message of protocol 2")
	}

	// Messages other than entries, and entries already in protocol 1, pass
	// as they are: their layouts did not change.
	for _, other := range [][]byte{
		wantEntry,
		encodeLeaveMsg("n3"),
		encodeKeyRequest(keyRequest{ID: 1, From: "n1", Op: keyUse, Token: "swarm1-x"}),
		encodeKeyResponse(keyResponse{ID: 1, From: "n2"}),
		{},
	} {
		if got := downgradeEntryMsg(other); !bytes.Equal(got, other) {
			t.Errorf("downgradeEntryMsg(%x) = %x", other, got)
		}
	}
}

// An entry message of either protocol reads back whole; one of protocol 1
// counts as received on arrival, one of protocol 2 keeps its age; the first
// release reads the downgraded one.
func TestEntryMessagesOfBothProtocols(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		e := Entry{
			Key:      rapid.String().Draw(t, "key"),
			Value:    rapid.SliceOf(rapid.Byte()).Draw(t, "value"),
			Version:  Version{Time: rapid.Uint64().Draw(t, "time"), Node: rapid.String().Draw(t, "node")},
			Deleted:  rapid.Bool().Draw(t, "deleted"),
			Modified: time.Unix(0, rapid.Int64().Draw(t, "modified")),
		}
		sent := time.Unix(1_800_000_000, 0)
		age := time.Duration(rapid.Int64Range(0, int64(1000*time.Hour)).Draw(t, "age"))
		e.Received = sent.Add(-age)
		received := sent.Add(time.Duration(rapid.Int64Range(-int64(24*time.Hour), int64(24*time.Hour)).Draw(t, "skew")))

		current := encodeEntryMsg(e, sent)
		got, err := decodeAnyEntryMsg(current[1:], received)
		if err != nil || !sameEntry(got, e) || !got.Received.Equal(received.Add(-age)) {
			t.Fatalf("protocol 2: %+v, %v", got, err)
		}
		old := downgradeEntryMsg(current)
		got, err = decodeAnyEntryMsg(old[1:], received)
		if err != nil || !sameEntry(got, e) || !got.Received.Equal(received) {
			t.Fatalf("protocol 1: %+v, %v", got, err)
		}
		read, err := oldDecodeEntryMsg(old[1:])
		if err != nil || !sameEntry(read, e) {
			t.Fatalf("the previous release read %+v, %v", read, err)
		}
	})
}

// Metadata and push/pull states of a later release are told apart from
// damage, so that the member can be named.
func TestNewerProtocolIsRecognised(t *testing.T) {
	var newer *newerProtocolError
	meta, err := decodeMeta([]byte{metaVersion + 1, 0, 0, 0})
	if !errors.As(err, &newer) || meta.Version != metaVersion+1 {
		t.Fatalf("metadata: %+v, %v", meta, err)
	}
	m, err := fromNode(&memberlist.Node{Name: "n9", Addr: net.ParseIP("127.0.0.9"), Port: 7946, Meta: []byte{metaVersion + 1}})
	if !errors.As(err, &newer) || m.protocol != protocolCurrent+1 || m.Rank != 0 {
		t.Fatalf("member: %+v, %v", m, err)
	}
	if _, _, err := decodePushPull([]byte{pushPullVersion + 1, 0, 0}, time.Now()); !errors.As(err, &newer) {
		t.Fatalf("push/pull: %v", err)
	}
	if _, _, err := decodePushPull([]byte{0, 0, 0}, time.Now()); err == nil || errors.As(err, &newer) {
		t.Fatalf("push/pull version 0: %v", err)
	}
}

func TestLeaderWhileOlderMemberAlive(t *testing.T) {
	t0 := time.Unix(1700000000, 0)
	alive := func(name string, protocol uint8, rank uint64, started time.Time) Member {
		return Member{Name: name, State: StateAlive, protocol: protocol, Rank: rank, Started: started}
	}
	dead := func(m Member) Member { m.State = StateDead; return m }
	newA := alive("new-a", protocolCurrent, 1, t0.Add(-time.Hour))
	newB := alive("new-b", protocolCurrent, 2, t0)
	oldB := alive("old-b", protocolV1, 0, t0.Add(2*time.Second))
	oldC := alive("old-c", protocolV1, 0, t0.Add(time.Second))
	tests := []struct {
		name    string
		members []Member
		want    string
	}{
		{"the older members' oldest leads, whatever the ranks and start times of the others", []Member{newA, newB, oldB, oldC}, "old-c"},
		{"the next older member when the oldest is dead", []Member{newA, newB, oldB, dead(oldC)}, "old-b"},
		{"by rank once every older member is dead", []Member{newA, newB, dead(oldB), dead(oldC)}, "new-a"},
		{"the name breaks a tie of start times", []Member{newA, alive("old-z", protocolV1, 0, t0), alive("old-y", protocolV1, 0, t0)}, "old-y"},
		{"unreadable metadata is no older release", []Member{newB, alive("x", 0, 0, t0.Add(-time.Hour))}, "new-b"},
		{"a newer release does not stop this one leading", []Member{newB, alive("next", protocolCurrent+1, 0, t0)}, "new-b"},
		{"older members only", []Member{oldB, oldC}, "old-c"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := chooseLeader(tt.members); got != tt.want {
				t.Fatalf("leader %q, want %q", got, tt.want)
			}
		})
	}
}

// A node of this release next to one of the previous release, on real
// memberlist: neither new node leads, the older one does, the store
// replicates both ways, and the older node is named once in an error. When it
// comes back upgraded, the leader is chosen by rank again.
func TestOlderReleaseLeadsAndTheStoreStaysWhole(t *testing.T) {
	logs := &logCapture{}
	nodes := startCluster(t, 2, func(c *Config) {
		if c.NodeName == "n0" {
			c.Logger = logs.logger()
		}
	})
	n0, n1 := nodes[0], nodes[1]
	if _, err := n0.Put("before", []byte("written by this release")); err != nil {
		t.Fatal(err)
	}
	waitValue(t, nodes, "before", []byte("written by this release"))

	old := startOldPeer(t, "old-1", n0.JoinToken(), n0.Addr(), time.Now(), 0,
		Entry{Key: "from-old", Value: []byte("1"), Version: Version{Time: 1, Node: "old-1"}, Modified: time.Now()})
	waitAlive(t, nodes, 3)
	waitFor(t, 15*time.Second, "both nodes of this release follow the older node", func() bool {
		return n0.Leader() == "old-1" && n1.Leader() == "old-1" && !n0.leading.Load() && !n1.leading.Load()
	})
	if m := memberOf(t, n1, "old-1"); m.protocol != protocolV1 {
		t.Fatalf("n1 sees old-1 speak protocol %d", m.protocol)
	}

	waitValue(t, nodes, "from-old", []byte("1"))
	waitFor(t, 15*time.Second, "the older node holds what this release wrote before it joined", func() bool {
		_, ok := old.value("before")
		return ok
	})
	if _, err := n1.Put("from-new", []byte("2")); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 15*time.Second, "the older node reads a write of this release", func() bool {
		v, ok := old.value("from-new")
		return ok && string(v) == "2"
	})
	old.put("from-old-later", []byte("3"))
	waitValue(t, nodes, "from-old-later", []byte("3"))
	// Writes may also travel by gossip: the push/pull states must be readable
	// to the older node in their own right.
	waitFor(t, 15*time.Second, "the older node reads a push/pull state of this release", func() bool {
		merged, _, _ := old.counts()
		return merged > 0
	})
	if _, _, droppedMsgs := old.counts(); droppedMsgs != 0 {
		t.Fatalf("the older node dropped %d entry messages", droppedMsgs)
	}

	// One error per node that joins, however often it gossips new metadata.
	old.setMeta(t, oldEncodeMeta(old.started, map[string]string{"api": "127.0.0.1:7071"}))
	waitFor(t, 15*time.Second, "n0 reads the older node's new metadata", func() bool {
		return memberOf(t, n0, "old-1").Meta["api"] == "127.0.0.1:7071"
	})
	recs := logs.records(t, "node old-1 runs an older podman-swarm (cluster protocol 1, this node speaks 2); upgrade every node")
	if len(recs) != 1 || recs[0]["level"] != "ERROR" || recs[0]["member"] != "old-1" {
		t.Fatalf("error records about old-1: %v", recs)
	}
	if got := logs.records(t, "every alive member speaks cluster protocol 2"); len(got) != 0 {
		t.Fatalf("logged the end of the upgrade too early: %v", got)
	}

	// Upgraded in place, it gossips ranked metadata, and the lowest rank leads.
	upgraded, err := encodeMeta(nodeMeta{Started: old.started, Rank: 1 << 40})
	if err != nil {
		t.Fatal(err)
	}
	old.setMeta(t, upgraded)
	waitFor(t, 15*time.Second, "the founder leads by rank again", func() bool {
		return n0.Leader() == "n0" && n1.Leader() == "n0" && n0.leading.Load()
	})
	if got := logs.records(t, "every alive member speaks cluster protocol 2: the leader is chosen by rank again"); len(got) != 1 {
		t.Fatalf("records of the end of the upgrade: %v", got)
	}
}

// Direct writes reach a member of the previous release as entry messages it
// reads, and it is never counted as confirming them: alone with it, a write
// that wants a confirmation fails at once naming it; with a member of this
// release beside it, that member confirms.
func TestDirectWritesReachOlderMembers(t *testing.T) {
	// No push/pull after the joins: only the direct sends can carry the
	// writes.
	noPushPull := func(c *Config) { c.PushPullInterval = time.Hour }
	n0 := startCluster(t, 1, noPushPull)[0]
	old := startOldPeer(t, "old-1", n0.JoinToken(), n0.Addr(), time.Now(), time.Hour)
	waitAlive(t, []*Node{n0}, 2)
	waitFor(t, 15*time.Second, "n0 knows old-1 speaks protocol 1", func() bool {
		return memberOf(t, n0, "old-1").protocol == protocolV1
	})
	ctx := context.Background()
	oldHas := func(what string, keys ...string) {
		t.Helper()
		waitFor(t, 15*time.Second, "old-1 holds "+what, func() bool {
			for _, k := range keys {
				if _, ok := old.value(k); !ok {
					return false
				}
			}
			return true
		})
	}

	_, err := n0.Write(ctx, []Change{{Key: "a", Value: []byte("1")}, {Key: "b", Value: []byte("2")}}, AckOne)
	var u *UnconfirmedError
	if !errors.As(err, &u) || !errors.Is(err, ErrNotConfirmed) || len(u.Confirmed) != 0 || len(u.Missing) != 1 ||
		!strings.HasPrefix(u.Missing[0], "old-1: runs an older podman-swarm (cluster protocol 1)") {
		t.Fatalf("write with only an older member: %v", err)
	}
	oldHas("the write it could not confirm", "a", "b")

	if _, err := n0.Write(ctx, []Change{{Key: "c", Value: []byte("3")}, {Key: "d", Value: []byte("4")}}, AckLocal); err != nil {
		t.Fatal(err)
	}
	oldHas("a write of several entries", "c", "d")

	cfg := fastConfig("n1", t.TempDir())
	cfg.Join, cfg.JoinToken = []string{n0.Addr()}, n0.JoinToken()
	noPushPull(&cfg)
	n1 := start(t, cfg)
	waitAlive(t, []*Node{n0, n1}, 3)
	if _, err := n0.Write(ctx, []Change{{Key: "e", Value: []byte("5")}}, AckOne); err != nil {
		t.Fatalf("write confirmed by n1: %v", err)
	}
	_, err = n0.Write(ctx, []Change{{Key: "f", Value: []byte("6")}}, AckAll)
	if !errors.As(err, &u) || len(u.Confirmed) != 1 || u.Confirmed[0] != "n1" || len(u.Missing) != 1 ||
		!strings.HasPrefix(u.Missing[0], "old-1: ") {
		t.Fatalf("write every member should confirm: %v", err)
	}
	oldHas("the writes n1 confirmed", "e", "f")
	if _, _, dropped := old.counts(); dropped != 0 {
		t.Fatalf("old-1 dropped %d messages", dropped)
	}
}
