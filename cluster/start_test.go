package cluster

import (
	"slices"
	"strings"
	"testing"
)

func TestStartTokens(t *testing.T) {
	a, _ := newToken()
	b, _ := newToken()
	fresh := func() (string, error) { return "fresh", nil }
	tests := []struct {
		name       string
		persisted  []string
		configured string
		joining    bool
		want       []string
		fallback   string
		err        string
	}{
		{name: "founder", want: []string{"fresh"}},
		{name: "founder with a chosen token", configured: a, want: []string{a}},
		{name: "joiner", configured: a, joining: true, want: []string{a}},
		{name: "joiner without token", joining: true, err: "no join token"},
		{name: "joiner with a malformed token", configured: "hunter2", joining: true, err: "read join token"},
		{name: "former member keeps its keyring", persisted: []string{b}, joining: true, want: []string{b}},
		{name: "former member, same token configured", persisted: []string{a}, configured: a, want: []string{a}},
		{name: "former member, another token configured", persisted: []string{b}, configured: a, joining: true,
			want: []string{b}, fallback: a},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, fallback, err := startTokens(tt.persisted, tt.configured, tt.joining, fresh)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err = %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, tt.want) || fallback != tt.fallback {
				t.Fatalf("got %v fallback %q, want %v fallback %q", got, fallback, tt.want, tt.fallback)
			}
		})
	}
}
