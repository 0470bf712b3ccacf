package tribune

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/rivo/uniseg"
	"golang.org/x/text/unicode/norm"
)

// MaxQuestionRunes is the longest question text accepted. Longer text is
// refused, never cut: a cut question can change its meaning on stream.
const MaxQuestionRunes = 300

// MaxMarks is how many combining marks (Unicode Mn and Me, counted in the
// decomposed form NFD) CleanText keeps on one base character. Three is what
// real text needs at most (Vietnamese "ệ" is e with two marks; pointed
// Hebrew, Thai tone marks and Greek polytonic letters stay within three);
// "zalgo" text stacks dozens, and 250 marks on one letter draw a column
// over the whole 1080p frame of the overlay.
const MaxMarks = 3

// CleanText returns text as Tribune stores it, shows it and shows it to the
// moderator, so that what a moderator approves is what the stream shows:
//   - invalid UTF-8 is dropped;
//   - control characters (Unicode Cc) are dropped, except whitespace;
//     whitespace runs (line breaks, tabs, no-break and ideographic spaces)
//     become one space, and the ends are trimmed;
//   - format characters (Unicode Cf) are dropped: bidi embeddings,
//     overrides and isolates (U+202A–202E, U+2066–2069), LRM, RLM and ALM,
//     the soft hyphen, zero-width space and non-joiner, word joiner, BOM,
//     tag characters, and the characters chat clients append (Invisible).
//     The one exception is a ZERO WIDTH JOINER between two emoji (UAX #29
//     rule GB11: 👨‍👩‍👧 stays one family, not three people);
//   - variation selectors stay only on the character they vary: U+FE0E and
//     U+FE0F on an emoji or a keycap base (0–9, #, *), the others on a
//     non-ASCII letter or symbol (CJK ideographic variants); elsewhere,
//     inside a Latin word say, they only hide what the word is;
//   - combining marks are kept up to MaxMarks per base character;
//   - the result is in Unicode normal form NFC.
//
// CleanText(CleanText(s)) == CleanText(s). Plain ASCII text that needs no
// change is returned as is, without allocating: chat is mostly ASCII.
func CleanText(text string) string {
	clean, ok := cleanASCII(text)
	if ok {
		return clean
	}
	var b strings.Builder
	b.Grow(len(text))
	space := false
	marks := false  // a combining mark was kept: the cap has work
	unsure := false // a character was kept that NFC might change
	var base rune   // the last kept character that is not an extender, 0 after a space
	for i := 0; i < len(text); {
		if c := text[i]; c < utf8.RuneSelf {
			// Most of French is ASCII: 2.5× faster in BenchmarkCleanText/French
			// than decoding every byte as a rune.
			i++
			switch {
			case c == ' ' || '\t' <= c && c <= '\r':
				space = true
				base = 0
				continue
			case c < ' ' || c == 0x7F:
				continue
			}
			if space && b.Len() > 0 {
				b.WriteByte(' ')
			}
			space = false
			b.WriteByte(c)
			base = rune(c)
			continue
		}
		r, size := utf8.DecodeRuneInString(text[i:])
		i += size
		switch {
		case unicode.IsLetter(r): // the usual case, and never dropped
			base = r
		case r == utf8.RuneError && size <= 1:
			continue
		case unicode.IsSpace(r):
			space = true
			base = 0
			continue
		case dropped(r):
			continue
		case r == zwj:
			if !emoji(base) || !emoji(nextKept(text[i:])) {
				continue
			}
		case variationSelector(r):
			if !variationKept(r, base) {
				continue
			}
			marks = true
		case unicode.In(r, unicode.Mn, unicode.Me):
			marks = true
		case emojiModifier(r):
			// An extender: the emoji before it stays the base.
		default:
			base = r
		}
		if space && b.Len() > 0 {
			b.WriteByte(' ')
		}
		space = false
		b.WriteRune(r)
		unsure = unsure || !nfcStable(r)
	}
	clean = b.String()
	if marks {
		clean = capMarks(clean)
	} else if !unsure {
		return clean
	}
	return norm.NFC.String(clean)
}

// nfcStable reports characters that NFC leaves as they are, whatever
// stands around them but combining marks: Latin letters and signs up to
// U+02FF, Cyrillic, punctuation, currency, symbols and emoji. Text of them
// and ASCII only is NFC without checking, which is most of what CleanText
// sees: checking costs more than the rest of CleanText on French text (the
// check skipped, BenchmarkCleanText/French is 3× faster).
// TestCleanTextIsNFC holds the list to Unicode's data.
func nfcStable(r rune) bool {
	return r < 0x300 || 0x400 <= r && r <= 0x4FF || 0x2010 <= r && r <= 0x205E ||
		0x20A0 <= r && r <= 0x20CF || 0x2600 <= r && r <= 0x27BF || 0x1F000 <= r && r <= 0x1FAFF
}

// cleanASCII is CleanText for ASCII text. It returns false when text is not
// ASCII, and text itself when it needs no change.
func cleanASCII(text string) (string, bool) {
	clean := true // printable, single spaces, no space at the ends
	for i := 0; i < len(text); i++ {
		c := text[i]
		if c >= utf8.RuneSelf {
			return "", false
		}
		if c < ' ' || c == 0x7F || c == ' ' && (i == 0 || i == len(text)-1 || text[i-1] == ' ') {
			clean = false
		}
	}
	if clean {
		return text, true
	}
	var b strings.Builder
	b.Grow(len(text))
	space := false
	for i := 0; i < len(text); i++ {
		switch c := text[i]; {
		case c == ' ' || '\t' <= c && c <= '\r':
			space = true
		case c < ' ' || c == 0x7F:
		default:
			if space && b.Len() > 0 {
				b.WriteByte(' ')
			}
			space = false
			b.WriteByte(c)
		}
	}
	return b.String(), true
}

