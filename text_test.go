package tribune_test

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
	"unsafe"

	"github.com/rivo/uniseg"
	"golang.org/x/text/unicode/norm"

	tribune "github.com/tribune-live/tribune"
)

var cleanTextCases = []struct {
	name, in, want string
}{
	{"Plain", "plain", "plain"},
	{"Trim", "  trim  me ", "trim me"},
	{"LineBreaksAndTabs", "line\nbreak\r\nand\ttab", "line break and tab"},
	{"UnicodeSpaces", "no\u00A0break\u3000ideographic\u2028line", "no break ideographic line"},
	{"Controls", "bell\x07 and nul\x00 and del\x7F, c1\u0085next\u009B", "bell and nul and del, c1 next"},
	{"InvalidUTF8", "bad \xff utf8 \xe2\x82", "bad utf8"},
	{"TwitchBypass", "twitch bypass \U000E0000", "twitch bypass"},
	{"ChatterinoBypass", "same\u034F message", "same message"},
	{"ZeroWidthSpace", "zero\u200bwidth", "zerowidth"},
	{"HTMLStaysText", "<b>html</b> stays text", "<b>html</b> stays text"},
	{"Emoji", "émoji 🎉 ok", "émoji 🎉 ok"},
	{"RightToLeftOverride", "\u202Etoidi\u202C ni", "toidi ni"},
	{"BidiEmbeddingsAndIsolates", "a\u202Ab\u202Bc\u202Dd\u2066e\u2067f\u2068g\u2069h", "abcdefgh"},
	{"DirectionMarks", "\u200Eleft\u200F right\u061C", "left right"},
	{"SoftHyphen", "id\u00ADiot", "idiot"},
	{"ZeroWidthNonJoiner", "id\u200Ciot", "idiot"},
	{"WordJoinerAndBOM", "\uFEFFword\u2060joiner", "wordjoiner"},
	{"TagCharacters", "hi\U000E0069\U000E0067\U000E006E\U000E006F\U000E0072\U000E0065", "hi"},
	{"SubdivisionFlagLosesItsTags", "🏴\U000E0067\U000E0062\U000E0073\U000E0063\U000E0074\U000E007F", "🏴"},
	{"OnlyFormatCharacters", "\u202E\u200B\u00AD \u2066", ""},
	{"LookalikesStay", "іdіоt", "іdіоt"}, // Cyrillic і and о: banned words see through them, not CleanText
	{"NFC", "e\u0301cole", "école"},
	{"NFCFromCompatibilitySingleton", "\u212B", "Å"}, // ANGSTROM SIGN
	{"VietnameseKept", "Tie\u0302\u0301ng Vie\u0323\u0302t", "Tiếng Việt"},
	// NFD puts the overlays (class 1) before the acutes (230): the three
	// kept are overlays.
	{"ZalgoCapped", "Z" + strings.Repeat("\u0336\u0301", 125) + "algo", "Z\u0336\u0336\u0336algo"},
	{"ZalgoOnAnAccentedLetter", "e\u0301" + strings.Repeat("\u0308", 20), "\u00E9\u0308\u0308"},
	{"MarkAfterSpaceCapped", "a " + strings.Repeat("\u0301", 9), "a \u0301\u0301\u0301"},
	{"FamilyZWJ", "👨\u200D👩\u200D👧\u200D👦", "👨\u200D👩\u200D👧\u200D👦"},
	{"SkinToneZWJ", "👩🏽\u200D🚀", "👩🏽\u200D🚀"},
	{"RainbowFlag", "🏳\uFE0F\u200D🌈", "🏳\uFE0F\u200D🌈"},
	{"HeartOnFire", "❤\uFE0F\u200D🔥", "❤\uFE0F\u200D🔥"},
	{"RegionalIndicatorFlags", "🇫🇷🇩🇪", "🇫🇷🇩🇪"},
	{"Keycap", "1\uFE0F\u20E3 #\uFE0F\u20E3", "1\uFE0F\u20E3 #\uFE0F\u20E3"},
	{"ZWJBetweenLetters", "a\u200Db", "ab"},
	{"ZWJAfterEmojiAtEnd", "👨\u200D", "👨"},
	{"ZWJBeforeEmojiAtStart", "\u200D👩", "👩"},
	{"ZWJAcrossSpace", "👨 \u200D👩", "👨 👩"},
	{"ZWJBetweenEmojiAndLetter", "👨\u200Da", "👨a"},
	{"ZWJAcrossDroppedCharacters", "👨\u200D\u200B\u202E👩", "👨\u200D👩"},
	{"DoubleZWJ", "👨\u200D\u200D👩", "👨\u200D👩"},
	{"ZWJOnlyText", " \u200D ", ""},
	{"VariationSelectorInWord", "id\uFE0Fi\uFE0Eot", "idiot"},
	{"VariationSelectorOnSpace", "a \uFE0F b", "a b"},
	{"VariationSelectorAtStart", "\uFE0Fa", "a"},
	{"EmojiPresentation", "\u2764\uFE0F \u263A\uFE0E", "\u2764\uFE0F \u263A\uFE0E"},
	{"IdeographicVariation", "葛\U000E0100城", "葛\U000E0100城"},
	{"IdeographicVariationOnLatin", "a\U000E0100b", "ab"},
}

