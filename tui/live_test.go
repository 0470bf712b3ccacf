package tui_test

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/teatest"
	"github.com/muesli/termenv"

	"github.com/tribune-live/tribune"
	"github.com/tribune-live/tribune/internal/tribunetest"
	"github.com/tribune-live/tribune/tui"
)

// TestLive checks that questions and votes appear without a key press, that
// the selection stays on its question when the list reorders, and that a
// new pending question raises a badge instead of moving the cursor.
func TestLive(t *testing.T) {
	f := MustOpenService(t)
	f.seed(t)
	tm := f.start(t, 80, 24)
	press(tm, "j") // #3, second by votes
	waitOutput(t, tm, "2/5")

	f.ask(t, viewer("fay", 6), 31, "Is the swimming pool reopening this summer?")
	waitOutput(t, tm, "● 1 new pending")

	// Three more votes put #3 (now 6) above #1 (5): the list reorders
	// under the cursor, which stays on #3.
	f.vote(t, 3, 106, 107, 108)
	waitOutput(t, tm, "›   #3     6")

	m := quit(t, tm)
	wantSelected(3)(t, f, m)
	view := m.View()
	if !strings.Contains(view, " • #6 ") {
		t.Errorf("the new question has no fresh marker:\n%s", view)
	}
	teatest.RequireEqualOutput(t, []byte(view))
}

// TestLiveSeenClearsBadge checks that moving onto a new question marks it
// seen.
func TestLiveSeenClearsBadge(t *testing.T) {
	f := MustOpenService(t)
	f.seed(t)
	tm := f.start(t, 80, 24)
	f.ask(t, viewer("fay", 6), 31, "Is the swimming pool reopening this summer?")
	f.ask(t, viewer("gus", 7), 32, "Who will run the new youth centre?")
	waitOutput(t, tm, "● 2 new pending")
	press(tm, "G") // the last row: #7
	waitOutput(t, tm, "● 1 new pending")
	m := quit(t, tm)
	wantSelected(7)(t, f, m)
	teatest.RequireEqualOutput(t, []byte(m.View()))
}

// TestTwoConsoles runs two consoles on one Service: what one moderator
// does appears in the other console without a key press.
func TestTwoConsoles(t *testing.T) {
	f := MustOpenService(t)
	f.seed(t)
	a := f.start(t, 80, 24)
	b := f.start(t, 80, 24)
	press(b, "j", "j") // b looks at #2 too
	waitOutput(t, b, "3/5")

	press(a, "j", "j", "a")
	waitOutput(t, a, "approved #2", "pend 2 ")
	waitOutput(t, b, "pend 2 ", "appr 3 ", "approved  Bob")

	mb := quit(t, b)
	ma := quit(t, a)
	wantSelected(2)(t, f, mb)
	wantSelected(2)(t, f, ma)
	if got := mb.Message(); got != "" {
		t.Errorf("second console Message()=%q, want none", got)
	}
	teatest.RequireEqualOutput(t, []byte(mb.View()))
}

// isolated is a Moderation whose events come from a hub of the test's own, so
// that the test decides what the console hears.
type isolated struct {
	tribune.Moderation
	hub *tribune.Hub
}

func (i isolated) Subscribe(context.Context) (*tribune.Subscription, error) {
	return i.hub.Subscribe(4), nil
}

// TestResync checks that a console that fell behind (EventResync) reloads
// every question, and that stale events it dropped leave no trace.
func TestResync(t *testing.T) {
	f := MustOpenService(t)
	f.seed(t)
	hub := tribune.NewHub()
	tm := f.startWith(t, isolated{Moderation: f.svc, hub: hub}, 80, 24)

	// Changes the console does not hear about…
	ctx := context.Background()
	if _, err := f.svc.Approve(ctx, 2); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Reject(ctx, 5); err != nil {
		t.Fatal(err)
	}
	// …then a burst of stale events that overflows the subscription's
	// buffer of 4, and the resync the hub (or a reconnecting client) sends.
	stale := tribunetest.Get(t, f.svc, 1)
	stale.Votes = 99
	burst := make([]tribune.Event, 0, 21)
	for range 20 {
		q := stale
		burst = append(burst, tribune.Event{Type: tribune.EventVoted, Question: &q})
	}
	hub.Publish(append(burst, tribune.Event{Type: tribune.EventResync})...)
	waitOutput(t, tm, "pend 1 ", "rej 1 ")

	m := quit(t, tm)
	view := m.View()
	if strings.Contains(view, "99") {
		t.Errorf("stale vote count shown after resync:\n%s", view)
	}
	teatest.RequireEqualOutput(t, []byte(view))
}

