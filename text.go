package tribune

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxQuestionRunes is the longest question text accepted. Longer text is
// refused, never cut: a cut question can change its meaning on stream.
const MaxQuestionRunes = 300

// CleanText returns text as Tribune stores it: invalid UTF-8 and control
// characters removed, line breaks and tabs turned into spaces, runs of
// spaces folded, invisible characters that chat clients append (Twitch's
// duplicate-message bypass, zero-width spaces) dropped, ends trimmed.
func CleanText(text string) string {
	var b strings.Builder
	b.Grow(len(text))
	space := false
	for i := 0; i < len(text); {
		r, size := utf8.DecodeRuneInString(text[i:])
		i += size
		switch {
		case r == utf8.RuneError && size <= 1:
			continue
		case Invisible(r):
			continue
		case unicode.IsSpace(r):
			space = true
			continue
		case unicode.IsControl(r):
			continue
		}
		if space && b.Len() > 0 {
			b.WriteByte(' ')
		}
		space = false
		b.WriteRune(r)
	}
	return b.String()
}

// Invisible reports characters that chat clients add to messages without
// meaning: they would defeat duplicate detection and render as nothing.
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
// (argument "max").
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
// and cut to MaxNameRunes.
func CleanName(name string) string {
	clean := CleanText(name)
	if utf8.RuneCountInString(clean) <= MaxNameRunes {
		return clean
	}
	return strings.TrimSpace(string([]rune(clean)[:MaxNameRunes]))
}
