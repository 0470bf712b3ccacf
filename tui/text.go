package tui

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/charmbracelet/x/ansi"
)

// safe makes untrusted text (questions, names: chat input, or whatever a
// remote server sends) harmless in a terminal: control characters, which
// could carry escape sequences, and bidirectional overrides, which could
// reorder the line, are dropped; line breaks become spaces.
func safe(s string) string {
	clean := true
	for _, r := range s {
		if unsafeRune(r) {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '\n' || r == '\r' || r == '\t':
			b.WriteByte(' ')
		case unsafeRune(r):
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

func unsafeRune(r rune) bool {
	if unicode.IsControl(r) || r == unicode.ReplacementChar {
		return true
	}
	switch {
	case r >= '\u202A' && r <= '\u202E', r >= '\u2066' && r <= '\u2069', r == '\u200E', r == '\u200F':
		return true
	}
	return false
}

// fit truncates plain s to w cells with an ellipsis and pads it to w.
func fit(s string, w int) string {
	if w <= 0 {
		return ""
	}
	n := ansi.StringWidth(s)
	if n > w {
		s = ansi.Truncate(s, w, "…")
		n = ansi.StringWidth(s)
	}
	if n < w {
		s += strings.Repeat(" ", w-n)
	}
	return s
}

// fitRight is fit with the text aligned right.
func fitRight(s string, w int) string {
	if w <= 0 {
		return ""
	}
	n := ansi.StringWidth(s)
	if n > w {
		return ansi.Truncate(s, w, "…")
	}
	return strings.Repeat(" ", w-n) + s
}

// padLine pads or truncates a possibly styled line to exactly w cells.
func padLine(s string, w int) string {
	n := ansi.StringWidth(s)
	if n > w {
		return ansi.Truncate(s, w, "…")
	}
	return s + strings.Repeat(" ", w-n)
}

// joinRight puts right at the right end of a line of width w that starts
// with left; right is dropped when both do not fit.
func joinRight(left, right string, w int) string {
	lw, rw := ansi.StringWidth(left), ansi.StringWidth(right)
	if lw+1+rw > w {
		return padLine(left, w)
	}
	return left + strings.Repeat(" ", w-lw-rw) + right
}

// age says how long ago t was, in the largest whole unit.
func age(now, t time.Time) string {
	d := now.Sub(t)
	switch {
	case d < time.Minute:
		if d < 0 {
			d = 0
		}
		return strconv.Itoa(int(d/time.Second)) + "s"
	case d < time.Hour:
		return strconv.Itoa(int(d/time.Minute)) + "m"
	case d < 48*time.Hour:
		return strconv.Itoa(int(d/time.Hour)) + "h"
	}
	return strconv.Itoa(int(d/(24*time.Hour))) + "d"
}

// plural returns "1 vote", "2 votes".
func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return strconv.Itoa(n) + " " + word + "s"
}

// shrink chooses a form for each part of a line that must fit. forms[i]
// lists part i's forms, widest first ("" hides the part). It starts with
// every part at its widest and, while fits says no, moves the part that
// the next of steps names to its next form; a step on a part already at
// its last form is skipped. It returns the forms chosen, which may still
// not fit once steps run out.
func shrink(forms [][]string, steps []int, fits func(pick []string) bool) []string {
	at := make([]int, len(forms))
	pick := make([]string, len(forms))
	for i := range forms {
		pick[i] = forms[i][0]
	}
	for !fits(pick) {
		moved := false
		for len(steps) > 0 && !moved {
			i := steps[0]
			steps = steps[1:]
			if at[i]+1 < len(forms[i]) {
				at[i]++
				pick[i] = forms[i][at[i]]
				moved = true
			}
		}
		if !moved {
			break
		}
	}
	return pick
}

// joinFit is joinRight for a right side that matters more than the left:
// when both do not fit, the left is cut, then the right.
func joinFit(left, right string, w int) string {
	lw, rw := ansi.StringWidth(left), ansi.StringWidth(right)
	switch {
	case rw == 0:
		return padLine(left, w)
	case lw+1+rw <= w:
		return left + strings.Repeat(" ", w-lw-rw) + right
	case rw+2 <= w:
		// Keep at least a cell of the left and the gap before the right.
		return padLine(ansi.Truncate(left, w-rw-1, "…"), w-rw) + right
	}
	return padLine(right, w)
}

// clock formats a time on air: "02:31", "1:02:31".
func clock(d time.Duration) string {
	if d < 0 {
		d = 0
	}
	s := int(d / time.Second)
	if s >= 3600 {
		return fmt.Sprintf("%d:%02d:%02d", s/3600, s/60%60, s%60)
	}
	return fmt.Sprintf("%02d:%02d", s/60, s%60)
}
