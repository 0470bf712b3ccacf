package chat_test

import (
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/tribune-live/tribune/chat"
)

func TestParse(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want chat.Command
	}{
		{"Question", "!question What about parks?", chat.Command{Kind: chat.KindAsk, Text: "What about parks?"}},
		{"AliasQ", "!q What about parks?", chat.Command{Kind: chat.KindAsk, Text: "What about parks?"}},
		{"AliasAsk", "!ask What about parks?", chat.Command{Kind: chat.KindAsk, Text: "What about parks?"}},
		{"UpperCase", "!QUESTION What about parks?", chat.Command{Kind: chat.KindAsk, Text: "What about parks?"}},
		{"MixedCase", "!Q What about parks?", chat.Command{Kind: chat.KindAsk, Text: "What about parks?"}},
		{"ExtraSpaces", "   !q    What about parks?   ", chat.Command{Kind: chat.KindAsk, Text: "What about parks?"}},
		{"AskEmpty", "!q", chat.Command{Kind: chat.KindAsk}},
		{"AskBlank", "!q    ", chat.Command{Kind: chat.KindAsk}},
		{"AskTrailingTag", "!q Parks? \U000E0000", chat.Command{Kind: chat.KindAsk, Text: "Parks? \U000E0000"}},
		{"AskAccents", "!q Où en est la piscine ?", chat.Command{Kind: chat.KindAsk, Text: "Où en est la piscine ?"}},
		{"Vote", "!vote 12", chat.Command{Kind: chat.KindVote, ID: 12}},
		{"VoteHash", "!vote #12", chat.Command{Kind: chat.KindVote, ID: 12}},
		{"VoteHashSpace", "!vote # 12", chat.Command{Kind: chat.KindVote, ID: 12}},
		{"VoteUp", "!up 3", chat.Command{Kind: chat.KindVote, ID: 3}},
		{"VotePlusOne", "!+1 3", chat.Command{Kind: chat.KindVote, ID: 3}},
		{"VoteUpper", "!VOTE 7", chat.Command{Kind: chat.KindVote, ID: 7}},
		{"VoteSpaces", "!vote    7   ", chat.Command{Kind: chat.KindVote, ID: 7}},
		{"VoteTab", "!vote\t7", chat.Command{Kind: chat.KindVote, ID: 7}},
		{"VoteTrailingTag", "!vote 7 \U000E0000", chat.Command{Kind: chat.KindVote, ID: 7}},
		{"VoteTagGlued", "!vote 7\U000E0000", chat.Command{Kind: chat.KindVote, ID: 7}},
		{"VoteCGJ", "!vote 7 \u034F", chat.Command{Kind: chat.KindVote, ID: 7}},
		{"VoteZeroWidthBefore", "!vote \u200B7", chat.Command{Kind: chat.KindVote, ID: 7}},
		{"VotePunct", "!vote 7!", chat.Command{Kind: chat.KindVote, ID: 7}},
		{"VoteWords", "!vote 7 because it matters", chat.Command{Kind: chat.KindVote, ID: 7}},
		{"VoteLeadingZero", "!vote 007", chat.Command{Kind: chat.KindVote, ID: 7}},
		{"VoteMissing", "!vote", chat.Command{Kind: chat.KindVote}},
		{"VoteWord", "!vote seven", chat.Command{Kind: chat.KindVote}},
		{"VoteGlued", "!vote 7abc", chat.Command{Kind: chat.KindVote}},
		{"VoteNegative", "!vote -7", chat.Command{Kind: chat.KindVote}},
		{"VoteHuge", "!vote 99999999999999999999", chat.Command{Kind: chat.KindVote}},
		{"Unvote", "!unvote #4", chat.Command{Kind: chat.KindUnvote, ID: 4}},
		{"Top", "!top", chat.Command{Kind: chat.KindTop}},
		{"TopArgs", "!top 10 please", chat.Command{Kind: chat.KindTop}},
		{"TopTag", "!top \U000E0000", chat.Command{Kind: chat.KindTop}},
		{"TopTagGlued", "!TOP\U000E0000", chat.Command{Kind: chat.KindTop}},
		{"Withdraw", "!withdraw 5", chat.Command{Kind: chat.KindWithdraw, ID: 5}},
		{"Report", "!report #9", chat.Command{Kind: chat.KindReport, ID: 9}},
		{"Help", "!qhelp", chat.Command{Kind: chat.KindHelp}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := chat.Parse(tt.in)
			if !ok {
				t.Fatalf("Parse(%q) is not a command, want %+v", tt.in, tt.want)
			}
			if got != tt.want {
				t.Errorf("Parse(%q)=%+v, want %+v", tt.in, got, tt.want)
			}
		})
	}
}

