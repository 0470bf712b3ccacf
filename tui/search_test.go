package tui

import (
	"slices"
	"testing"

	"github.com/tribune-live/tribune"
)

// TestCorpusMatch checks the one-sweep search against a search of each
// question's text alone: a match may not run from one question's text
// into the next one's, and edited texts are searched in their new form.
func TestCorpusMatch(t *testing.T) {
	qs := []tribune.Question{
		{ID: 1, Author: "Ann", AuthorLogin: "ann", Text: "Bus lanes ABC"},
		{ID: 2, Author: "Bob", AuthorLogin: "bob", Text: "abc school budget"},
		{ID: 3, Author: "Éloïse", AuthorLogin: "eloise", Text: "ÉCOLE et bus"},
		{ID: 70, Author: "Dan", AuthorLogin: "dan", Text: "park"},
	}
	x := newIndex()
	x.filter = filterAll
	x.load(qs, true)
	// #3's text changes: its old chunk must no longer match.
	edited := qs[2]
	edited.Text = "library hours"
	x.put(edited)
	tests := []struct {
		term string
		want []int
	}{
		{"bus", []int{1}},
		{"abc", []int{1, 2}},
		{"abc#2", nil},        // the end of #1 and the start of #2
		{"park", []int{70}},   // the last chunk, and an id beyond the first word of bits
		{"école", nil},        // the text before the edit
		{"éloïse", []int{3}},  // lower-cased author
		{"@eloise", []int{3}}, // login
		{"#70", []int{70}},
		{"library", []int{3}},
		{"zzz", nil},
	}
	for _, tt := range tests {
		t.Run(tt.term, func(t *testing.T) {
			x.setSearch(tt.term)
			got := viewIDs(t, x, x.view)
			slices.Sort(got)
			if !slices.Equal(got, tt.want) {
				t.Errorf("search %q: %v, want %v", tt.term, got, tt.want)
			}
			for _, q := range qs {
				e := x.byID[q.ID]
				if in := slices.Contains(got, q.ID); x.shows(e) != in {
					t.Errorf("search %q: shows(#%d)=%v, but in view=%v", tt.term, q.ID, x.shows(e), in)
				}
			}
		})
	}
}
