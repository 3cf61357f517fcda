package cluster

import (
	"testing"
	"time"
)

func TestChooseLeader(t *testing.T) {
	at := func(sec int64) time.Time { return time.Unix(sec, 0) }
	tests := []struct {
		name    string
		members []Member
		want    string
	}{
		{"none", nil, ""},
		{"oldest alive", []Member{
			{Name: "a", Started: at(3), State: StateAlive},
			{Name: "b", Started: at(1), State: StateAlive},
			{Name: "c", Started: at(2), State: StateAlive},
		}, "b"},
		{"dead and departed members never lead", []Member{
			{Name: "a", Started: at(1), State: StateDead},
			{Name: "b", Started: at(2), State: StateLeft},
			{Name: "c", Started: at(3), State: StateAlive},
		}, "c"},
		{"name breaks a tie", []Member{
			{Name: "n2", Started: at(1), State: StateAlive},
			{Name: "n1", Started: at(1), State: StateAlive},
		}, "n1"},
		{"unreadable metadata never leads", []Member{
			{Name: "a", Started: neverLeads, State: StateAlive},
			{Name: "b", Started: at(9), State: StateAlive},
		}, "b"},
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
