package match

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// appendKeyWords appends the sorted, unique key words of text to dst. They
// are slices of text (or of its folded copy) except for the few words
// stemming rewrites.
func appendKeyWords(dst []string, text string) []string {
	start := len(dst)
	folded := fold(text)
	prev := ""
	for i := 0; ; {
		var w string
		if w, i = nextWord(folded, i); w == "" {
			break
		}
		switch {
		case negations[w]:
			dst = append(dst, negation)
		case w == "t" && strings.HasSuffix(prev, "n"):
			dst = append(dst, negation) // don't, can't, won't: "don" "t"
		case stopWords[w]:
		case len(w) == 1 && !isDigit(w[0]): // one ASCII letter
		case len(w) <= 4 && utf8.RuneCountInString(w) == 1 && !isDigit(w[0]):
		default:
			dst = append(dst, stem(w))
		}
		prev = w
	}
	kw := dst[start:]
	if len(kw) > 1 {
		slices.Sort(kw)
		kw = slices.Compact(kw)
	}
	if len(kw) > maxKeyWords {
		kw = kw[:maxKeyWords]
	}
	return dst[:start+len(kw)]
}

// maxKeyWords bounds the key words of one text (a doc counts them in 16
// bits); a question of 300 runes has at most 150.
const maxKeyWords = 1<<16 - 1

// negation is the key word every negation becomes, so that "not", "never"
// and "pas" count as the same difference.
const negation = "not"

// critical reports key words whose presence on one side only changes the
// meaning: negations and numbers.
func critical(t string) bool {
	if t == negation {
		return true
	}
	for i := 0; i < len(t); i++ {
		if '0' <= t[i] && t[i] <= '9' {
			return true
		}
	}
	return false
}

// nextWord returns the first word of folded at or after byte i, and the
// index after it; "" at the end. A word is a run of letters and digits:
// apostrophes, hyphens and every other sign separate words, so "l'école"
// gives "l", "ecole" and "va-t-il" gives "va", "t", "il".
func nextWord(folded string, i int) (string, int) {
	start := -1
	for i < len(folded) {
		c := folded[i]
		size := 1
		var in bool
		if c < utf8.RuneSelf {
			in = 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || 'A' <= c && c <= 'Z'
		} else {
			var r rune
			r, size = utf8.DecodeRuneInString(folded[i:])
			in = unicode.IsLetter(r) || unicode.IsDigit(r)
		}
		if in {
			if start < 0 {
				start = i
			}
		} else if start >= 0 {
			return folded[start:i], i
		}
		i += size
	}
	if start >= 0 {
		return folded[start:], i
	}
	return "", i
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// stemLen is how many letters of a long word are kept: enough to tell
// most words apart ("police", "policy"), few enough that "transport" and
// "transportation", "ouvrir" and "ouvrira", "termine" and "terminer" meet.
const stemLen = 6

// stem reduces a folded word to a crude stem shared by English and French
// inflections: plural endings dropped ("cities" → "city", "taxes" → "tax"),
// English "-ing" and "-ed" dropped ("running" → "run"), a final "e"
// dropped, then the word cut to stemLen letters. Numbers are kept whole.
// It is crude on purpose: both sides of a comparison go through it, so it
// only has to map related forms together, not to find real stems.
func stem(w string) string {
	if isDigit(w[0]) {
		return w
	}
	n := utf8.RuneCountInString(w)
	switch {
	case n > 4 && strings.HasSuffix(w, "ies"):
		w = w[:len(w)-3] + "y"
	case n > 3 && strings.HasSuffix(w, "s") && !strings.HasSuffix(w, "ss"):
		w = w[:len(w)-1]
	case n > 3 && strings.HasSuffix(w, "x"):
		w = w[:len(w)-1]
	}
	n = utf8.RuneCountInString(w)
	switch {
	case n >= 6 && strings.HasSuffix(w, "ing"):
		w = undouble(w[:len(w)-3])
	case n >= 5 && strings.HasSuffix(w, "ed"):
		w = undouble(w[:len(w)-2])
	}
	if utf8.RuneCountInString(w) >= 4 && strings.HasSuffix(w, "e") {
		w = w[:len(w)-1]
	}
	if utf8.RuneCountInString(w) > stemLen {
		i, k := 0, 0
		for k < stemLen {
			_, size := utf8.DecodeRuneInString(w[i:])
			i += size
			k++
		}
		w = w[:i]
	}
	return w
}

// undouble drops the second of two equal final consonants, as English
// doubles them before "-ing" and "-ed" ("running", "planned"); "ll", "ss"
// and "zz" stay ("filling", "passed").
func undouble(w string) string {
	n := len(w)
	if n >= 3 && w[n-1] == w[n-2] && strings.IndexByte("bdfgmnprt", w[n-1]) >= 0 {
		return w[:n-1]
	}
	return w
}

// negations, folded, in English and French. "n't" is handled apart.
var negations = setOf(`not no never nor without against none neither nothing
	pas ne ni jamais sans contre aucun aucune rien non`)

// stopWords, folded, in English and French: words that carry no topic, and
// the verbs and politeness of questions addressed to a guest ("what do you
// plan to do about…", "pouvez-vous nous dire…").
var stopWords = setOf(`
	a an the this that these those there here it its
	is are was were be been being am do does did doing done have has had having
	will would shall should can could may might must
	don doesn didn isn aren wasn weren won wouldn shouldn couldn haven hasn hadn
	i me my mine we us our ours you your yours he him his she her hers they them their theirs
	what which who whom whose when where why how
	of in on at to for from by with about as into onto over under up down out off
	and or but if so than then too very just also only even still yet
	any some all each every more most much many such own same other another
	going go get got gets make makes made want wants think thinks know tell say said
	please thanks thank hi hello hey ok okay yes
	plan plans planning intend intending regarding concerning
	le la les l un une des du de d et ou mais donc or car
	au aux en dans par pour sur sous avec chez vers entre
	ce cet cette ces ca cela ceci c ci qui que qu quoi quel quelle quels quelles dont lequel laquelle
	quand comment pourquoi combien
	est sont etre ete sera seront serait seraient etait etaient suis es sommes etes
	ai as avez avons ont avait avaient aura auront aurait avoir eu
	je j tu il elle on nous vous ils elles me m te t se s lui leur leurs
	mon ma mes ton ta tes son sa ses notre nos votre vos y
	faire fait faites fais font ferez ferons allez aller va vont vais allons irez
	comptez compte comptes pensez pense penser pouvez peut peux pourrait pourriez pourra
	doit devez doivent devrait voulez veut veux dire dites
	plus moins tres bien aussi encore alors deja tout tous toute toutes
	merci bonjour salut svp stp oui
	monsieur madame
`)

func setOf(list string) map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(list) {
		m[w] = true
	}
	return m
}
