package tui

import (
	"testing"

	"github.com/tribune-live/tribune/match"
)

// TestAlike checks the meaning the console relies on for a wave (w): the
// same question but for numbers, punctuation, emoji, case, accents and
// spacing, as match.Alike says.
func TestAlike(t *testing.T) {
	tests := []struct {
		a, b string
		want bool
	}{
		{"FREE followers 1 at spam dot example!!", "free followers 22 at SPAM dot example", true},
		{"FREE followers 1 at spam dot example!!", "Free   followers #3 at spam dot exámple.", true},
		{"Quand rouvre la piscine ?", "quand rouvre la PISCINE", true},
		{"École fermée en 2026 ?", "ecole fermee en 2027", true},
		{"vote for me 🔥🔥", "VOTE for me 🔥🔥 123", true},
		{"vote for me 🔥", "vote for me", true},
		{"What about taxes?", "What about schools?", false},
		{"Will taxes rise?", "Will taxes not rise?", false},
		{"🔥🔥", "💩", false},
		{"", "", false}, // nothing to go by: no wave
	}
	for _, tt := range tests {
		if got := match.Alike(tt.a, tt.b); got != tt.want {
			t.Errorf("alike(%q, %q)=%v, want %v", tt.a, tt.b, got, tt.want)
		}
		if got := match.Alike(tt.b, tt.a); got != tt.want {
			t.Errorf("alike(%q, %q)=%v, want %v", tt.b, tt.a, got, tt.want)
		}
	}
}
