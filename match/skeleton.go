package match

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/mtibben/confusables"
	"golang.org/x/text/cases"
	"golang.org/x/text/unicode/norm"

	tribune "github.com/tribune-live/tribune"
)

// skeletons returns text as banned words are looked for in it: a skeleton
// in the sense of UTS #39 (confusable characters mapped to the one they
// are drawn like: Cyrillic "а" is Latin "a", "ｉ" and "𝐢" are "i"), with
// case and accents folded and format characters ignored:
//   - compatibility-decomposed (NFKD: full-width, mathematical and circled
//     letters, ligatures), combining marks (accents) dropped;
//   - format characters (soft hyphen, zero-width characters, bidi controls),
//     Invisible characters and control characters dropped, so that a word
//     they split is one word again; control whitespace is a space;
//   - each non-ASCII letter or digit replaced by its UTS #39 prototype
//     (mtibben/confusables);
//   - case-folded.
//
// ASCII is taken as written: UTS #39 also maps "m" to "rn", "1" and "I" to
// "l" and "0" to "O", which would make "burn" read as "bum" and turn
// ordinary words into banned ones. The lookalikes this catches are the
// ones a keyboard does not type.
//
// A lookalike's prototype depends on its case: Cyrillic "Н" looks like
// "H", "н" like no Latin letter. lower maps each letter's lower case, so
// that it is the same for "НЕТ" and "нет", and the banned list is read this
// way. upper maps each letter as written, catching capitals drawn like
// Latin ones ("FUCК" with a Cyrillic К); a letter drawn as a bare stroke
// (Cyrillic "Ӏ", "ǀ"), whose prototype is "l", reads there as "i", as it
// does among capitals. upper is "" when it is lower. What this misses: a
// word of another script spelt with Latin letters whose lower case is
// drawn unlike its own ("дурак" with a Latin k, as Cyrillic "к" is not
// drawn "k"), since the list is read in lower case only; reading the list
// in capitals too would ban the Latin words a non-Latin entry is drawn like
// in capitals ("нет" would ban "het").
func skeletons(text string) (lower, upper string) {
	if isASCII(text) {
		return asciiSkeleton(text), ""
	}
	var lo, up strings.Builder
	lo.Grow(len(text))
	mapped := false // up is written: a letter went through prototype
	write := func(p string) {
		lo.WriteString(p)
		if mapped {
			up.WriteString(p)
		}
	}
	s := norm.NFKD.String(text)
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			i++
			switch {
			case c == ' ' || '\t' <= c && c <= '\r':
				c = ' '
			case c < ' ' || c == 0x7F:
				continue
			case 'A' <= c && c <= 'Z':
				c += 'a' - 'A'
			}
			lo.WriteByte(c)
			if mapped {
				up.WriteByte(c)
			}
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		switch {
		case r == utf8.RuneError && size <= 1:
		case unicode.In(r, unicode.Mn, unicode.Me, unicode.Cf), tribune.Invisible(r):
		case unicode.IsSpace(r):
			write(" ")
		case unicode.Is(unicode.Cc, r):
		case !unicode.IsLetter(r) && !unicode.IsDigit(r):
			// A sign (or a spacing mark): kept as it is, whatever it looks
			// like.
			write(s[i-size : i])
		default:
			// Letters that are not composed with a mark, so NFKD leaves
			// them; their prototypes keep the mark ("ø" is "o̸").
			switch r {
			case 'œ', 'Œ':
				write("oe")
			case 'æ', 'Æ':
				write("ae")
			case 'ø', 'Ø':
				write("o")
			case 'ł', 'Ł':
				write("l")
			case 'đ', 'Đ':
				write("d")
			default:
				if !mapped {
					mapped = true
					up.Grow(len(s))
					up.WriteString(lo.String())
				}
				// ToLower(ToUpper) gives one lower case to the letters
				// that have several (Greek σ and ς).
				lo.WriteString(prototype(unicode.ToLower(unicode.ToUpper(r))))
				p := prototype(r)
				if p == "l" {
					p = "i"
				}
				up.WriteString(p)
			}
		}
	}
	lower = caseFold(lo.String())
	if mapped {
		if upper = caseFold(up.String()); upper == lower {
			upper = ""
		}
	}
	return lower, upper
}

// caseFold folds the case of s (prototypes are often capitals: "К" is
// "K"); "ß" is "ss".
func caseFold(s string) string {
	if isASCII(s) {
		return asciiLower(s)
	}
	return cases.Fold().String(s)
}