const zwj = '\u200D' // ZERO WIDTH JOINER

// dropped reports the characters CleanText removes wherever they stand:
// control characters that are not whitespace, format characters but the
// ZERO WIDTH JOINER (kept inside emoji), and Invisible.
func dropped(r rune) bool {
	if r < utf8.RuneSelf {
		return r < ' ' || r == 0x7F
	}
	return r != zwj && unicode.In(r, unicode.Cc, unicode.Cf) || Invisible(r)
}

// nextKept returns the first character of s that CleanText does not drop
// wherever it stands, or 0.
func nextKept(s string) rune {
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		if r == utf8.RuneError && size <= 1 || dropped(r) {
			continue
		}
		return r
	}
	return 0
}

// emoji reports whether r is an emoji (Unicode Extended_Pictographic). It
// asks uniseg's grapheme rules, which hold the property: "r ZWJ ❤" is one
// grapheme cluster only when r is Extended_Pictographic (UAX #29, GB11).
func emoji(r rune) bool {
	if r < 0xA9 { // the first is ©
		return false
	}
	var buf [utf8.UTFMax + 6]byte
	n := utf8.EncodeRune(buf[:], r)
	n += copy(buf[n:], "\u200D\u2764")
	cluster, _, _, _ := uniseg.FirstGraphemeCluster(buf[:n], -1)
	return len(cluster) == n
}

// emojiModifier reports the skin tones (U+1F3FB–1F3FF), which extend the
// emoji before them.
func emojiModifier(r rune) bool { return 0x1F3FB <= r && r <= 0x1F3FF }

func variationSelector(r rune) bool {
	return 0xFE00 <= r && r <= 0xFE0F || 0xE0100 <= r && r <= 0xE01EF
}

// variationKept reports whether the variation selector vs stays after
// base, the last character kept (0 at the start or after a space).
func variationKept(vs, base rune) bool {
	if vs == '\uFE0E' || vs == '\uFE0F' { // text or emoji presentation
		return emoji(base) || base == '#' || base == '*' || '0' <= base && base <= '9'
	}
	return base >= utf8.RuneSelf && (unicode.IsLetter(base) || unicode.In(base, unicode.So, unicode.Sm))
}

// capMarks drops the combining marks after the first MaxMarks of each base
// character. It counts in NFD, where an accented letter is its base and
// its marks, and returns NFD text: dropping marks from NFD text keeps it
// canonically ordered, so that the NFC of the result is stable.
func capMarks(s string) string {
	s = norm.NFD.String(s)
	var b strings.Builder
	b.Grow(len(s))
	n := 0
	for _, r := range s {
		if unicode.In(r, unicode.Mn, unicode.Me) {
			if n++; n > MaxMarks {
				continue
			}
		} else {
			n = 0
		}
		b.WriteRune(r)
	}
	return b.String()
}

// Invisible reports characters that chat clients add to messages without
// meaning: they would defeat duplicate detection and render as nothing.
// CleanText drops them, with every other format character.
func Invisible(r rune) bool {
	switch r {
	case '\U000E0000', // Twitch clients' duplicate-message bypass (tag space)
		'\u034F', // combining grapheme joiner, Chatterino's bypass
		'\u200B', // zero-width space
		'\u2060', // word joiner
		'\uFEFF': // byte order mark
		return true
	}
	return r >= '\U000E0001' && r <= '\U000E007F' // tag characters
}

// ValidateQuestionText cleans text and checks its length. It returns the
// cleaned text, or an EINVALID error with ReasonEmpty or ReasonTooLong
// (argument "max"). The length is counted in runes of the cleaned text.
func ValidateQuestionText(text string) (string, error) {
	clean := CleanText(text)
	n := utf8.RuneCountInString(clean)
	if n == 0 {
		return "", Errorf(EINVALID, ReasonEmpty, "question text is empty")
	}
	if n > MaxQuestionRunes {
		return "", Errorf(EINVALID, ReasonTooLong, "question is %d characters long; the limit is %d", n, MaxQuestionRunes).
			With("max", MaxQuestionRunes).With("length", n)
	}
	return clean, nil
}

// MaxNameRunes is the longest display name or login kept: longer names are
// cut, since a name, unlike a question, carries no meaning to change.
const MaxNameRunes = 64

// CleanName returns a display name or login cleaned as question text is,
// and cut to at most MaxNameRunes runes. The cut falls between grapheme
// clusters, so that it never leaves half an emoji or a letter without its
// accent.
func CleanName(name string) string {
	clean := CleanText(name)
	if utf8.RuneCountInString(clean) <= MaxNameRunes {
		return clean
	}
	n, end := 0, 0
	for rest, state := clean, -1; rest != ""; {
		var cluster string
		cluster, rest, _, state = uniseg.FirstGraphemeClusterInString(rest, state)
		if n += utf8.RuneCountInString(cluster); n > MaxNameRunes {
			break
		}
		end += len(cluster)
	}
	return strings.TrimSpace(clean[:end])
}
