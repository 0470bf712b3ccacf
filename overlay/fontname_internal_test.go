package overlay

import (
	"math/rand/v2"
	"regexp"
	"strings"
	"testing"
)

// fontNamePattern is the rule isFontName implements, kept here as the
// reference it is checked against.
var fontNamePattern = regexp.MustCompile(`^[\p{L}\p{N}][\p{L}\p{N} _-]{0,63}$`)

func TestIsFontNameMatchesThePattern(t *testing.T) {
	cases := []string{
		"", " ", "Liberation Serif", "Noto Sans CJK JP", "Ubuntu_Mono", "Fira-Code",
		"Öffentlich", "思源黑体", "Ⅻ Roman", "½ Half", "-Leading", " Leading", "_x",
		`Bad"Quote`, "semi;colon", "brace}", "tab\there", "new\nline", "emoji 🎤",
		strings.Repeat("a", 64), strings.Repeat("a", 65), strings.Repeat("é", 64), strings.Repeat("é", 65),
		"a" + strings.Repeat(" ", 63), "\xff\xfe", "a\xff",
	}
	alphabet := []rune("aZ9 _-\"';{}<>é思½Ⅻ\t\u00a0\u200b🎤")
	rng := rand.New(rand.NewPCG(1, 2))
	for range 5000 {
		r := make([]rune, rng.IntN(70))
		for i := range r {
			r[i] = alphabet[rng.IntN(len(alphabet))]
		}
		cases = append(cases, string(r))
	}
	for _, v := range cases {
		if got, want := isFontName(v), fontNamePattern.MatchString(v); got != want {
			t.Errorf("isFontName(%q) = %v, the pattern says %v", v, got, want)
		}
	}
}
