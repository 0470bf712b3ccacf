package chat

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// SafeLine returns text fit to leave as one chat line, whatever its parts
// held: control characters (CR, LF and NUL among them, and the \x01 of a
// CTCP action) and the line and paragraph separators become spaces;
// bidirectional controls (overrides, embeddings, isolates, marks), which
// could reorder the rest of the line on screen, and invalid UTF-8 are
// removed. Text that needs none of this is returned as it is, without
// allocating.
func SafeLine(text string) string {
	i := 0
	for i < len(text) {
		c := text[i]
		if c < utf8.RuneSelf {
			if c < 0x20 || c == 0x7f {
				break
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(text[i:])
		if unsafeRune(r, size) {
			break
		}
		i += size
	}
	if i == len(text) {
		return text
	}
	var b strings.Builder
	b.Grow(len(text))
	b.WriteString(text[:i])
	for i < len(text) {
		r, size := utf8.DecodeRuneInString(text[i:])
		i += size
		switch {
		case r == utf8.RuneError && size <= 1:
		case unicode.Is(unicode.Bidi_Control, r):
		case unicode.IsControl(r) || r == '\u2028' || r == '\u2029':
			b.WriteByte(' ')
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// unsafeRune reports a non-ASCII rune that SafeLine changes.
func unsafeRune(r rune, size int) bool {
	return (r == utf8.RuneError && size <= 1) || unicode.IsControl(r) ||
		r == '\u2028' || r == '\u2029' || unicode.Is(unicode.Bidi_Control, r)
}