func TestCleanText(t *testing.T) {
	for _, tt := range cleanTextCases {
		t.Run(tt.name, func(t *testing.T) {
			got := tribune.CleanText(tt.in)
			if got != tt.want {
				t.Errorf("CleanText(%+q) = %+q, want %+q", tt.in, got, tt.want)
			}
			checkClean(t, tt.in, got)
		})
	}
}

// TestCleanTextIsNFC: CleanText returns NFC for every character, alone and
// after a letter, and for every canonical decomposition (every pair that
// NFC composes), whichever shortcut it takes.
func TestCleanTextIsNFC(t *testing.T) {
	for r := rune(0); r <= 0x3FFFF; r++ {
		if !utf8.ValidRune(r) {
			continue
		}
		c := string(r)
		for _, in := range []string{c, "a" + c, norm.NFD.String(c), "x" + norm.NFD.String(c)} {
			if out := tribune.CleanText(in); !norm.NFC.IsNormalString(out) {
				t.Errorf("CleanText(%+q) = %+q, not NFC", in, out)
			}
		}
	}
}

// TestCleanTextASCIIUnchanged checks the promise the fast path keeps:
// clean ASCII comes back as the same string, not a copy.
func TestCleanTextASCIIUnchanged(t *testing.T) {
	in := "Will the new tram line reach the north district before 2027?"
	if got := tribune.CleanText(in); got != in || unsafe.StringData(got) != unsafe.StringData(in) {
		t.Errorf("CleanText(%q) = %q, a copy", in, got)
	}
	if n := testing.AllocsPerRun(100, func() { tribune.CleanText(in) }); n != 0 {
		t.Errorf("CleanText of clean ASCII: %v allocations, want 0", n)
	}
}

