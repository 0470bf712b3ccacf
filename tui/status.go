package tui

import (
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/charmbracelet/x/ansi"

	"github.com/tribune-live/tribune"
)

// The status line, left to right: the title, what is on air and for how
// long, what needs the moderator (the console's own link when it is down,
// storage that cannot record), the session; then, at the right, the state
// of every other component of the health map, whose names are open-ended
// ("twitch #party", "youtube", "ask", "obs", …): whatever the server
// reports is shown.
//
// Storage is shown only when it is not ok, in the alert style: "storage
// ok" on every screen says nothing, and an alert among healthy items
// would be missed. In a narrow terminal the line gives way in a fixed
// order: the session's title and number first, then the components'
// states (compact, then a ✓ for those that work), the session's channel,
// the working components (counted as "3 ok"), those in trouble (a ✗,
// then counted as "2 ✗"), and last the title. What is on air and storage
// stay.

// component is one entry of the health map, as the status line shows it.
type component struct {
	name, state string
	good        bool
}

// goodStates are the first words of the states of a component that
// works: chat "connected", "anonymous" (reading without an account),
// YouTube "streaming · quota …", storage and the ask page "ok".
var goodStates = map[string]bool{
	"ok": true, "connected": true, "joined": true, "anonymous": true,
	"streaming": true, "polling": true, "live": true, "ready": true,
	"running": true, "listening": true, "reading": true,
}

// healthy reports whether a component's state says it works. The overlay
// reports its number of clients: none means OBS is not showing it.
func healthy(name, state string) bool {
	if name == tribune.HealthOverlay {
		if n, err := strconv.Atoi(state); err == nil {
			return n > 0
		}
	}
	first, _, _ := strings.Cut(strings.TrimSpace(state), " ")
	return goodStates[strings.ToLower(first)]
}

// rank orders components: the sources of questions first, then what
// shows them, then anything else by name.
func rank(name string) int {
	switch {
	case strings.HasPrefix(name, "twitch"):
		return 0
	case name == tribune.HealthChat:
		return 1
	case name == "youtube":
		return 2
	case name == "ask":
		return 3
	case name == tribune.HealthOverlay:
		return 4
	case name == "obs":
		return 5
	}
	return 6
}

// components returns the health map but storage, in display order. The
// chat summary is left out when each Twitch channel says its own state:
// it would show one connection twice.
func components(health map[string]string) []component {
	perChannel := false
	for name := range health {
		perChannel = perChannel || strings.HasPrefix(name, "twitch #")
	}
	out := make([]component, 0, len(health))
	for name, state := range health {
		if name == tribune.HealthStorage || (perChannel && name == tribune.HealthChat) {
			continue
		}
		out = append(out, component{name: safe(name), state: safe(state), good: healthy(name, state)})
	}
	slices.SortFunc(out, func(a, b component) int {
		if d := rank(a.name) - rank(b.name); d != 0 {
			return d
		}
		return strings.Compare(a.name, b.name)
	})
	return out
}

// percent finds a meter in a state: "(12 %)" in YouTube's quota.
var percent = regexp.MustCompile(`\((\d+(?:[.,]\d+)?) ?%\)`)

// compact shortens a state to its first part and its meter, if any:
// "streaming · quota 1 240/10 000 (12 %)" → "streaming 12 %".
func compact(state string) string {
	first, _, cut := strings.Cut(state, " · ")
	if m := percent.FindStringSubmatch(state); cut && m != nil && !strings.Contains(first, "%") {
		return first + " " + m[1] + " %"
	}
	if ansi.StringWidth(first) > maxCompact {
		return ansi.Truncate(first, maxCompact, "…")
	}
	return first
}

// maxCompact is the widest a compact state is, in cells.
const maxCompact = 20

// shortName is a component's name where room is short: a Twitch
// channel's name alone, YT for YouTube.
func shortName(name string) string {
	switch {
	case strings.HasPrefix(name, "twitch #"):
		name = strings.TrimPrefix(name, "twitch ")
	case name == "youtube":
		return "YT"
	}
	if ansi.StringWidth(name) > maxShortName {
		return ansi.Truncate(name, maxShortName, "…")
	}
	return name
}

// maxShortName is the widest a component's short name is, in cells.
const maxShortName = 12

// forms returns the ways the status line can show c, widest first.
func (c component) forms(st *Styles) []string {
	state := st.Health
	if !c.good {
		state = st.Unhealthy
	}
	label := func(name string) string { return st.StatusBar.Render(name + " ") }
	if c.state == "" {
		dash := st.StatusBar.Render(c.name + " –")
		return []string{dash, dash, st.StatusBar.Render(shortName(c.name) + " –"), ""}
	}
	full, short := c.state, compact(c.state)
	if c.name == tribune.HealthOverlay {
		if n, err := strconv.Atoi(c.state); err == nil {
			full = plural(n, "client")
		}
	}
	brief := short // where only a word fits: ✓, or a meter worth watching
	if m := percent.FindStringSubmatch(c.state); m != nil {
		brief = m[1] + " %"
	} else if c.good && c.name != tribune.HealthOverlay {
		brief = "✓"
	}
	forms := []string{
		label(c.name) + state.Render(full),
		label(c.name) + state.Render(short),
		label(shortName(c.name)) + state.Render(brief),
	}
	if c.good {
		return append(forms, "") // it may go, counted as ok
	}
	// It may shrink to a cross, then go, counted.
	return append(forms, label(shortName(c.name))+state.Render("✗"), "")
}

