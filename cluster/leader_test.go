package cluster

import (
	"testing"
	"time"
)

func TestChooseLeader(t *testing.T) {
	tests := []struct {
		name    string
		members []Member
		want    string
	}{
		{"none", nil, ""},
		{"lowest rank alive", []Member{
			{Name: "a", Rank: 3, State: StateAlive},
			{Name: "b", Rank: 1, State: StateAlive},
			{Name: "c", Rank: 2, State: StateAlive},
		}, "b"},
		{"dead and departed members never lead", []Member{
			{Name: "a", Rank: 1, State: StateDead},
			{Name: "b", Rank: 2, State: StateLeft},
			{Name: "c", Rank: 3, State: StateAlive},
		}, "c"},
		{"name breaks a tie", []Member{
			{Name: "n2", Rank: 1, State: StateAlive},
			{Name: "n1", Rank: 1, State: StateAlive},
		}, "n1"},
		{"unreadable metadata never leads", []Member{
			{Name: "a", Rank: 0, State: StateAlive},
			{Name: "b", Rank: 9, State: StateAlive},
		}, "b"},
		{"the start time decides nothing", []Member{
			{Name: "a", Rank: 2, Started: time.Unix(1, 0), State: StateAlive},
			{Name: "b", Rank: 1, Started: time.Unix(9, 0), State: StateAlive},
		}, "b"},
		{"unranked members lead only among themselves", []Member{
			{Name: "b", State: StateAlive},
			{Name: "a", State: StateAlive},
		}, "a"},
		{"nobody alive", []Member{{Name: "a", State: StateDead}}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := chooseLeader(tt.members); got != tt.want {
				t.Errorf("chooseLeader = %q, want %q", got, tt.want)
			}
		})
	}
}
