// Package match holds the rules on question text that every source needs:
// near-duplicate detection (Matcher, a tribune.Matcher) and banned words
// (Words, a tribune.WordFilter). Text is compared folded: case, accents and
// compatibility forms set aside, so that "École" and "ecole" are one word.
// The Service calls them for every question, whichever platform asked it.
package match
