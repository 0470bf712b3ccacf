package match_test

import (
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	tribune "github.com/tribune-live/tribune"
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

// TestWordsHostile: each way the issue found to show a banned word on
// stream, and the ordinary text the ways of catching them must let pass.
func TestWordsHostile(t *testing.T) {
	w := match.NewWords("idiot", "Crétin", "free followers", "ass", "connard", "fuck", "bum", "дурак")
	tests := []struct {
		name, text string
		want       string // "" when nothing is banned
	}{
		{"RightToLeftOverride", "\u202Etoidi", "idiot"},
		{"RightToLeftOverrideInASentence", "what a \u202Etoidi\u202C you are", "idiot"},
		{"RightToLeftOverrideToTheEnd", "\u202E?toidi na rotaredom eht sI", "idiot"}, // shows "Is the moderator an idiot?"
		{"RightToLeftOverridePhrase", "get \u202Esrewollof eerf\u202C now", "free followers"},
		{"RightToLeftOverrideNested", "\u202Etoi\u202Bid\u202C", "idiot"},                                   // "toi" drawn reversed, then "id" as written on its left
		{"DeepOverrides", strings.Repeat("\u202E", 200) + "toidi" + strings.Repeat("\u202C", 300), "idiot"}, // past UAX #9's 125 levels
		{"SoftHyphen", "id\u00ADiot", "idiot"},
		{"SoftHyphenInAccentedWord", "quel cré\u00ADtin", "Crétin"},
		{"ZeroWidthCharacters", "i\u200Bd\u200Ci\u2060o\uFEFFt", "idiot"},
		{"BidiMarksInside", "id\u200Fi\u200Eot", "idiot"},
		{"CyrillicLetters", "\u0456d\u0456\u043Et", "idiot"},  // і, о
		{"CyrillicCapitals", "\u0406D\u0406\u041ET", "idiot"}, // І, О
		{"CyrillicCapitalDrawnLatin", "FUC\u041A", "fuck"},    // К: its lower case к is drawn like no Latin letter
		{"GreekCapitals", "\u0399D\u0399\u039FT", "idiot"},    // Ι, Ο
		{"StrokeForI", "\u01C0DIOT", "idiot"},                 // ǀ, a click letter
		{"FullWidth", "ＩＤＩＯＴ", "idiot"},
		{"MathematicalBold", "\U0001D422\U0001D41D\U0001D422\U0001D428\U0001D42D", "idiot"},
		{"Circled", "ⓘⓓⓘⓞⓣ", "idiot"},
		{"Zalgo", "i\u0336d\u0336i\u0336o\u0336t\u0336" + strings.Repeat("\u0301", 40), "idiot"},
		{"DotsBetweenLetters", "c.o.n.n.a.r.d", "connard"},
		{"SignsBetweenLetters", "i_d-i*o~t", "idiot"},
		{"HyphenInsideWord", "con-nard", "connard"},
		{"SpacedLetters", "i d i o t", "idiot"},
		{"SpacedLettersWithDots", "I. D. I. O. T.", "idiot"},
		{"SpacedLettersWithSigns", "a - s - s", "ass"},
		{"DottedPhrase", "f.r.e.e f.o.l.l.o.w.e.r.s", "free followers"},
		{"Mixed", "ｉ\u00ADd.\u0456.\u043E\u200Bt", "idiot"},
		{"CyrillicWordAnyCase", "ДУРАК", "дурак"},
		{"CyrillicWordWithALatinLetter", "дурaк", "дурак"}, // Latin a for а
		// What must pass.
		{"WholeWordsOnly", "What about the class sizes?", ""},
		{"WordContainingABannedOne", "Passing the assembly vote", ""},
		{"DottedOrdinaryWord", "a.s.s.e.m.b.l.y", ""},
		{"SpacedWordsAreNotJoined", "con nard", ""},
		{"DottedWordsApart", "c.o.n n.a.r.d", ""},
		{"TwoSingleLettersAreNotAWord", "Is it plan a s well?", ""},
		{"ASCIIIsTakenAsWritten", "Will you burn the old budget?", ""}, // UTS #39 reads "rn" as "m"
		{"FrenchSingleLetters", "Y a-t-il un plan ? Il y a un bus", ""},
		{"Abbreviations", "Will the U.S. fund the E.U. bus line?", ""},
		{"IsolateDoesNotReverseLatin", "\u2067toidi\u2069", ""},
		{"OverrideUndoneInside", "\u202E\u202Dtoidi\u202C\u202C", ""},
		{"ReversedWithoutOverride", "toidi", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, found := w.Find(tt.text)
			if found != (tt.want != "") || got != tt.want {
				t.Errorf("Find(%+q)=%q,%v, want %q", tt.text, got, found, tt.want)
			}
		})
	}
}

