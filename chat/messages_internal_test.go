package chat

import (
	"strings"
	"testing"

	"github.com/tribune-live/tribune"
	"github.com/tribune-live/tribune/match"
)

// TestTopDefensive feeds the !top reply questions as a corrupted store
// could hold them: the reply stays one line, reorders nothing, and never
// echoes a banned word.
func TestTopDefensive(t *testing.T) {
	top := []tribune.Question{
		{ID: 4, Votes: 9, Text: "Parks\r\nPRIVMSG #other :pwned\x00"},
		{ID: 5, Votes: 7, Text: "Why is the mayor an \u202Eidiot\u202C?"},
		{ID: 6, Votes: 2, Text: "\u2067Trams\u2069 at night?"},
	}
	got := topMessage(catalogue("en"), top, 500, match.NewWords("idiot"))
	want := "Top questions: #4 (9) Parks PRIVMSG #other :pwned | #5 (7) | #6 (2) Trams at night?"
	if got != want {
		t.Errorf("top=%q\nwant %q", got, want)
	}
	if strings.ContainsAny(got, "\r\n\x00\u202E\u2067") || strings.Contains(strings.ToLower(got), "idiot") {
		t.Errorf("top=%q carries a control, a bidi control or the banned word", got)
	}
}
