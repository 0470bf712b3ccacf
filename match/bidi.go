package match

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Bidi controls (UAX #9).
const (
	lre = '\u202A'
	rle = '\u202B'
	pdf = '\u202C'
	lro = '\u202D'
	rlo = '\u202E'
	lri = '\u2066'
	rli = '\u2067'
	fsi = '\u2068'
	pdi = '\u2069'
)

// maxDepth is UAX #9's bound on embedding levels.
const maxDepth = 125

// visual returns text in the order a bidi-aware screen draws it, when a
// RIGHT-TO-LEFT OVERRIDE (U+202E) reverses part of it: "\u202Etoidi" is
// drawn "idiot". It returns false when text has no override, the case of
// all but hostile text.
//
// It applies UAX #9's explicit levels (X1–X8) and reordering (L2) to text
// whose every character is taken as a strong left-to-right one, which the
// Latin and Cyrillic letters of a banned word are: only overrides then move
// them. Right-to-left scripts, whose order the full algorithm would also
// reverse, are not words a Latin lookalike can hide in. Controls and
// format characters are left out of the result.
func visual(text string) (string, bool) {
	if !strings.ContainsRune(text, rlo) {
		return "", false
	}
	type entry struct {
		level    uint8
		override rune // rlo, lro or 0
		isolate  bool
	}
	stack := make([]entry, 1, 8)
	overflow, overflowIsolates := 0, 0
	var runes []rune
	var levels []uint8
	push := func(odd bool, override rune, isolate bool) {
		top := stack[len(stack)-1]
		level := top.level + 1
		if odd != (level%2 == 1) {
			level++
		}
		switch {
		case level <= maxDepth && overflow == 0 && overflowIsolates == 0:
			stack = append(stack, entry{level, override, isolate})
		case isolate:
			overflowIsolates++
		case overflowIsolates == 0:
			overflow++
		}
	}
	for _, r := range text {
		top := stack[len(stack)-1]
		switch r {
		case rle, lre:
			push(r == rle, 0, false)
		case rlo, lro:
			push(r == rlo, r, false)
		case rli, lri, fsi:
			push(r == rli, 0, true)
		case pdf:
			switch {
			case overflowIsolates > 0:
			case overflow > 0:
				overflow--
			case !top.isolate && len(stack) > 1:
				stack = stack[:len(stack)-1]
			}
		case pdi:
			switch {
			case overflowIsolates > 0:
				overflowIsolates--
			case slices.ContainsFunc(stack, func(e entry) bool { return e.isolate }):
				overflow = 0
				for !stack[len(stack)-1].isolate {
					stack = stack[:len(stack)-1]
				}
				stack = stack[:len(stack)-1]
			}
		case '\n', '\r', '\u2029', '\u0085':
			// A new paragraph starts afresh (P1).
			stack, overflow, overflowIsolates = stack[:1], 0, 0
			runes = append(runes, ' ')
			levels = append(levels, 0)
		default:
			switch {
			case unicode.IsSpace(r):
				r = ' '
			case r == utf8.RuneError || unicode.In(r, unicode.Cc, unicode.Cf):
				continue
			}
			level := top.level
			if top.override != rlo && level%2 == 1 {
				level++ // a left-to-right character at an odd level (I2)
			}
			runes = append(runes, r)
			levels = append(levels, level)
		}
	}
	// L2: from the highest level to the lowest odd one, reverse every run
	// at that level or higher.
	var high uint8
	for _, l := range levels {
		high = max(high, l)
	}
	for l := high; l >= 1; l-- {
		for i := 0; i < len(runes); {
			if levels[i] < l {
				i++
				continue
			}
			j := i
			for j < len(runes) && levels[j] >= l {
				j++
			}
			slices.Reverse(runes[i:j])
			slices.Reverse(levels[i:j])
			i = j
		}
	}
	return string(runes), true
}
