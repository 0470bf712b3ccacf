package tui

import (
	"cmp"
	"slices"

	"github.com/tribune-live/tribune"
)

// order is how the queue is sorted.
type order int

const (
	byVotes order = iota // most votes first, older first among equals
	byAge                // oldest first: the order questions arrived in
)

func (o order) String() string {
	if o == byAge {
		return "age"
	}
	return "votes"
}

// cmp orders a before b (-1) or after it (1) in order o; ids break ties,
// so two questions are never equal.
func (o order) cmp(a, b *tribune.Question) int {
	if o == byAge {
		if c := a.Created.Compare(b.Created); c != 0 {
			return c
		}
	} else if a.Votes != b.Votes {
		if a.Votes > b.Votes {
			return -1
		}
		return 1
	}
	return cmp.Compare(a.ID, b.ID)
}

// filter selects the questions the queue shows: a status, or one of the
// two groups below.
type filter string

const (
	filterOpen filter = "open" // pending, approved, on air, hidden: still in play
	filterAll  filter = "all"
)

// filters lists the filters in the order tab cycles through them.
var filters = func() []filter {
	fs := []filter{filterOpen}
	for _, s := range tribune.Statuses {
		fs = append(fs, filter(s))
	}
	return append(fs, filterAll)
}()

// mask returns the set of status codes f lets through, a bit per code.
func (f filter) mask() uint32 {
	var m uint32
	for c := range len(tribune.Statuses) + 1 {
		var s tribune.Status // a status this console does not know
		if c < len(tribune.Statuses) {
			s = tribune.Statuses[c]
		}
		if f.match(s) {
			m |= 1 << c
		}
	}
	return m
}

func (f filter) match(s tribune.Status) bool {
	switch f {
	case filterAll:
		return true
	case filterOpen:
		return s.Open()
	}
	return tribune.Status(f) == s
}

// statusCode numbers s by its place in tribune.Statuses; statuses unknown to
// this console (a newer server) share the number after the last.
func statusCode(s tribune.Status) uint8 {
	for i, v := range tribune.Statuses {
		if v == s {
			return uint8(i)
		}
	}
	return uint8(len(tribune.Statuses))
}

// next returns the filter d steps after f in filters.
func (f filter) next(d int) filter {
	i := slices.Index(filters, f)
	n := len(filters)
	return filters[((i+d)%n+n)%n]
}

// sourceFilters lists the source filters p cycles through: every source,
// then each platform.
var sourceFilters = []string{"", tribune.SourceTwitch, tribune.SourceYouTube, tribune.SourceWeb}

// sourceCode numbers a question's source for the source filter. An empty
// source (a server from before sources) is Twitch, as it is for an Actor;
// sources unknown to this console share the number after the last.
func sourceCode(s string) uint8 {
	switch s {
	case tribune.SourceTwitch, "":
		return 0
	case tribune.SourceYouTube:
		return 1
	case tribune.SourceWeb:
		return 2
	case tribune.SourceConsole:
		return 3
	}
	return 4
}
