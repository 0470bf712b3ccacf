package match_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/tribune-live/tribune/match"
)

func TestWords(t *testing.T) {
	path := filepath.Join(t.TempDir(), "banned.txt")
	list := "# Banned words, one per line\n\nidiot\nCrétin\n  scumbag  \nfree followers\n# ass is only banned as a word\nass\n"
	if err := os.WriteFile(path, []byte(list), 0o600); err != nil {
		t.Fatal(err)
	}
	w, err := match.LoadWords(path)
	if err != nil {
		t.Fatalf("LoadWords: %v", err)
	}
	if n := w.Len(); n != 5 {
		t.Errorf("Len=%d, want 5", n)
	}
	tests := []struct {
		text string
		want string // "" when nothing is banned
	}{
		{"Why is the mayor an idiot?", "idiot"},
		{"Why is the mayor an IDIOT?", "idiot"},
		{"why is the mayor an Idiot!!", "idiot"},
		{"Le maire est un crétin", "Crétin"},
		{"Le maire est un cretin", "Crétin"},
		{"LE MAIRE EST UN CRÉTIN", "Crétin"},
		{"le maire, ce cre\u0301tin", "Crétin"}, // decomposed accent
		{"l'idiot du village", "idiot"},
		{"ｉｄｉｏｔ", "idiot"}, // full-width letters
		{"what a scumbag", "scumbag"},
		{"FREE   FOLLOWERS at bit.ly", "free followers"},
		{"free-followers", "free followers"},
		{"followers for free", ""},
		{"free the followers", ""},
		{"idiots", ""}, // whole words only
		{"idiotic", ""},
		{"What about the class sizes?", ""},
		{"Passing the assembly vote", ""},
		{"kiss my ass", "ass"},
		{"Quelle idée", ""},
		{"", ""},
	}
	for _, tt := range tests {
		t.Run(tt.text, func(t *testing.T) {
			got, found := w.Find(tt.text)
			if found != (tt.want != "") || got != tt.want {
				t.Errorf("Find(%q)=%q,%v, want %q", tt.text, got, found, tt.want)
			}
		})
	}
}

func TestLoadWordsMissing(t *testing.T) {
	if _, err := match.LoadWords(filepath.Join(t.TempDir(), "none.txt")); err == nil {
		t.Error("LoadWords of a missing file: no error")
	}
}

func TestWordsEmpty(t *testing.T) {
	var w *match.Words
	if _, found := w.Find("anything"); found {
		t.Error("nil Words found a word")
	}
	if _, found := match.NewWords("", "  ", "!!").Find("!! anything"); found {
		t.Error("Words without letters found a word")
	}
}