// onAirForms returns the ways to show what is on air: its number and its
// time on air, which the clock's tick moves on every second.
func (m Model) onAirForms() []string {
	st := m.styles
	q, ok := m.idx.get(m.idx.onAir)
	if m.idx.onAir == 0 || !ok {
		return []string{st.OffAir.Render("○ off air")}
	}
	n := "#" + strconv.Itoa(q.ID)
	if q.Aired.IsZero() { // a server that does not say since when
		return []string{st.OnAir.Render("● on air " + n), st.OnAir.Render("● " + n)}
	}
	t := clock(m.clock.Sub(q.Aired))
	return []string{st.OnAir.Render("● on air " + n + " · " + t), st.OnAir.Render("● " + n + " · " + t)}
}

// statusBar renders the status line, w cells wide.
func (m Model) statusBar(w int) string {
	st := m.styles
	// Parts of the line, in display order: the left group, the counts of
	// the components left out, then the components.
	const (
		pTitle = iota
		pOnAir
		pConsole
		pStorage
		pSession
		pBad  // "2 ✗": the components in trouble that were left out
		pGood // "3 ok": the working ones left out
		pComps
	)
	comps := components(m.health)
	forms := make([][]string, pComps+len(comps))
	for i := range forms {
		forms[i] = []string{""}
	}
	forms[pTitle] = []string{st.Title.Render("Tribune"), ""}
	if m.loaded {
		forms[pOnAir] = m.onAirForms()
	}
	if m.conn != "live" {
		forms[pConsole] = []string{st.Unhealthy.Render("console " + m.conn), st.Unhealthy.Render(m.conn)}
	}
	if s, ok := m.health[tribune.HealthStorage]; ok && s != tribune.HealthOK {
		s = safe(s)
		forms[pStorage] = []string{st.Alert.Render("✗ storage " + s), st.Alert.Render("✗ " + s)}
	}
	if s := m.session; s.ID != 0 {
		ch := "#" + safe(s.Channel)
		num := ch + " · session " + strconv.FormatInt(s.ID, 10)
		full := num
		if s.Title != "" {
			full += " “" + safe(s.Title) + "”"
		}
		forms[pSession] = []string{st.StatusBar.Render(full), st.StatusBar.Render(num), st.StatusBar.Render(ch), ""}
	}
	forms[pBad] = []string{"x"} // shown while it counts something
	forms[pGood] = []string{"x", ""}
	for i, c := range comps {
		forms[pComps+i] = c.forms(st)
	}

	// The order in which parts give way; components shrink from the last
	// (the least important) to the first.
	var steps []int
	each := func(keep func(c component) bool) {
		for i := len(comps) - 1; i >= 0; i-- {
			if keep(comps[i]) {
				steps = append(steps, pComps+i)
			}
		}
	}
	all := func(component) bool { return true }
	good := func(c component) bool { return c.good }
	bad := func(c component) bool { return !c.good }
	steps = append(steps, pSession, pSession)
	each(all) // compact states
	each(all) // short names, ✓
	steps = append(steps, pOnAir, pSession)
	each(good) // working ones go, counted as ok
	each(bad)  // troubled ones: ✗
	steps = append(steps, pTitle, pGood)
	each(bad) // troubled ones go, counted
	steps = append(steps, pStorage, pConsole)

	render := func(pick []string) (string, string) {
		left := joinStyled(pick[pTitle:pSession+1], "  ")
		var right []string
		var ok, ko int
		for i, c := range comps {
			switch p := pick[pComps+i]; {
			case p != "":
				right = append(right, p)
			case c.good:
				ok++
			default:
				ko++
			}
		}
		if ko > 0 {
			right = append([]string{st.Unhealthy.Render(strconv.Itoa(ko) + " ✗")}, right...)
		}
		if ok > 0 && pick[pGood] != "" {
			right = append(right, st.Health.Render(strconv.Itoa(ok)+" ok"))
		}
		return left, joinStyled(right, st.StatusBar.Render(" · "))
	}
	pick := shrink(forms, steps, func(pick []string) bool {
		l, r := render(pick)
		lw, rw := ansi.StringWidth(l), ansi.StringWidth(r)
		return lw+rw+1 <= w || (rw == 0 && lw <= w) || (lw == 0 && rw <= w)
	})
	// What is on air and what is wrong with storage are on the left:
	// when even the narrowest forms do not fit, the right is cut.
	left, right := render(pick)
	return joinRight(left, right, w)
}
