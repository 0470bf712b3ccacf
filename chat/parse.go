package chat

import (
	"strings"
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
// (U+E0000, U+034F, zero-width spaces), are tolerated; a number may be
// written "12" or "#12". Parse is pure and safe for concurrent use.
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
		if !invisible(r) {
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

// number reads the question number that starts the argument: "12",
// "#12", "# 12", followed by nothing, a space, an invisible mark or a
// punctuation sign. It returns 0 for anything else.
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
	if s = s[digits:]; s != "" {
		switch c := s[0]; {
		case c == ' ' || c == '\t' || c == '.' || c == ',' || c == '!' || c == '?' || c == ')' || c == ';' || c == ':':
		case c >= utf8.RuneSelf:
			r, _ := utf8.DecodeRuneInString(s)
			if !invisible(r) {
				return 0
			}
		default:
			return 0
		}
	}
	return n
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
			if invisible(r) {
				s = s[size:]
				continue
			}
		}
		break
	}
	return s
}

// invisible reports the characters chat clients add to messages without
// meaning: those tribune.CleanText drops, and the zero-width joiners, which
// carry meaning inside emoji and words but never around a command.
func invisible(r rune) bool {
	return tribune.Invisible(r) || r == '\u200C' || r == '\u200D'
}