func TestParseIgnored(t *testing.T) {
	for _, in := range []string{
		"", " ", "hello", "vote 3", "! vote 3", "!", "!!", "!votes 3", "!voting is fun",
		"!questionnaire", "!topé", "!help", "!nottacommand", "!q\u00e9 x", "@bot !vote 3",
		"!withdrawal 3", "!vote\x003", "\U000E0000!vote 3", "!+2 3", "!upvote 3",
	} {
		t.Run(strconv.Quote(in), func(t *testing.T) {
			if got, ok := chat.Parse(in); ok {
				t.Errorf("Parse(%q)=%+v, want not a command", in, got)
			}
		})
	}
}

// FuzzParse checks that Parse never panics and that every input is either a
// well-formed command or ignored.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"!q What about parks?", "!question   Où est la piscine ?  \U000E0000", "!ask", "!vote 12",
		"!vote #12", "!up #0", "!+1 3", "!unvote 4", "!top", "!withdraw 5", "!report #9", "!qhelp",
		"hello", "!", "!vote 99999999999", "!VOTE 1\u034F", "!vote \xff", "\xff\xfe", "!q \x00\r\n",
		"  !TOP\U000E0000", "!vote # 7!", "!report 1;DROP TABLE", "!q <img src=x onerror=alert(1)>",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		cmd, ok := chat.Parse(in)
		if !ok {
			if cmd != (chat.Command{}) {
				t.Fatalf("Parse(%q) ignored it but returned %+v", in, cmd)
			}
			return
		}
		if !strings.HasPrefix(strings.TrimLeft(in, " \t"), "!") {
			t.Fatalf("Parse(%q)=%+v: a command must start with '!'", in, cmd)
		}
		switch {
		case cmd.Kind == chat.KindAsk:
			if cmd.ID != 0 {
				t.Fatalf("Parse(%q)=%+v: a question has no number", in, cmd)
			}
			if cmd.Text != strings.TrimSpace(cmd.Text) || !strings.Contains(in, cmd.Text) {
				t.Fatalf("Parse(%q).Text=%q: not the trimmed rest of the message", in, cmd.Text)
			}
		case cmd.Kind.NeedsNumber():
			if cmd.ID < 0 || cmd.ID > 999999999 || cmd.Text != "" {
				t.Fatalf("Parse(%q)=%+v: bad number", in, cmd)
			}
			if cmd.ID > 0 && !strings.Contains(in, strconv.Itoa(cmd.ID)) {
				t.Fatalf("Parse(%q)=%+v: number not in the input", in, cmd)
			}
		case cmd.Kind == chat.KindTop || cmd.Kind == chat.KindHelp:
			if cmd.ID != 0 || cmd.Text != "" {
				t.Fatalf("Parse(%q)=%+v: no arguments expected", in, cmd)
			}
		default:
			t.Fatalf("Parse(%q) returned kind %v", in, cmd.Kind)
		}
		// Parsing is stable: the canonical form means the same command.
		canon := "!" + cmd.Kind.String()
		switch {
		case cmd.Kind == chat.KindAsk && cmd.Text != "":
			canon += " " + cmd.Text
		case cmd.ID > 0:
			canon += " " + strconv.Itoa(cmd.ID)
		}
		if again, ok := chat.Parse(canon); !ok || again != cmd {
			if utf8.ValidString(cmd.Text) {
				t.Fatalf("Parse(%q)=%+v, but its canonical form %q gives %+v, %v", in, cmd, canon, again, ok)
			}
		}
	})
}

func BenchmarkParse(b *testing.B) {
	b.Run("Chat", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			chat.Parse("this is an ordinary chat line, nothing to see here Kappa")
		}
	})
	b.Run("Vote", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			chat.Parse("!vote #12 \U000E0000")
		}
	})
}
