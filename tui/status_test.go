package tui_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/teatest"

	"github.com/tribune-live/tribune"
	"github.com/tribune-live/tribune/tui"
)

// statusLine returns the first line of a view.
func statusLine(view string) string { return strings.SplitN(view, "\n", 2)[0] }

// TestHealth checks the status line's components, from Health at start
// and from EventHealth after: chat and overlay as they come, storage only
// when it cannot record, and then in the alert form.
func TestHealth(t *testing.T) {
	f := MustOpenService(t)
	f.seed(t)
	f.svc.SetHealth(tribune.HealthChat, "connecting")
	tm := f.start(t, 80, 24) // its first screen already shows "chat connecting"
	f.svc.SetHealth(tribune.HealthChat, "connected")
	f.svc.SetHealth(tribune.HealthOverlay, "2")
	waitOutput(t, tm, "chat connected · overlay 2 clients")

	// Storage that cannot record comes first, next to what is on air; the
	// overlay's state gets shorter to make room.
	f.svc.SetHealth(tribune.HealthStorage, "read-only")
	waitOutput(t, tm, "○ off air  ✗ storage read-only  #townhall", "chat connected · overlay 2")
	f.svc.SetHealth(tribune.HealthStorage, tribune.HealthOK)
	waitOutput(t, tm, "chat connected · overlay 2 clients")

	m := quit(t, tm)
	first := statusLine(m.View())
	if !strings.HasSuffix(first, "chat connected · overlay 2 clients") {
		t.Errorf("status line=%q, want it to end with the chat and overlay state", first)
	}
	if strings.Contains(first, "storage") {
		t.Errorf("status line=%q shows storage that works", first)
	}
}

// TestStatusLine renders the status line of a meeting with every kind of
// source, storage that cannot write and a question on air, at widths from
// a phone's terminal to a wide screen: it always fits, and what needs the
// moderator (what is on air and for how long, storage, a channel that is
// reconnecting) stays while the rest gives way.
func TestStatusLine(t *testing.T) {
	health := map[string]string{
		"twitch #townhall":      "connected",
		"twitch #party":         "reconnecting",
		"youtube":               "streaming · quota 1 240/10 000 (12 %)",
		"ask":                   tribune.HealthOK,
		"obs":                   "connected",
		tribune.HealthOverlay:   "2",
		tribune.HealthStorage:   "disk full",
		"a component from 2027": "warming up",
	}
	tests := []struct {
		w    int
		want []string
	}{
		{30, []string{"● #1 · 02:31", "✗ disk full"}},
		{40, []string{"● #1 · 02:31", "✗ storage disk full", "2 ✗"}},
		{60, []string{"● #1 · 02:31", "✗ storage disk full", "#party ✗"}},
		{80, []string{"Tribune", "● #1 · 02:31", "✗ storage disk full", "#party ✗", "5 ok"}},
		{120, []string{"Tribune", "● #1 · 02:31", "✗ storage disk full", "#party reconnecting", "YT 12 %", "3 ok"}},
		{300, []string{"Tribune", "● on air #1 · 02:31", "#townhall · session 1 “Town hall”", "twitch #townhall connected",
			"youtube streaming · quota 1 240/10 000 (12 %)", "ask ok", "overlay 2 clients", "obs connected"}},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.w), func(t *testing.T) {
			f := MustOpenService(t)
			f.seed(t)
			if _, err := f.svc.Show(context.Background(), 1); err != nil {
				t.Fatal(err)
			}
			for k, v := range health {
				f.svc.SetHealth(k, v)
			}
			f.clock.Set(at(32).Add(31 * time.Second)) // #1 went on air at 20:30
			tm := f.start(t, tt.w, 24)
			first := statusLine(quit(t, tm).View())
			if n := ansi.StringWidth(first); n != tt.w {
				t.Errorf("status line is %d cells wide, want %d: %q", n, tt.w, first)
			}
			for _, w := range tt.want {
				if !strings.Contains(first, w) {
					t.Errorf("status line %q does not show %q", first, w)
				}
			}
			teatest.RequireEqualOutput(t, []byte(first))
		})
	}
}

// TestOnAirTimer checks that the time on air moves on by itself, every
// second, in the status line and the detail: the console's clock ticks
// without a key press or an event.
func TestOnAirTimer(t *testing.T) {
	f := MustOpenService(t)
	f.seed(t)
	if _, err := f.svc.Show(context.Background(), 1); err != nil {
		t.Fatal(err)
	}
	tm := f.start(t, 80, 24) // "● on air #1 · 00:00"
	f.clock.Set(at(32).Add(31 * time.Second))
	waitOutput(t, tm, "● on air #1 · 02:31", "on air for 02:31")
	f.clock.Set(at(30).Add(time.Hour + 5*time.Second))
	waitOutput(t, tm, "● on air #1 · 1:00:05")
	if _, err := f.svc.HideOverlay(context.Background()); err != nil {
		t.Fatal(err)
	}
	waitOutput(t, tm, "○ off air")
	m := quit(t, tm)
	if v := m.View(); !strings.Contains(v, "last on air 20:30:00") {
		t.Errorf("the detail does not say when #1 was last on air:\n%s", v)
	}
}

// TestSources renders a queue with questions from every source: badges,
// the channel once there are two Twitch channels, web names as claims.
func TestSources(t *testing.T) {
	for _, sz := range []struct{ w, h int }{{80, 24}, {120, 30}, {50, 16}} {
		t.Run(fmt.Sprintf("%dx%d", sz.w, sz.h), func(t *testing.T) {
			f := MustOpenService(t)
			f.seed(t)
			f.seedSources(t)
			tm := f.start(t, sz.w, sz.h, tui.WithStyles(tui.PlainStyles()))
			press(tm, "o", "G", "k", "k") // by age; #7, from the ask page
			m := quit(t, tm)
			wantSelected(7)(t, f, m)
			view := m.View()
			for _, w := range []string{"YT", "WEB", "TW party", "“Nora”", "(no name)"} {
				if sz.w >= 64 || w == "YT" || w == "WEB" {
					if !strings.Contains(view, w) {
						t.Errorf("the view does not show %q:\n%s", w, view)
					}
				}
			}
			teatest.RequireEqualOutput(t, []byte(view))
		})
	}
}
