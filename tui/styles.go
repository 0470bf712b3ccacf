package tui

import (
	"io"
	"os"

	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"

	"github.com/tribune-live/tribune"
)

// Styles holds every style of the console, so that no colour is chosen in a
// view. Nothing in the console relies on colour alone: the selected row has
// a marker, the active filter brackets, errors a leading cross, so the plain
// styles (NO_COLOR) lose nothing but colour.
type Styles struct {
	Title     lipgloss.Style // "Tribune" in the status bar
	StatusBar lipgloss.Style // session and connection state
	Health    lipgloss.Style // a healthy component ("connected")
	Unhealthy lipgloss.Style // a component that is down or reconnecting
	Alert     lipgloss.Style // storage that cannot record: the meeting is at risk
	OnAir     lipgloss.Style // the question on air and its time on air
	OffAir    lipgloss.Style // nothing on air

	Tab       lipgloss.Style // a status filter with its count
	ActiveTab lipgloss.Style // the filter in use

	Header   lipgloss.Style // the queue's column titles
	Info     lipgloss.Style // sort, search and similar notes
	Badge    lipgloss.Style // "2 new pending"
	Row      lipgloss.Style // a question in the queue
	Selected lipgloss.Style // the selected row, applied to the whole line
	Fresh    lipgloss.Style // the marker of a question that arrived unseen
	Marked   lipgloss.Style // the marker of a question selected for a wave
	Tag      lipgloss.Style // a question's label, "[transport]"
	Empty    lipgloss.Style // "no questions"
	Statuses map[tribune.Status]lipgloss.Style
	// Sources colours the source badges ("TW", "YT", "WEB") by source.
	Sources map[string]lipgloss.Style

	Rule        lipgloss.Style // separators between panes
	DetailTitle lipgloss.Style
	Label       lipgloss.Style // "votes", "asked", … in the detail
	Text        lipgloss.Style // a question's full text

	Message lipgloss.Style // the result of the last action
	Error   lipgloss.Style // a refusal or failure
	Prompt  lipgloss.Style // the prompt of merge, edit, ban, search
	Input   lipgloss.Style // text typed into a prompt
	Cursor  lipgloss.Style

	Help help.Styles
}

// DefaultStyles returns the console's colour styles, rendered by lipgloss's
// default renderer, which already drops colour when NO_COLOR is set or the
// terminal has none.
func DefaultStyles() Styles {
	return colourStyles(lipgloss.DefaultRenderer())
}

// PlainStyles returns styles without colour or attributes, rendered as
// plain text whatever the terminal: for NO_COLOR, dumb terminals and tests
// (golden files then hold no escape sequences).
func PlainStyles() Styles {
	r := lipgloss.NewRenderer(io.Discard)
	r.SetColorProfile(termenv.Ascii)
	s := r.NewStyle()
	st := Styles{
		Title: s, StatusBar: s, Health: s, Unhealthy: s, Alert: s, OnAir: s, OffAir: s,
		Tab: s, ActiveTab: s,
		Header: s, Info: s, Badge: s, Row: s, Selected: s, Fresh: s, Marked: s, Tag: s, Empty: s,
		Statuses: map[tribune.Status]lipgloss.Style{},
		Sources:  map[string]lipgloss.Style{},
		Rule:     s, DetailTitle: s, Label: s, Text: s,
		Message: s, Error: s, Prompt: s, Input: s, Cursor: s,
		Help: help.Styles{
			Ellipsis: s, ShortKey: s, ShortDesc: s, ShortSeparator: s,
			FullKey: s, FullDesc: s, FullSeparator: s,
		},
	}
	return st
}

// NewStyles returns PlainStyles when noColor is set, DefaultStyles otherwise.
func NewStyles(noColor bool) Styles {
	if noColor {
		return PlainStyles()
	}
	return DefaultStyles()
}

// envNoColor reports whether the environment asks for no colour
// (https://no-color.org).
func envNoColor() bool { return os.Getenv("NO_COLOR") != "" }