// TestWordsFindCleanText: the Service may give Find the stored text. What
// that text shows is what Find reads: every bypass that still shows the
// word once cleaned is refused in the cleaned text too.
func TestWordsFindCleanText(t *testing.T) {
	w := match.NewWords("idiot", "connard")
	for _, text := range []string{
		"id\u00ADiot", "i\u200Bd\u200Ci\u2060o\uFEFFt", "\u0456d\u0456\u043Et", "ＩＤＩＯＴ",
		"i\u0336d\u0336i\u0336o\u0336t\u0336", "c.o.n.n.a.r.d", "i d i o t", "\u202Bidiot\u202C",
		"i\U000E0000d\u034Fiot",
	} {
		clean := tribune.CleanText(text)
		if _, found := w.Find(clean); !found {
			t.Errorf("Find(CleanText(%+q) = %+q): not found", text, clean)
		}
	}
}

// TestWordsListSkeleton: the list goes through the same skeleton as the
// text, whatever script or form its entries are written in.
func TestWordsListSkeleton(t *testing.T) {
	w := match.NewWords("ＩＤＩＯＴ", "\u0441\u043E\u043D", "scum\u00ADbag") // full-width; Cyrillic с, о and н; a soft hyphen
	for text, want := range map[string]string{
		"what an idiot":      "ＩＤＩＯＴ",
		"SCUMBAG":            "scumbag", // returned cleaned
		"\u0441\u043E\u043D": "\u0441\u043E\u043D",
		"СОН":                "\u0441\u043E\u043D",
	} {
		if got, found := w.Find(text); !found || got != want {
			t.Errorf("Find(%+q)=%q,%v, want %q", text, got, found, want)
		}
	}
}

// BenchmarkWordsFind measures Find with a list of 2 000 words and phrases
// on the questions chat sends: ASCII, French, and hostile text.
func BenchmarkWordsFind(b *testing.B) {
	rng := rand.New(rand.NewPCG(7, 8))
	list := make([]string, 2000)
	for i := range list {
		n := 4 + rng.IntN(6)
		word := make([]byte, n)
		for k := range word {
			word[k] = byte('a' + rng.IntN(26))
		}
		list[i] = string(word)
		if i%10 == 9 {
			list[i] += " " + list[i-1] // a phrase
		}
	}
	list = append(list, "idiot", "crétin")
	w := match.NewWords(list...)
	for _, bt := range []struct{ name, text string }{
		{"ASCII", "Will the new tram line reach the north district before the 2027 elections?"},
		{"French", "Est-ce que la médiathèque ouvrira le dimanche, même l'été ? Les élèves en ont besoin."},
		{"Hostile", "Le maire est un c.r.é.t.i.n, un \u0456d\u0456\u043Et et un \u202Etoidi\u202C, non ?"},
	} {
		b.Run(bt.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				w.Find(bt.text)
			}
		})
	}
}

// FuzzWordsReadsWhatCleanTextShows: Find given the text as received finds
// whatever it finds in the text as stored (tribune.CleanText), so that the
// Service can give it the text as received.
func FuzzWordsReadsWhatCleanTextShows(f *testing.F) {
	w := match.NewWords("idiot", "free followers", "ass", "crétin")
	for _, s := range []string{
		"id\u00ADiot", "i     d     i o t", "a\u3000 s \u00A0s", "\u202Etoidi", "f.r.e.e  f.o.l.l.o.w.e.r.s",
		"cre\u0301\u0301\u0301\u0301tin", "i\xffd\u200Diot", "\u0456d\u0456\u043Et", "a\u0085s\ts", "ＩＤＩＯＴ",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		// s as it is, and s between the letters of a banned word: random
		// text rarely spells one.
		for _, text := range []string{s, "i" + s + "d" + s + "i" + s + "o" + s + "t", "free" + s + "followers"} {
			clean := tribune.CleanText(text)
			if word, found := w.Find(clean); found {
				if _, found := w.Find(text); !found {
					t.Errorf("Find(%+q) found nothing; Find of its cleaning %+q found %q", text, clean, word)
				}
			}
		}
	})
}