func TestCleanName(t *testing.T) {
	long := strings.Repeat("ab", 40)   // 80 runes
	family := "👨\u200D👩\u200D👧\u200D👦" // 7 runes, one grapheme cluster
	tests := []struct {
		name, in, want string
	}{
		{"Plain", "Alice", "Alice"},
		{"CleanedAsText", " \u202Eecila\u202C\u00AD  B\u200Bob ", "ecila Bob"},
		{"Cut", long, long[:tribune.MaxNameRunes]},
		{"CutBeforeTrailingSpace", strings.Repeat("x", 63) + " yz", strings.Repeat("x", 63)},
		// 60 runes, then a 7-rune family: the cut falls before it, never
		// inside it (a dangling ZWJ).
		{"CutBetweenClusters", strings.Repeat("n", 60) + family + "zz", strings.Repeat("n", 60)},
		{"CutKeepsMarksWithTheirLetter", strings.Repeat("n", 63) + "e\u0308\u0323" + "z", strings.Repeat("n", 63)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tribune.CleanName(tt.in)
			if got != tt.want {
				t.Errorf("CleanName(%+q) = %+q, want %+q", tt.in, got, tt.want)
			}
			if n := utf8.RuneCountInString(got); n > tribune.MaxNameRunes {
				t.Errorf("CleanName: %d runes, want at most %d", n, tribune.MaxNameRunes)
			}
			if again := tribune.CleanName(got); again != got {
				t.Errorf("CleanName(CleanName) = %+q, want %+q", again, got)
			}
			checkClean(t, tt.in, got)
		})
	}
}

// TestValidateQuestionTextCountsCleanRunes: the limit applies to the text
// as stored, so invisible padding neither pushes a question over it nor
// hides a long one.
func TestValidateQuestionTextCountsCleanRunes(t *testing.T) {
	full := strings.Repeat("é", tribune.MaxQuestionRunes)
	t.Run("OK", func(t *testing.T) {
		padded := "\u202E" + strings.Repeat("e\u0301\u200B", tribune.MaxQuestionRunes) + "\u202C"
		got, err := tribune.ValidateQuestionText(padded)
		if err != nil || got != full {
			t.Errorf("ValidateQuestionText = %q, %v; want %d é", got, err, tribune.MaxQuestionRunes)
		}
	})
	t.Run("ErrTooLong", func(t *testing.T) {
		_, err := tribune.ValidateQuestionText(full + "\u00ADx")
		if tribune.ErrorReason(err) != tribune.ReasonTooLong {
			t.Errorf("err = %v, want %s", err, tribune.ReasonTooLong)
		}
	})
	t.Run("ErrEmpty", func(t *testing.T) {
		_, err := tribune.ValidateQuestionText("\u202E\u200D\u00AD\U000E0000 \u2066")
		if tribune.ErrorReason(err) != tribune.ReasonEmpty {
			t.Errorf("err = %v, want %s", err, tribune.ReasonEmpty)
		}
	})
}

// hostileSeeds are the strings that defeated the banned-word list or the
// overlay, and the emoji that must survive the cleaning.
var hostileSeeds = []string{
	"\u202Etoidi\u202C",
	"what a \u202Etoidi ,olleh",
	"\u202E\u202Dnested\u202C override\u202C",
	"id\u00ADiot and con\u00ADnard",
	"\u0456d\u0456\u043Et", // Cyrillic і, о
	"Z" + strings.Repeat("\u0336\u0301\u0316", 84),
	strings.Repeat("\u0301", 12) + "leading marks",
	"👨\u200D👩\u200D👧\u200D👦 👩🏽\u200D🚀 🏳\uFE0F\u200D🌈 ❤\uFE0F\u200D🔥",
	"🇫🇷🇩🇪🇯🇵",
	"🏴\U000E0067\U000E0062\U000E0073\U000E0063\U000E0074\U000E007F",
	"hidden\U000E0069\U000E0067\U000E006E\U000E006F\U000E0072\U000E0065 tags",
	"1\uFE0F\u20E3 #\u20E3",
	"a\u200Db \u200D👩 👨\u200D",
	"\u0958\uFB2A\u212B",  // NFC changes their length
	"e\u0301\uFE00\u0301", // a variation selector between marks
	"\xff\xfe bad \xe2\x82 utf8 \x00\x07",
	"  many   spaces\t\n\r\u3000\u00A0 ",
	"\u0645\u06CC\u200C\u062E\u0648\u0627\u0647\u0645", // Persian with a ZWNJ
	"\u2066\u2067\u2068\u2069\u200E\u200F\u061C",
}