// prototype returns the UTS #39 prototype of a letter or digit, without
// its combining marks.
func prototype(r rune) string {
	p := confusables.Skeleton(string(r))
	if isASCII(p) {
		return p
	}
	var b strings.Builder
	for _, r := range p {
		if !unicode.In(r, unicode.Mn, unicode.Me) {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// asciiSkeleton is skeletons' lower for ASCII text: lower case, control
// characters dropped, control whitespace a space. It returns text itself
// when nothing changes.
func asciiSkeleton(text string) string {
	for i := 0; i < len(text); i++ {
		if c := text[i]; c < ' ' || c == 0x7F || 'A' <= c && c <= 'Z' {
			var b strings.Builder
			b.Grow(len(text))
			for j := 0; j < len(text); j++ {
				switch c := text[j]; {
				case '\t' <= c && c <= '\r':
					b.WriteByte(' ')
				case c < ' ' || c == 0x7F:
				case 'A' <= c && c <= 'Z':
					b.WriteByte(c + 'a' - 'A')
				default:
					b.WriteByte(c)
				}
			}
			return b.String()
		}
	}
	return text
}

// span is a word of a skeleton: a run of letters, digits and spacing marks
// (the vowel signs of Indic scripts), skeleton[start:end], of n runes.
type span struct {
	start, end, n int
}

// spans appends the words of skeleton s to dst.
func spans(s string, dst []span) []span {
	start, n := -1, 0
	for i := 0; i < len(s); {
		c := s[i]
		size := 1
		var in bool
		if c < utf8.RuneSelf {
			in = 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || 'A' <= c && c <= 'Z'
		} else {
			var r rune
			r, size = utf8.DecodeRuneInString(s[i:])
			in = unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mc, r)
		}
		switch {
		case in && start < 0:
			start, n = i, 1
		case in:
			n++
		case start >= 0:
			dst = append(dst, span{start, i, n})
			start = -1
		}
		i += size
	}
	if start >= 0 {
		dst = append(dst, span{start, len(s), n})
	}
	return dst
}

// Separators inside a word. A word hidden by signs between its letters is
// read whole as well as in pieces, by two rules that ordinary text does
// not meet:
//   - words joined by signs without a space are one word too: "c.o.n",
//     "con-nard", "i_d_i_o_t", "i*d*i*o*t" (and "l'idiot" is also
//     "lidiot", which no list bans);
//   - a run of at least minSpaced single letters or digits, each apart from
//     the next by at most maxGap characters (a space, a space and a sign;
//     a run of spaces counts as one) is one word too: "c o n", "c. o. n.",
//     "c - o - n". Two are not enough: French writes "il y a", "y a-t-il".
//
// The first rule applies before the second, so "f.r.e.e f.o.l.l.o.w" reads
// as "free follow", two words, as it shows.
const (
	minSpaced = 3
	maxGap    = 3
)

// joined returns skeleton s (its words sp) with the two rules above
// applied, its words apart by one space, and false when they join nothing.
func joined(s string, sp []span) (string, bool) {
	// join[k]: sp[k] and sp[k+1] make one word. Most text has nothing to
	// join, and this allocates only when it has.
	var buf [64]bool
	join := buf[:0]
	some := false
	for k := 0; k+1 < len(sp); k++ {
		j := !hasSpace(s[sp[k].end:sp[k+1].start])
		join = append(join, j)
		some = some || j
	}
	// Runs of single letters, each a group of its own after the first
	// rule.
	single := func(k int) bool {
		return sp[k].n == 1 && (k == 0 || !join[k-1]) && (k+1 == len(sp) || !join[k])
	}
	for k := 0; k < len(sp); {
		if !single(k) {
			k++
			continue
		}
		e := k + 1
		for e < len(sp) && single(e) && gapLen(s[sp[e-1].end:sp[e].start]) <= maxGap {
			e++
		}
		if e-k >= minSpaced {
			for i := k; i < e-1; i++ {
				join[i] = true
			}
			some = true
		}
		k = e
	}
	if !some {
		return "", false
	}
	var b strings.Builder
	b.Grow(len(s))
	for k, x := range sp {
		if k > 0 && !join[k-1] {
			b.WriteByte(' ')
		}
		b.WriteString(s[x.start:x.end])
	}
	return b.String(), true
}

// gapLen returns the length in runes of the gap between two words, a run
// of spaces counting as one: tribune.CleanText folds them, and Find reads
// the text as received as it reads the text cleaned.
func gapLen(gap string) int {
	n := 0
	space := false
	for _, r := range gap {
		if !space || !unicode.IsSpace(r) {
			n++
		}
		space = unicode.IsSpace(r)
	}
	return n
}

func hasSpace(gap string) bool {
	for _, r := range gap {
		if unicode.IsSpace(r) {
			return true
		}
	}
	return false
}
