// Package match holds the rules on question text that every source needs:
// near-duplicate detection (Matcher, a tribune.Matcher), banned words
// (Words, a tribune.WordFilter), and waves of one question asked with
// noise (WaveKey, Alike) for the console. Text is compared folded: case,
// accents and compatibility forms set aside, so that "École" and "ecole"
// are one word. Banned words go further and compare skeletons (UTS #39):
// lookalike letters, invisible characters and signs between letters set
// aside too, since hostile text uses them to show a banned word. The
// Service calls Matcher and Words for every question, whichever platform
// asked it.
//
// matcher.go holds the Matcher's inverted index and its similarity rule;
// keywords.go reduces a text to the key words it compares (stop words
// dropped, negations and numbers kept as critical, crude stems), on the
// folded text of fold.go. words.go is the banned-word list, matched on
// the skeletons of skeleton.go, with bidi.go reading text in the order a
// screen draws it. wave.go gives the key of a wave.
package match
