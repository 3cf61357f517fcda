package netalloc

import (
	"fmt"
	"strconv"
	"strings"
)

// PortRange is an inclusive range of ports, "30000-32767".
type PortRange struct {
	First, Last int32
}

// ParsePortRange reads "FIRST-LAST" (or a single port "N"), both ends between 1 and 65535
// and FIRST no larger than LAST.
func ParsePortRange(s string) (PortRange, error) {
	first, last, found := strings.Cut(strings.TrimSpace(s), "-")
	if !found {
		last = first
	}
	a, errA := strconv.ParseInt(strings.TrimSpace(first), 10, 32)
	b, errB := strconv.ParseInt(strings.TrimSpace(last), 10, 32)
	if errA != nil || errB != nil {
		return PortRange{}, fmt.Errorf("%q is not a port range: want FIRST-LAST, such as 30000-32767", s)
	}
	if a < 1 || a > 65535 || b < 1 || b > 65535 {
		return PortRange{}, fmt.Errorf("%q is outside the ports 1-65535", s)
	}
	if a > b {
		return PortRange{}, fmt.Errorf("%q ends before it starts: give the lower port first", s)
	}
	return PortRange{First: int32(a), Last: int32(b)}, nil
}

// MustParsePortRange is ParsePortRange for constants; a bad one is a programming error.
func MustParsePortRange(s string) PortRange {
	r, err := ParsePortRange(s)
	if err != nil {
		panic(err)
	}
	return r
}

// String spells the range as ParsePortRange reads it.
func (r PortRange) String() string { return fmt.Sprintf("%d-%d", r.First, r.Last) }

// Contains reports whether port p is in the range.
func (r PortRange) Contains(p int32) bool { return p >= r.First && p <= r.Last }

// Size is the number of ports in the range; 0 for the zero range.
func (r PortRange) Size() int {
	if r.Last < r.First || r.First == 0 {
		return 0
	}
	return int(r.Last-r.First) + 1
}

// Overlaps reports whether two ranges share a port.
func (r PortRange) Overlaps(o PortRange) bool {
	return r.Size() > 0 && o.Size() > 0 && r.First <= o.Last && o.First <= r.Last
}
