package cluster

import "testing"

func TestJoinRank(t *testing.T) {
	tests := []struct {
		name    string
		clock   uint64
		members []Member
		want    uint64
	}{
		{"alone: past the clock", 7, nil, 8},
		{"past every rank seen", 3, []Member{{Name: "a", Rank: 2}, {Name: "b", Rank: 9}}, 10},
		{"the clock is further", 20, []Member{{Name: "a", Rank: 2}}, 21},
		{"unranked members count for nothing", 1, []Member{{Name: "a"}}, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := joinRank(tt.clock, tt.members); got != tt.want {
				t.Errorf("joinRank = %d, want %d", got, tt.want)
			}
		})
	}
}

func TestKeepsRank(t *testing.T) {
	self := Member{Name: "me", Rank: 1, State: StateAlive, leading: true}
	tests := []struct {
		name      string
		persisted uint64
		members   []Member
		want      bool
	}{
		{"no rank to keep", 0, []Member{self}, false},
		{"alone", 1, []Member{self}, true},
		{"nobody else leads: a quick restart", 1, []Member{self, {Name: "b", Rank: 5, State: StateAlive}}, true},
		{"another leads", 1, []Member{self, {Name: "b", Rank: 5, State: StateAlive, leading: true}}, false},
		{"a dead member's claim counts for nothing", 1, []Member{self, {Name: "b", Rank: 5, State: StateDead, leading: true}}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := keepsRank(tt.persisted, tt.members, "me"); got != tt.want {
				t.Errorf("keepsRank = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestRankFile(t *testing.T) {
	dir := t.TempDir()
	if r, err := loadRank(dir); r != 0 || err != nil {
		t.Fatalf("no file: %d %v", r, err)
	}
	if err := saveRank(dir, 42); err != nil {
		t.Fatal(err)
	}
	if r, err := loadRank(dir); r != 42 || err != nil {
		t.Fatalf("got %d %v", r, err)
	}
}
