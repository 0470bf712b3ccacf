package chat_test

import (
	"strconv"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/tribune-live/tribune"
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
		{"VoteDecimal", "!vote 1.5", chat.Command{Kind: chat.KindVote}},
		{"VoteExponent", "!vote 1e3", chat.Command{Kind: chat.KindVote}},
		{"VoteIdeographicSpace", "!vote\u30007", chat.Command{Kind: chat.KindVote, ID: 7}},
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
		"!vote 1.5", "!vote 12abc", "!vote 1e3", "!vote 12.", "!vote #12!?", "!vote 1,5", "!vote ١٢",
		"!vote １２", "!vote 12\u00a0", "!vote\u300012", "!vote ##12", "!vote # #12", "!vote 0x1f",
		"!unvote 7\u200d", "!report 3)", "!vote 123456789", "!vote 1234567890", "!withdraw 1.", "!vote 1..",
		"!vote 1.\xff", "!vote \u2028 5",
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
			if want := refNumber(argument(in)); cmd.ID != want {
				t.Fatalf("Parse(%q).ID=%d, want %d: a number is a whole token", in, cmd.ID, want)
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

// argument returns what follows the command name of in, as Parse cuts
// it: the name runs from after '!' to the first space, tab or non-ASCII
// byte.
func argument(in string) string {
	s := strings.TrimLeft(in, " \t")[1:]
	i := 0
	for i < len(s) && s[i] != ' ' && s[i] != '\t' && s[i] < utf8.RuneSelf {
		i++
	}
	return s[i:]
}

// refNumber is the number rule written plainly, for FuzzParse to hold
// Parse to: cut the argument into tokens at spaces and invisible marks;
// take the first (or the one after a lone "#"), without its leading "#"
// and the closing punctuation at its end; it must be 1 to 9 ASCII digits.
func refNumber(arg string) int {
	var toks []string
	start := -1
	for i, r := range arg {
		if r == ' ' || r == '\t' || (r >= utf8.RuneSelf && (unicode.IsSpace(r) || tribune.Invisible(r) || r == '\u200C' || r == '\u200D')) {
			if start >= 0 {
				toks = append(toks, arg[start:i])
				start = -1
			}
			continue
		}
		if start < 0 {
			start = i
		}
	}
	if start >= 0 {
		toks = append(toks, arg[start:])
	}
	if len(toks) == 0 {
		return 0
	}
	tok := toks[0]
	if tok == "#" {
		if len(toks) == 1 {
			return 0
		}
		tok = toks[1]
	} else {
		tok = strings.TrimPrefix(tok, "#")
	}
	tok = strings.TrimRight(tok, ".,!?);:")
	if len(tok) == 0 || len(tok) > 9 || strings.Trim(tok, "0123456789") != "" {
		return 0
	}
	n, _ := strconv.Atoi(tok)
	return n
}

// numberRules are the design's "a number is a whole token", case by case:
// what each argument of !vote votes for, 0 for none (the reply is then the
// usage).
var numberRules = [...]struct {
	arg string
	id  int
}{
	{"12", 12},
	{"#12", 12},
	{"# 12", 12},
	{"012", 12},
	{"12 because", 12},
	{"12!", 12},
	{"#12.", 12},
	{"12?!", 12},
	{"(12)", 0},
	{"12\U000E0000", 12},
	{"12\u3000", 12},
	{"1.5", 0},
	{"12abc", 0},
	{"1e3", 0},
	{"1,5", 0},
	{"12.5.", 0},
	{"0x1F", 0},
	{"1_000", 0},
	{"+12", 0},
	{"-12", 0},
	{"##12", 0},
	{"12#", 0},
	{"١٢", 0}, // Arabic-Indic digits
	{"１２", 0}, // fullwidth digits
	{"0", 0},
	{"999999999", 999999999},
	{"1000000000", 0},
	{"", 0},
	{"twelve", 0},
}

func TestParseNumberRules(t *testing.T) {
	for _, tt := range numberRules {
		t.Run(strconv.Quote(tt.arg), func(t *testing.T) {
			for _, prefix := range []string{"!vote ", "!unvote ", "!withdraw ", "!report "} {
				cmd, ok := chat.Parse(prefix + tt.arg)
				if !ok || cmd.ID != tt.id {
					t.Errorf("Parse(%q)=%+v, %v; want ID %d", prefix+tt.arg, cmd, ok, tt.id)
				}
			}
		})
	}
}

// TestParseAllocs holds Parse to allocating nothing: it reads every chat
// line of the channel.
func TestParseAllocs(t *testing.T) {
	for _, in := range []string{
		"this is an ordinary chat line, nothing to see here Kappa",
		"!nottacommand at all", "!vote #12 \U000E0000", "!vote 1.5", "!q What about the parks?", "!top",
	} {
		if n := testing.AllocsPerRun(100, func() { chat.Parse(in) }); n != 0 {
			t.Errorf("Parse(%q) allocates %.0f times, want 0", in, n)
		}
	}
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
