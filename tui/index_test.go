package tui

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/tribune-live/tribune"
)

// TestIndexIncremental checks that the incrementally kept view always
// equals a full filter and sort, over random votes, status changes, edits,
// merges and changes of filter, order and search.
func TestIndexIncremental(t *testing.T) {
	// Compact the search corpus as soon as half of it is dead, so that the
	// edits below compact it many times.
	defer func(n int) { compactMin = n }(compactMin)
	compactMin = 0
	rng := rand.New(rand.NewPCG(1, 2))
	base := time.Date(2026, 11, 3, 20, 0, 0, 0, time.UTC)
	words := []string{"bus", "school", "budget", "library", "park", "tax"}
	sources := []string{tribune.SourceTwitch, tribune.SourceYouTube, tribune.SourceWeb, "", "fediverse"}
	channels := []string{"townhall", "party", ""}
	labels := []string{"", "", "transport", "schools"}
	x := newIndex()
	var all []tribune.Question
	for i := 1; i <= 300; i++ {
		all = append(all, tribune.Question{
			ID: i, Text: fmt.Sprintf("question %d about %s", i, words[rng.IntN(len(words))]),
			Author: fmt.Sprintf("user%d", rng.IntN(40)), Status: tribune.Statuses[rng.IntN(len(tribune.Statuses))],
			Source: sources[rng.IntN(len(sources))], Channel: channels[rng.IntN(len(channels))],
			Label: labels[rng.IntN(len(labels))],
			Votes: rng.IntN(10), Created: base.Add(time.Duration(rng.IntN(3600)) * time.Second),
		})
	}
	x.load(all[:200], true)
	check := func(step int) {
		t.Helper()
		var want []int
		counts := map[tribune.Status]int{}
		labelN, twitchN := map[string]int{}, map[string]int{}
		for _, e := range x.byID {
			counts[e.q.Status]++
			if e.q.Label != "" {
				labelN[e.q.Label]++
			}
			if (e.q.Source == tribune.SourceTwitch || e.q.Source == "") && e.q.Channel != "" {
				twitchN[e.q.Channel]++
			}
			if x.shows(e) {
				want = append(want, e.q.ID)
			}
		}
		if !maps.Equal(x.labelN, labelN) || !maps.Equal(x.twitchN, twitchN) {
			t.Fatalf("step %d: labelN=%v twitchN=%v, want %v %v", step, x.labelN, x.twitchN, labelN, twitchN)
		}
		if x.onAir != 0 && x.byID[x.onAir].q.Status != tribune.StatusOnAir {
			t.Fatalf("step %d: onAir=#%d, which is %s", step, x.onAir, x.byID[x.onAir].q.Status)
		}
		slices.SortFunc(want, func(a, b int) int {
			if x.less(&x.byID[a].q, &x.byID[b].q) {
				return -1
			}
			return 1
		})
		if got := viewIDs(t, x, x.view); !slices.Equal(got, want) {
			t.Fatalf("step %d: view=%v, want %v", step, got, want)
		}
		for o := range x.sorted {
			var all []int
			for id := range x.byID {
				all = append(all, id)
			}
			slices.SortFunc(all, func(a, b int) int { return order(o).cmp(&x.byID[a].q, &x.byID[b].q) })
			if got := viewIDs(t, x, x.sorted[o]); !slices.Equal(got, all) {
				t.Fatalf("step %d: sorted by %s=%v, want %v", step, order(o), got, all)
			}
		}
		for s, n := range counts {
			if x.counts[s] != n {
				t.Fatalf("step %d: counts[%s]=%d, want %d", step, s, x.counts[s], n)
			}
		}
	}
	check(0)
	next, typed := 201, 0
	for step := 1; step <= 5000; step++ {
		id := 1 + rng.IntN(next-1)
		q, _ := x.get(id)
		switch op := rng.IntN(100); {
		case op < 50:
			q.Votes = max(q.Votes+rng.IntN(5)-2, 0)
			x.put(q)
		case op < 70:
			q.Status = tribune.Statuses[rng.IntN(len(tribune.Statuses))]
			x.put(q)
		case op < 73:
			q.Text = "edited " + words[rng.IntN(len(words))]
			x.put(q)
		case op < 75:
			q.Label = labels[rng.IntN(len(labels))]
			x.put(q)
		case op < 80:
			q.MergedInto = 1 + rng.IntN(next-1)
			q.Status = tribune.StatusMerged
			x.put(q)
		case op < 85 && next <= len(all):
			x.put(all[next-1])
			next++
		case op < 88:
			x.setFilter(filters[rng.IntN(len(filters))])
		case op < 89:
			x.setSource(sourceFilters[rng.IntN(len(sourceFilters))])
		case op < 90:
			x.setLabel(append(labels, "gone")[rng.IntN(len(labels)+1)])
		case op < 95:
			x.setOrder(order(rng.IntN(2)))
		case op < 98:
			x.setSearch([]string{"", "bus", "SCHOOL", "user1", "#1"}[rng.IntN(5)])
		default:
			// Typing on and erasing, as in the search prompt: a longer
			// query narrows the last result in place.
			terms := []string{"u", "us", "use", "user", "user1", "user", "s", "sc", "sch", "b", "bu", "bus", "bus "}
			x.setSearch(terms[typed%len(terms)])
			typed++
		}
		check(step)
	}
}

// viewIDs returns the ids in a list, checking that each slot's copies
// match its entry.
func viewIDs(t *testing.T, x *index, ss []slot) []int {
	t.Helper()
	ids := make([]int, len(ss))
	for i, s := range ss {
		if want := x.labels.slot(s.e); s != want {
			t.Fatalf("slot of #%d: %+v, want %+v", s.e.q.ID, s, want)
		}
		ids[i] = s.e.q.ID
	}
	return ids
}

// benchIndex returns an index of n questions with the "open" filter.
func benchIndex(n int) (*index, []tribune.Question) {
	base := time.Date(2026, 11, 3, 20, 0, 0, 0, time.UTC)
	qs := make([]tribune.Question, n)
	for i := range qs {
		qs[i] = tribune.Question{ID: i + 1, Text: "a question", Author: "someone",
			Status: tribune.StatusApproved, Votes: i % 50, Created: base.Add(time.Duration(i) * time.Second)}
	}
	x := newIndex()
	x.load(qs, true)
	return x, qs
}

// BenchmarkIndexVote10k applies one vote to an index of 10 000 questions:
// the vote moves one id within the sorted view.
func BenchmarkIndexVote10k(b *testing.B) {
	x, qs := benchIndex(10000)
	i := 0
	for b.Loop() {
		q := qs[(i*7919)%len(qs)]
		q.Votes++
		qs[q.ID-1] = q
		x.put(q)
		i++
	}
}

// BenchmarkIndexResort10k is what a vote would cost if the view were
// rebuilt and sorted again: the baseline BenchmarkIndexVote10k avoids.
func BenchmarkIndexResort10k(b *testing.B) {
	x, _ := benchIndex(10000)
	for b.Loop() {
		x.rebuild()
	}
}
