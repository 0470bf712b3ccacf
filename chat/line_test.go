package chat_test

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/tribune-live/tribune/chat"
)

func TestSafeLine(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"Plain", "@alice #12", "@alice #12"},
		{"Accents", "@Amélie n°1 (en attente de modération)", "@Amélie n°1 (en attente de modération)"},
		{"Emoji", "@bob 👩‍👩‍👧 👏", "@bob 👩‍👩‍👧 👏"},
		{"CRLF", "@x #1\r\nPRIVMSG #other :pwned", "@x #1  PRIVMSG #other :pwned"},
		{"NUL", "@x\x00#1", "@x #1"},
		{"CTCP", "\x01ACTION waves\x01", " ACTION waves "},
		{"C1", "a\u0085b", "a b"},
		{"LineSeparator", "a\u2028b\u2029c", "a b c"},
		{"Override", "@x \u202Eevil\u202C text", "@x evil text"},
		{"Isolates", "\u2066a\u2067b\u2068c\u2069", "abc"},
		{"Marks", "a\u200Eb\u200Fc\u061Cd", "abcd"},
		{"InvalidUTF8", "a\xffb\xc3", "ab"},
		{"TagKept", "@x #1 \U000E0000", "@x #1 \U000E0000"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := chat.SafeLine(tt.in)
			if got != tt.want {
				t.Errorf("SafeLine(%q)=%q, want %q", tt.in, got, tt.want)
			}
			if strings.ContainsAny(got, "\r\n\x00") || !utf8.ValidString(got) {
				t.Errorf("SafeLine(%q)=%q is not one valid line", tt.in, got)
			}
		})
	}
	if n := testing.AllocsPerRun(100, func() { chat.SafeLine("@alice voted #12, @bob voted #3") }); n != 0 {
		t.Errorf("SafeLine of a clean line allocates %.0f times, want 0", n)
	}
}

func FuzzSafeLine(f *testing.F) {
	for _, s := range []string{"@a #1", "a\r\nb", "\x00", "\u202Ex", "\xff", "é\u2029"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		got := chat.SafeLine(in)
		if strings.ContainsAny(got, "\r\n\x00\u2028\u2029\u202A\u202B\u202C\u202D\u202E\u2066\u2067\u2068\u2069") || !utf8.ValidString(got) {
			t.Fatalf("SafeLine(%q)=%q", in, got)
		}
		if chat.SafeLine(got) != got {
			t.Fatalf("SafeLine is not idempotent on %q", in)
		}
	})
}

func TestSummary(t *testing.T) {
	en := chat.NewHandler(nil, "en")
	if got, want := en.Summary(map[int]int{7: 12, 12: 40, 3: 12, 9: 0}), "votes counted: #12 +40, #3 +12, #7 +12"; got != want {
		t.Errorf("Summary=%q, want %q", got, want)
	}
	if got := en.Summary(nil); got != "" {
		t.Errorf("Summary(nil)=%q, want nothing", got)
	}
	fr := chat.NewHandler(nil, "fr")
	if got, want := fr.Summary(map[int]int{12: 40, 7: 12}), "votes comptés : n°12 +40, n°7 +12"; got != want {
		t.Errorf("Summary=%q, want %q", got, want)
	}
	// Many questions: as many as fit, the most voted kept.
	many := map[int]int{}
	for id := 1; id <= 400; id++ {
		many[id] = id
	}
	got := en.Summary(many)
	if n := utf8.RuneCountInString(got); n > en.MaxRunes {
		t.Errorf("Summary of 400 questions has %d characters, want at most %d", n, en.MaxRunes)
	}
	if !strings.HasPrefix(got, "votes counted: #400 +400, #399 +399, ") || strings.Contains(got, "#1 +1,") {
		t.Errorf("Summary=%q, want the most voted first", got)
	}
}
