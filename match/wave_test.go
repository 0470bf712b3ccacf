package match_test

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/tribune-live/tribune/match"
)

func TestAlike(t *testing.T) {
	tests := []struct {
		name string
		a, b string
		want bool
	}{
		{"Same", "What about the rent?", "What about the rent?", true},
		{"NumberAppended", "What about the rent?", "What about the rent? 4821", true},
		{"NumbersEverywhere", "#1 question: the rent", "question 77 the rent 2026", true},
		{"Punctuation", "What about the rent?", "what about... the rent!!!", true},
		{"Case", "What about the rent?", "WHAT ABOUT THE RENT", true},
		{"ExtraSpaces", "What about   the rent", "  What about the rent ", true},
		{"Emoji", "What about the rent 🙏🙏", "What about the rent", true},
		{"InvisibleCharacters", "What\u200B about the r\u00ADent\U000E0000", "What about the rent", true},
		{"Lookalikes", "Wh\u0430t \u0430bout the rent", "What about the rent", true}, // Cyrillic а
		{"FullWidth", "ｗｈａｔ ａｂｏｕｔ ｔｈｅ ｒｅｎｔ", "What about the rent", true},
		{"FrenchAccents", "Que faites-vous pour l'école ?", "que faites vous pour l ecole 4821", true},
		{"FrenchCase", "LA MÉDIATHÈQUE OUVRIRA-T-ELLE LE DIMANCHE ?", "La médiathèque ouvrira-t-elle le dimanche ?", true},
		{"FrenchLigature", "Et le cœur de ville ?", "et le coeur de ville", true},
		{"FrenchApostrophes", "Qu’en est-il de l’A69 ?", "Qu'en est-il de l'A70 ?", true}, // numbers set aside, whole
		{"NumberWords", "Ⅻ questions ① about ²the rent", "questions about the rent", true},
		{"WordAdded", "What about the rent?", "What about the rent now?", false},
		{"WordDropped", "What about the rent?", "What about rent?", false},
		{"Plural", "What about the rent?", "What about the rents?", false},
		{"Negation", "Will you raise taxes?", "Will you not raise taxes?", false},
		{"Order", "Pour ou contre ?", "Contre ou pour ?", false},
		{"FrenchDifferentWord", "Et la piscine ?", "Et la patinoire ?", false},
		{"JoinedWords", "the rapist", "therapist", false},
		{"OnlyNumbers", "123", "456", false},
		{"OnlyEmoji", "🎉", "🎉", false},
		{"Empty", "", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := match.Alike(tt.a, tt.b); got != tt.want {
				t.Errorf("Alike(%q, %q)=%v, want %v (keys %q, %q)", tt.a, tt.b, got, tt.want, match.WaveKey(tt.a), match.WaveKey(tt.b))
			}
			if got := match.Alike(tt.b, tt.a); got != tt.want {
				t.Errorf("Alike(%q, %q)=%v, want %v", tt.b, tt.a, got, tt.want)
			}
		})
	}
}

func TestWaveKey(t *testing.T) {
	for text, want := range map[string]string{
		"Que faites-vous pour l'école ? 4821": "que faites vous pour l ecole",
		"  WHAT about the RENT 12!! 🙏":        "what about the rent",
		"rent2026please":                      "rent please",
		"123 456":                             "",
		"":                                    "",
	} {
		if got := match.WaveKey(text); got != want {
			t.Errorf("WaveKey(%q)=%q, want %q", text, got, want)
		}
	}
}

// TestWaveKeyGroupsAWave: the incident of the issue, 773 entries of one
// question with a random number (and noise) among 5 000: grouping by key
// puts the wave, and only the wave, in one group.
func TestWaveKeyGroupsAWave(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	texts, wave := waveQueue(rng, 5000, 773)
	groups := map[string][]int{}
	for i, text := range texts {
		if k := match.WaveKey(text); k != "" {
			groups[k] = append(groups[k], i)
		}
	}
	var biggest []int
	for _, g := range groups {
		if len(g) > len(biggest) {
			biggest = g
		}
	}
	if len(biggest) != len(wave) {
		t.Fatalf("biggest group has %d questions, want the wave's %d", len(biggest), len(wave))
	}
	for _, i := range biggest {
		if !wave[i] {
			t.Errorf("question %d (%q) grouped with the wave", i, texts[i])
		}
	}
	for k, g := range groups {
		if len(g) > 1 && len(g) != len(wave) {
			t.Errorf("group %q of %d questions: the other questions are all different", k, len(g))
		}
	}
}

// waveQueue returns n questions, wave of which are one question with noise
// (marked in the map), the others all different.
func waveQueue(rng *rand.Rand, n, wave int) ([]string, map[int]bool) {
	topics := []string{"rent", "tram", "taxes", "pool", "library", "school", "park", "bridge", "police", "budget", "housing", "trees"}
	noise := []string{"", "?", "!!", " ?", "...", " 🙏"}
	in := map[int]bool{}
	texts := make([]string, n)
	for i := range texts {
		if i%(n/wave) == 0 && len(in) < wave {
			in[i] = true
			q := "Why is the mayor hiding the harbour contract"
			if rng.IntN(2) == 0 {
				q = "why is the MAYOR hiding the harbour contract"
			}
			texts[i] = fmt.Sprintf("%s%s %d", q, noise[rng.IntN(len(noise))], rng.IntN(100000))
			continue
		}
		texts[i] = fmt.Sprintf("What about the %s near street %s, question %s?", topics[i%len(topics)], spell(i), spell(i/7))
	}
	return texts, in
}

// spell writes i in letters ("bcd"), so that questions differ by words,
// not only by numbers.
func spell(i int) string {
	s := []byte{}
	for {
		s = append(s, byte('a'+i%26))
		if i /= 26; i == 0 {
			return string(s)
		}
	}
}

// BenchmarkWaveKey groups 100 000 questions by WaveKey, as the console
// does to find waves.
func BenchmarkWaveKey(b *testing.B) {
	rng := rand.New(rand.NewPCG(3, 4))
	texts, _ := waveQueue(rng, 100_000, 15_000)
	b.ReportAllocs()
	for b.Loop() {
		groups := make(map[string][]int, len(texts))
		for i, text := range texts {
			if k := match.WaveKey(text); k != "" {
				groups[k] = append(groups[k], i)
			}
		}
	}
}