func FuzzCleanText(f *testing.F) {
	for _, s := range hostileSeeds {
		f.Add(s)
	}
	for _, tt := range cleanTextCases {
		f.Add(tt.in)
	}
	f.Fuzz(func(t *testing.T, in string) {
		checkClean(t, in, tribune.CleanText(in))
	})
}

// checkClean checks what CleanText promises of out, the cleaning of in.
func checkClean(t *testing.T, in, out string) {
	t.Helper()
	if !utf8.ValidString(out) {
		t.Fatalf("CleanText(%+q) = %+q: invalid UTF-8", in, out)
	}
	if again := tribune.CleanText(out); again != out {
		t.Fatalf("CleanText(%+q) = %+q, cleaned again %+q", in, out, again)
	}
	if !norm.NFC.IsNormalString(out) {
		t.Fatalf("CleanText(%+q) = %+q: not NFC", in, out)
	}
	// Never longer than the input in NFC: NFC alone makes a few
	// characters longer (U+0958 becomes two), cleaning only removes.
	if nfc := norm.NFC.String(in); len(out) > len(nfc) || utf8.RuneCountInString(out) > utf8.RuneCountInString(nfc) {
		t.Fatalf("CleanText(%+q) = %+q: longer than the input's NFC %+q", in, out, nfc)
	}
	if strings.HasPrefix(out, " ") || strings.HasSuffix(out, " ") || strings.Contains(out, "  ") {
		t.Fatalf("CleanText(%+q) = %+q: spaces not folded", in, out)
	}
	for _, r := range out {
		switch {
		case r != ' ' && unicode.IsSpace(r):
			t.Fatalf("CleanText(%+q) = %+q: whitespace %U", in, out, r)
		case r != '\u200D' && unicode.In(r, unicode.Cc, unicode.Cf), tribune.Invisible(r):
			t.Fatalf("CleanText(%+q) = %+q: control or format character %U", in, out, r)
		}
	}
	// A ZWJ joins two emoji into one grapheme cluster (UAX #29 GB11): it is
	// inside its cluster, and what follows it there is a new character,
	// not an extender glued on by GB9.
	for rest, state := out, -1; rest != ""; {
		var cluster string
		cluster, rest, _, state = uniseg.FirstGraphemeClusterInString(rest, state)
		for i, r := range cluster {
			if r != '\u200D' {
				continue
			}
			next, _ := utf8.DecodeRuneInString(cluster[i+len("\u200D"):])
			if i+len("\u200D") == len(cluster) || unicode.In(next, unicode.Mn, unicode.Me, unicode.Cf) {
				t.Fatalf("CleanText(%+q) = %+q: ZWJ outside an emoji sequence in %+q", in, out, cluster)
			}
		}
	}
	marks := 0
	for _, r := range norm.NFD.String(out) {
		if !unicode.In(r, unicode.Mn, unicode.Me) {
			marks = 0
		} else if marks++; marks > tribune.MaxMarks {
			t.Fatalf("CleanText(%+q) = %+q: more than %d marks on one character", in, out, tribune.MaxMarks)
		}
	}
}

var benchTexts = []struct{ name, text string }{
	{"ASCII", "Will the new tram line reach the north district before the 2027 elections?"},
	{"ASCIIToClean", "  will the new tram line   reach the north district\tbefore 2027??  "},
	{"French", "Est-ce que la médiathèque ouvrira le dimanche, même l'été ? Les élèves en ont besoin."},
	{"Hostile", "\u202Etoidi\u202C est un cré\u00ADtin 👨\u200D👩\u200D👧 Z" + strings.Repeat("\u0336", 40)},
}

// BenchmarkCleanText measures CleanText on the text chat mostly sends
// (ASCII), on French, and on hostile text.
func BenchmarkCleanText(b *testing.B) {
	for _, bt := range benchTexts {
		b.Run(bt.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(bt.text)))
			for b.Loop() {
				tribune.CleanText(bt.text)
			}
		})
	}
}
