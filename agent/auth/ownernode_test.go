package auth

import "testing"

// A node's own token is told by its CreatedBy and the description the node gave it;
// tokens made through the API are nobody's own, even where the API checks no tokens
// and records the node's name as their maker.
func TestOwnerNode(t *testing.T) {
	tests := []struct {
		rec  TokenRecord
		want string
	}{
		{TokenRecord{CreatedBy: "n2", Description: ownTokenDescription("n2")}, "n2"},
		{TokenRecord{CreatedBy: "n1", Description: founderTokenDescription("n1")}, "n1"},
		{TokenRecord{CreatedBy: "n3", Description: registeredAgainDescription("n3")}, "n3"},
		{TokenRecord{CreatedBy: "token 0123456789abcdef", Description: "node n2"}, ""},
		{TokenRecord{CreatedBy: "n1", Description: "deploys from CI"}, ""},
		{TokenRecord{CreatedBy: "n1", Description: ownTokenDescription("n2")}, ""},
		{TokenRecord{}, ""},
	}
	for _, tt := range tests {
		if got := ownerNode(tt.rec); got != tt.want {
			t.Errorf("ownerNode(%+v) = %q, want %q", tt.rec, got, tt.want)
		}
	}
}