// TestLayouts renders the console at several terminal sizes: every line
// fits the width and the view fills the height exactly.
func TestLayouts(t *testing.T) {
	sizes := []struct {
		name string
		w, h int
	}{
		{"tiny_30x8", 30, 8},
		{"narrow_60x20", 60, 20},
		{"classic_80x24", 80, 24},
		{"wide_120x40", 120, 40},
		{"large_200x50", 200, 50},
	}
	for _, sz := range sizes {
		t.Run(sz.name, func(t *testing.T) {
			f := MustOpenService(t)
			f.seed(t)
			if _, err := f.svc.Merge(context.Background(), 4, 1); err != nil {
				t.Fatal(err)
			}
			tm := f.start(t, sz.w, sz.h)
			m := quit(t, tm)
			view := m.View()
			lines := strings.Split(view, "\n")
			if len(lines) != sz.h {
				t.Errorf("lines=%d, want %d", len(lines), sz.h)
			}
			for i, l := range lines {
				if w := ansi.StringWidth(l); w > sz.w {
					t.Errorf("line %d is %d cells wide, want at most %d: %q", i+1, w, sz.w, l)
				}
			}
			teatest.RequireEqualOutput(t, []byte(view))
		})
	}
}

// TestStyles checks the colour switch: the default styles colour the view
// on a colour terminal; the plain styles never emit an escape sequence.
func TestStyles(t *testing.T) {
	prev := lipgloss.ColorProfile()
	lipgloss.SetColorProfile(termenv.TrueColor)
	t.Cleanup(func() { lipgloss.SetColorProfile(prev) })

	tests := []struct {
		name   string
		styles tui.Styles
		escape bool
	}{
		{"Default", tui.DefaultStyles(), true},
		{"NoColor", tui.NewStyles(true), false},
		{"Colour", tui.NewStyles(false), true},
		{"Plain", tui.PlainStyles(), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := MustOpenService(t)
			f.seed(t)
			tm := f.start(t, 80, 24, tui.WithStyles(tt.styles))
			view := quit(t, tm).View()
			if got := strings.Contains(view, "\x1b["); got != tt.escape {
				t.Errorf("escape sequences=%v, want %v", got, tt.escape)
			}
			if !strings.Contains(ansi.Strip(view), "›   #1") {
				t.Errorf("selected row has no marker:\n%s", ansi.Strip(view))
			}
		})
	}
}

// TestHostileText checks that control characters and bidi overrides from
// a remote source never reach the terminal.
func TestHostileText(t *testing.T) {
	f := MustOpenService(t)
	f.seed(t)
	mod := hostile{Moderation: f.svc}
	tm := f.startWith(t, mod, 80, 24)
	m := quit(t, tm)
	view := m.View()
	for _, bad := range []string{"\x1b]", "\x1b[2J", "\u202e", "\x07"} {
		if strings.Contains(view, bad) {
			t.Errorf("view contains %q:\n%q", bad, view)
		}
	}
	if !strings.Contains(view, "pwned") {
		t.Errorf("the text around the escapes is gone:\n%s", view)
	}
}

// TestHostileTextInPrompt checks that the edit prompt, prefilled with a
// hostile text, and what is typed or pasted into it show no control
// characters or bidi overrides, and that the text submitted is the one
// shown.
func TestHostileTextInPrompt(t *testing.T) {
	f := MustOpenService(t)
	f.seed(t)
	mod := hostile{Moderation: f.svc}
	tm := f.startWith(t, mod, 80, 24)
	press(tm, "e")
	waitOutput(t, tm, "edit #1: ")
	tm.Send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(" \u202ex\x1b[2J")})
	tm.Send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("\n\u2066y"), Paste: true})
	// The prefilled text loses its escapes and override as in the queue;
	// typed and pasted text loses its control characters and overrides;
	// the pasted line break becomes a space.
	const want = "]0;title[2Jpwned evil x[2J y"
	var screen []byte
	teatest.WaitFor(t, tm.Output(), func(out []byte) bool {
		screen = out
		return bytes.Contains(out, []byte(want))
	}, teatest.WithDuration(10*time.Second), teatest.WithCheckInterval(10*time.Millisecond))
	for _, bad := range []string{"\x1b]", "\u202e", "\u2066", "\x07"} {
		if bytes.Contains(screen, []byte(bad)) {
			t.Errorf("screen contains %q:\n%q", bad, screen)
		}
	}

	press(tm, "enter")
	waitOutput(t, tm, "edited #1")
	if got, want := tribunetest.Get(t, f.svc, 1).Text, tribune.CleanText(want); got != want {
		t.Errorf("Text=%q, want %q", got, want)
	}
	m := quit(t, tm)
	if got, want := m.Message(), "edited #1"; got != want {
		t.Errorf("Message()=%q, want %q", got, want)
	}
}

