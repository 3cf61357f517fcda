package follow

// Kind is how an item of a list differs between two states.
type Kind int

// The kinds of Change.
const (
	Added Kind = iota
	Changed
	Removed
)

// Change is an item of a list, by key, that is not the same in two states.
type Change[E any] struct {
	Key      string
	Kind     Kind
	Old, New E // the zero E where the item is absent
}

// Diff lists the items added to, changed in and removed from a list between two states, one
// change a key: the added and changed ones in the order of after, then the removed ones in
// the order of before. same says whether an item present in both is unchanged.
func Diff[E any](before, after []E, key func(E) string, same func(a, b E) bool) []Change[E] {
	old := make(map[string]E, len(before))
	for _, e := range before {
		old[key(e)] = e
	}
	var out []Change[E]
	seen := make(map[string]bool, len(after))
	for _, e := range after {
		k := key(e)
		if seen[k] {
			continue
		}
		seen[k] = true
		prev, ok := old[k]
		switch {
		case !ok:
			out = append(out, Change[E]{Key: k, Kind: Added, New: e})
		case !same(prev, e):
			out = append(out, Change[E]{Key: k, Kind: Changed, Old: prev, New: e})
		}
	}
	for _, e := range before {
		if k := key(e); !seen[k] {
			seen[k] = true
			out = append(out, Change[E]{Key: k, Kind: Removed, Old: old[k]})
		}
	}
	return out
}
