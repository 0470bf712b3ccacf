package chat

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/tribune-live/tribune"
)

// Kind names a chat command.
type Kind uint8

// The chat commands of the design. KindNone is the zero value: not a
// command.
const (
	KindNone     Kind = iota
	KindAsk           // !question TEXT, !q, !ask
	KindVote          // !vote N, !up, !+1
	KindUnvote        // !unvote N
	KindTop           // !top
	KindWithdraw      // !withdraw N
	KindReport        // !report N
	KindHelp          // !qhelp
)

var kindNames = [...]string{"none", "question", "vote", "unvote", "top", "withdraw", "report", "qhelp"}

// String returns the command's canonical name, as typed after '!'.
func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "unknown"
}

// NeedsNumber reports whether the command takes a question number.
func (k Kind) NeedsNumber() bool {
	return k == KindVote || k == KindUnvote || k == KindWithdraw || k == KindReport
}

// Command is one parsed chat command.
type Command struct {
	Kind Kind
	// Text is the question of KindAsk, spaces trimmed; the Service cleans
	// it further and refuses it when empty.
	Text string
	// ID is the question number of vote, unvote, withdraw and report: 0
	// when it is missing or not a number (the reply is then the usage).
	ID int
}

// maxName is the longest command name ("withdraw", "question").
const maxName = 8

// maxDigits bounds question numbers: more digits cannot name a question.
const maxDigits = 9

// Parse reads a chat message. It returns false for anything that is not a
// command of the design, at almost no cost for messages that do not start
// with '!'. Command names are case-insensitive; spaces around them and
// around arguments, and the invisible characters chat clients append
// (U+E0000, U+034F, zero-width spaces), are tolerated; a number is a whole
// token, "12" or "#12" (see number). Parse is pure, safe for concurrent
// use, and allocates nothing.
func Parse(text string) (Command, bool) {
	i := 0
	for i < len(text) && (text[i] == ' ' || text[i] == '\t') {
		i++
	}
	if i >= len(text) || text[i] != '!' {
		return Command{}, false
	}
	i++
	start := i
	var name [maxName]byte
	n := 0
	for i < len(text) {
		c := text[i]
		if c == ' ' || c == '\t' || c >= utf8.RuneSelf {
			break
		}
		if n == maxName {
			return Command{}, false
		}
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		name[n] = c
		n++
		i++
	}
	if i == start {
		return Command{}, false
	}
	rest := text[i:]
	// The name must end here: at the end, a space, or an invisible mark.
	if len(rest) > 0 && rest[0] >= utf8.RuneSelf {
		r, _ := utf8.DecodeRuneInString(rest)
		if !blank(r) {
			return Command{}, false
		}
	}
	var k Kind
	switch string(name[:n]) { // no allocation: the compiler switches on the bytes
	case "question", "q", "ask":
		k = KindAsk
	case "vote", "up", "+1":
		k = KindVote
	case "unvote":
		k = KindUnvote
	case "top":
		k = KindTop
	case "withdraw":
		k = KindWithdraw
	case "report":
		k = KindReport
	case "qhelp":
		k = KindHelp
	default:
		return Command{}, false
	}
	cmd := Command{Kind: k}
	switch {
	case k == KindAsk:
		cmd.Text = strings.TrimSpace(rest)
	case k.NeedsNumber():
		cmd.ID = number(rest)
	}
	return cmd, true
}

// number reads the question number that starts the argument. A number is
// a whole token: "12" or "#12" (also "# 12"), ASCII digits only, ended by
// the end of the text, a space or an invisible mark. Closing punctuation
// may end the token ("!vote 12!", "!vote #12."), but nothing else may
// follow the digits within it: "1.5", "12abc", "1e3", "1,5" are not
// numbers. It returns 0 for anything that is not a number.
func number(s string) int {
	s = skipBlank(s)
	if strings.HasPrefix(s, "#") {
		s = skipBlank(s[1:])
	}
	n, digits := 0, 0
	for digits < len(s) && '0' <= s[digits] && s[digits] <= '9' {
		if digits == maxDigits {
			return 0
		}
		n = n*10 + int(s[digits]-'0')
		digits++
	}
	if digits == 0 {
		return 0
	}
	s = s[digits:]
	for s != "" && closing(s[0]) {
		s = s[1:]
	}
	if s == "" || s[0] == ' ' || s[0] == '\t' {
		return n
	}
	if s[0] >= utf8.RuneSelf {
		if r, _ := utf8.DecodeRuneInString(s); blank(r) {
			return n
		}
	}
	return 0
}

// closing reports the punctuation that may close a number's token: the
// end of a sentence or of a parenthesis, never a decimal separator
// followed by more digits (closing only counts when the token ends after
// it).
func closing(c byte) bool {
	switch c {
	case '.', ',', '!', '?', ')', ';', ':':
		return true
	}
	return false
}

// skipBlank skips spaces and invisible marks.
func skipBlank(s string) string {
	for s != "" {
		if s[0] == ' ' || s[0] == '\t' {
			s = s[1:]
			continue
		}
		if s[0] >= utf8.RuneSelf {
			r, size := utf8.DecodeRuneInString(s)
			if blank(r) {
				s = s[size:]
				continue
			}
		}
		break
	}
	return s
}

// blank reports the non-ASCII runes that separate tokens: Unicode spaces
// (an IME's ideographic space, a no-break space) and the invisible marks.
func blank(r rune) bool { return invisible(r) || unicode.IsSpace(r) }

// invisible reports the characters chat clients add to messages without
// meaning: those tribune.CleanText drops, and the zero-width joiners, which
// carry meaning inside emoji and words but never around a command.
func invisible(r rune) bool {
	return tribune.Invisible(r) || r == '\u200C' || r == '\u200D'
}
