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
package match