func colourStyles(r *lipgloss.Renderer) Styles {
	s := r.NewStyle()
	var (
		accent = lipgloss.AdaptiveColor{Light: "#5A3FC0", Dark: "#A38BFF"}
		subtle = lipgloss.AdaptiveColor{Light: "#8A8A8A", Dark: "#6C6C6C"}
		faint  = lipgloss.AdaptiveColor{Light: "#B0B0B0", Dark: "#4E4E4E"}
		selBg  = lipgloss.AdaptiveColor{Light: "#E6E0FA", Dark: "#34295A"}
		green  = lipgloss.AdaptiveColor{Light: "#1B7F3B", Dark: "#5FD38A"}
		yellow = lipgloss.AdaptiveColor{Light: "#9A6700", Dark: "#F2C14E"}
		red    = lipgloss.AdaptiveColor{Light: "#C62828", Dark: "#FF6B6B"}
		blue   = lipgloss.AdaptiveColor{Light: "#1F5FAF", Dark: "#6CA8FF"}
		orange = lipgloss.AdaptiveColor{Light: "#B34D00", Dark: "#FF9E57"}
		cyan   = lipgloss.AdaptiveColor{Light: "#00778A", Dark: "#5FD7E8"}
		// The platforms' own colours, darkened for light terminals.
		twitch  = lipgloss.AdaptiveColor{Light: "#6441A5", Dark: "#A970FF"}
		youtube = lipgloss.AdaptiveColor{Light: "#CC0000", Dark: "#FF4E45"}
		white   = lipgloss.Color("#FFFFFF")
		alertBg = lipgloss.Color("#C62828")
	)
	return Styles{
		Title:     s.Bold(true).Foreground(accent),
		StatusBar: s.Foreground(subtle),
		Health:    s.Foreground(green),
		Unhealthy: s.Foreground(red).Bold(true),
		Alert:     s.Bold(true).Foreground(white).Background(alertBg),
		OnAir:     s.Bold(true).Foreground(red),
		OffAir:    s.Foreground(subtle),

		Tab:       s.Foreground(subtle),
		ActiveTab: s.Bold(true).Foreground(accent).Underline(true),

		Header:   s.Foreground(subtle).Bold(true),
		Info:     s.Foreground(subtle),
		Badge:    s.Bold(true).Foreground(yellow),
		Row:      s,
		Selected: s.Bold(true).Background(selBg),
		Fresh:    s.Bold(true).Foreground(yellow),
		Marked:   s.Bold(true).Foreground(accent),
		Tag:      s.Foreground(cyan),
		Empty:    s.Foreground(subtle).Italic(true),
		Statuses: map[tribune.Status]lipgloss.Style{
			tribune.StatusPending:   s.Foreground(yellow),
			tribune.StatusApproved:  s.Foreground(green),
			tribune.StatusOnAir:     s.Foreground(red).Bold(true),
			tribune.StatusAnswered:  s.Foreground(blue),
			tribune.StatusHidden:    s.Foreground(orange),
			tribune.StatusRejected:  s.Foreground(faint),
			tribune.StatusMerged:    s.Foreground(faint),
			tribune.StatusWithdrawn: s.Foreground(faint),
		},
		Sources: map[string]lipgloss.Style{
			tribune.SourceTwitch:  s.Foreground(twitch),
			tribune.SourceYouTube: s.Foreground(youtube),
			tribune.SourceWeb:     s.Foreground(blue),
			tribune.SourceConsole: s.Foreground(subtle),
		},

		Rule:        s.Foreground(faint),
		DetailTitle: s.Bold(true).Foreground(accent),
		Label:       s.Foreground(subtle),
		Text:        s,

		Message: s.Foreground(green),
		Error:   s.Foreground(red).Bold(true),
		Prompt:  s.Bold(true).Foreground(accent),
		Input:   s,
		Cursor:  s.Reverse(true),

		Help: help.Styles{
			Ellipsis:       s.Foreground(faint),
			ShortKey:       s.Foreground(subtle).Bold(true),
			ShortDesc:      s.Foreground(subtle),
			ShortSeparator: s.Foreground(faint),
			FullKey:        s.Foreground(subtle).Bold(true),
			FullDesc:       s.Foreground(subtle),
			FullSeparator:  s.Foreground(faint),
		},
	}
}

// source returns the style of a source's badge, or the plain row style.
func (st Styles) source(src string) lipgloss.Style {
	if src == "" {
		src = tribune.SourceTwitch
	}
	if v, ok := st.Sources[src]; ok {
		return v
	}
	return st.Row
}

// status returns the style of a status, or the plain row style.
func (st Styles) status(s tribune.Status) lipgloss.Style {
	if v, ok := st.Statuses[s]; ok {
		return v
	}
	return st.Row
}