// hostile returns questions whose text carries terminal escapes, as a
// broken or malicious server could.
type hostile struct{ tribune.Moderation }

func (h hostile) Questions(ctx context.Context, st tribune.Status) ([]tribune.Question, error) {
	qs, err := h.Moderation.Questions(ctx, st)
	for i := range qs {
		if qs[i].ID == 1 {
			qs[i].Text = "\x1b]0;title\x07\x1b[2Jpwned \u202eevil"
			qs[i].Author = "Ann\x1b[31m"
		}
	}
	return qs, err
}

// TestQuitWhileCommandRuns checks that a command that hangs does not hang
// the console: keys still work and q still quits.
func TestQuitWhileCommandRuns(t *testing.T) {
	f := MustOpenService(t)
	f.seed(t)
	slow := &blocking{Moderation: f.svc, release: make(chan struct{})}
	t.Cleanup(func() { close(slow.release) })
	tm := f.startWith(t, slow, 80, 24)
	press(tm, "a")
	waitOutput(t, tm, "approving #1…")
	// The console still answers keys while the command hangs.
	press(tm, "j")
	waitOutput(t, tm, "2/5")
	m := quit(t, tm)
	wantSelected(3)(t, f, m)
}

// blocking is a Moderation whose Approve hangs until released.
type blocking struct {
	tribune.Moderation
	release chan struct{}
}

func (b *blocking) Approve(ctx context.Context, id int) (tribune.Question, error) {
	select {
	case <-b.release:
	case <-ctx.Done():
	}
	return tribune.Question{}, ctx.Err()
}

// TestPaging checks the paging keys on a queue longer than the screen.
func TestPaging(t *testing.T) {
	tests := []struct {
		name string
		keys []string
		want int
	}{
		{"pgdown", keys("pgdown"), 12},
		{"pgdown_pgup", keys("pgdown", "pgdown", "pgup"), 12},
		{"last_G", keys("G"), 30},
		{"last_G_first_g", keys("G", "g"), 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := MustOpenService(t)
			for i := 1; i <= 30; i++ {
				f.ask(t, viewer("user", 100+i), i, "Question number "+strings.Repeat("x", i%7)+" "+string(rune('A'+i%26)))
			}
			f.clock.Set(at(40))
			tm := f.start(t, 80, 24)
			press(tm, tt.keys...)
			m := quit(t, tm)
			wantSelected(tt.want)(t, f, m)
			teatest.RequireEqualOutput(t, []byte(m.View()))
		})
	}
}

// flaky is a Moderation whose first Subscribe fails, and whose subscriptions
// the test can end, as a server that goes away would.
type flaky struct {
	tribune.Moderation
	hub   *tribune.Hub
	calls chan *tribune.Subscription
	tries int
}

func (f *flaky) Subscribe(context.Context) (*tribune.Subscription, error) {
	f.tries++
	if f.tries == 1 {
		return nil, tribune.Errorf(tribune.EUNAVAILABLE, tribune.ReasonStorage, "server is starting")
	}
	sub := f.hub.Subscribe(16)
	f.calls <- sub
	return sub, nil
}

// TestReconnect checks that the console retries a failed connection, and
// reconnects when its event stream ends, saying so on screen meanwhile.
func TestReconnect(t *testing.T) {
	if testing.Short() {
		t.Skip("waits for two retries")
	}
	f := MustOpenService(t)
	f.seed(t)
	mod := &flaky{Moderation: f.svc, hub: tribune.NewHub(), calls: make(chan *tribune.Subscription, 2)}
	m := tui.New(mod, tui.WithStyles(tui.PlainStyles()), tui.WithClock(f.clock.Now))
	tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(80, 24))
	waitOutput(t, tm, "console offline", "cannot reach Tribune: server is starting; retrying")
	waitOutput(t, tm, "#1 ", "connected")
	sub := <-mod.calls
	sub.Close()
	waitOutput(t, tm, "event stream ended; reconnecting")
	<-mod.calls
	waitOutput(t, tm, "connected")
	final := quit(t, tm)
	if strings.Contains(final.View(), "offline") {
		t.Errorf("still offline after reconnecting:\n%s", final.View())
	}
}
