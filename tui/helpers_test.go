package tui_test

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/exp/teatest"

	"github.com/tribune-live/tribune"
	"github.com/tribune-live/tribune/internal/fakeclock"
	"github.com/tribune-live/tribune/internal/tribunetest"
	"github.com/tribune-live/tribune/store"
	"github.com/tribune-live/tribune/tui"
)

// at returns 20:mm:00 on the day of the test meeting, in local time so that
// the clock times shown match whatever the machine's zone.
func at(min int) time.Time { return time.Date(2026, 11, 3, 20, min, 0, 0, time.Local) }

// fixture is a real Service on a real SQLite file.
type fixture struct {
	svc   *tribune.Service
	db    *store.DB
	clock *fakeclock.Clock
}

var moderator = tribune.Actor{Login: "mia", DisplayName: "Mia", UserID: "900", Moderator: true, Source: tribune.SourceConsole}

// MustOpenService returns an open Service with an empty session, closed at
// the end of the test.
func MustOpenService(tb testing.TB) *fixture {
	tb.Helper()
	clock := fakeclock.New(at(0).Add(-5 * time.Minute))
	svc, db := tribunetest.OpenServiceAt(tb, filepath.Join(tb.TempDir(), "tribune.db"), "townhall", func(svc *tribune.Service) {
		svc.SessionTitle = "Town hall"
		svc.Premoderate = true
		svc.RateInterval = 0
		svc.SessionCap = 0
		svc.Now = clock.Now
	})
	return &fixture{svc: svc, db: db, clock: clock}
}

// viewer returns a chat user of the meeting's Twitch channel.
func viewer(login string, id int) tribune.Actor {
	name := strings.ToUpper(login[:1]) + login[1:]
	return tribune.Actor{Login: login, DisplayName: name, UserID: fmt.Sprint(id), Source: tribune.SourceTwitch, Channel: "townhall"}
}

// youtubeViewer returns a viewer of the meeting's YouTube broadcast.
func youtubeViewer(name, channelID string) tribune.Actor {
	return tribune.Actor{DisplayName: name, UserID: channelID, Source: tribune.SourceYouTube, Channel: "dQw4w9WgXcQ"}
}

// webViewer returns a viewer of the ask page, with the name they typed
// (or none: the page then names them by their browser id).
func webViewer(name, browserID string) tribune.Actor {
	return tribune.Actor{DisplayName: name, UserID: browserID, Source: tribune.SourceWeb, Channel: "web"}
}

// ask submits a question at 20:min.
func (f *fixture) ask(tb testing.TB, a tribune.Actor, min int, text string) tribune.Question {
	tb.Helper()
	f.clock.Set(at(min))
	return tribunetest.Ask(tb, f.svc, a, text)
}

func (f *fixture) vote(tb testing.TB, id int, voters ...int) {
	tb.Helper()
	for _, v := range voters {
		tribunetest.Vote(tb, f.svc, viewer("voter", v), id)
	}
}

// stored returns question id as the store has it on disk.
func (f *fixture) stored(tb testing.TB, id int) tribune.Question {
	tb.Helper()
	for _, q := range tribunetest.Stored(tb, f.db, f.svc).Questions {
		if q.ID == id {
			return q
		}
	}
	tb.Fatalf("#%d not stored", id)
	return tribune.Question{}
}

// seed puts the meeting every key test starts from:
//
//	#1 approved, 5 votes   Ann   bus line
//	#2 pending,  1 vote    Bob   library
//	#3 approved, 3 votes   Cleo  schools budget
//	#4 pending,  1 vote    Dan   bike lanes
//	#5 pending,  1 vote    Eve   (a troll, login eve_troll)
//
// and sets the clock to 20:30.
func (f *fixture) seed(tb testing.TB) {
	tb.Helper()
	ctx := context.Background()
	f.ask(tb, viewer("ann", 1), 0, "What is the plan for the new bus line in the north district?")
	f.ask(tb, viewer("bob", 2), 4, "Will the library stay open on Sundays?")
	f.ask(tb, viewer("cleo", 3), 9, "How will the budget for schools change next year, and who decides?")
	f.ask(tb, viewer("dan", 4), 15, "Can we get more bike lanes downtown?")
	f.ask(tb, tribune.Actor{Login: "eve_troll", DisplayName: "EveTroll", UserID: "5", Source: tribune.SourceTwitch, Channel: "townhall"}, 21, "lol this town hall is a joke")
	for _, id := range []int{1, 3} {
		if _, err := f.svc.Approve(ctx, id); err != nil {
			tb.Fatalf("approve #%d: %v", id, err)
		}
	}
	f.vote(tb, 1, 101, 102, 103, 104)
	f.vote(tb, 3, 101, 105)
	f.clock.Set(at(30))
}

// seedSources adds to seed questions from the other sources, at
// 20:31–20:34, and sets the clock to 20:35:
//
//	#6 pending  YouTube        Yuki       subtitles
//	#7 pending  web            “Nora”     wheelchair access
//	#8 pending  web            (no name)  the minutes
//	#9 pending  Twitch #party  Pat        the party's channel
func (f *fixture) seedSources(tb testing.TB) {
	tb.Helper()
	f.ask(tb, youtubeViewer("Yuki", "UCyuki0000000000000000"), 31, "Will the stream have subtitles?")
	f.ask(tb, webViewer("Nora", "4f1c2a9e8b7d6c5e4f1c2a9e8b7d6c5e"), 32, "Is the town hall accessible by wheelchair?")
	f.ask(tb, webViewer("", "9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d"), 33, "Where can I read the minutes?")
	pat := viewer("pat", 9)
	pat.Channel = "party"
	f.ask(tb, pat, 34, "Will the party answer questions from our channel too?")
	f.clock.Set(at(35))
}

// seedWave adds to seed a wave of copies of one question from three
// viewers, and a question of a first-time chatter, at 20:31–20:34, and
// sets the clock to 20:35:
//
//	#6 pending  Sam   FREE followers 1 …       a copy
//	#7 pending  Sid   free followers 22 …      a copy
//	#8 pending  Sue   Free   followers #3 …    a copy, first message
//	#9 pending  Tom   free bus passes          first message
func (f *fixture) seedWave(tb testing.TB) {
	tb.Helper()
	f.ask(tb, viewer("sam", 61), 31, "FREE followers 1 at spam dot example!!")
	f.ask(tb, viewer("sid", 62), 32, "free followers 22 at SPAM dot example")
	sue := viewer("sue", 63)
	sue.FirstMessage = true
	f.ask(tb, sue, 33, "Free   followers #3 at spam dot exámple.")
	tom := viewer("tom", 64)
	tom.FirstMessage = true
	f.ask(tb, tom, 34, "Are the free bus passes staying next year?")
	f.clock.Set(at(35))
}

// start runs a console on f's Service in a teatest terminal of w×h cells
// and waits until it shows the questions.
func (f *fixture) start(tb testing.TB, w, h int, opts ...tui.Option) *teatest.TestModel {
	tb.Helper()
	return f.startWith(tb, f.svc, w, h, opts...)
}

// startWith is start with another form of Moderation.
func (f *fixture) startWith(tb testing.TB, mod tribune.Moderation, w, h int, opts ...tui.Option) *teatest.TestModel {
	tb.Helper()
	base := []tui.Option{
		tui.WithStyles(tui.PlainStyles()),
		tui.WithClock(f.clock.Now),
		tui.WithActor(moderator),
	}
	m := tui.New(mod, append(base, opts...)...)
	tm := teatest.NewTestModel(tb, m, teatest.WithInitialTermSize(w, h))
	tb.Cleanup(func() { tm.Quit() })
	// The status line says what is on air ("○ off air", "● #1 · 00:00")
	// once the questions are loaded, at every width.
	teatest.WaitFor(tb, tm.Output(), func(out []byte) bool {
		return bytes.Contains(out, []byte("○ off air")) || bytes.Contains(out, []byte("● "))
	}, teatest.WithDuration(10*time.Second), teatest.WithCheckInterval(10*time.Millisecond))
	return tm
}

// waitOutput waits until the terminal output written since the last wait
// contains every one of want.
func waitOutput(tb testing.TB, tm *teatest.TestModel, want ...string) {
	tb.Helper()
	teatest.WaitFor(tb, tm.Output(), func(out []byte) bool {
		for _, w := range want {
			if !bytes.Contains(out, []byte(w)) {
				return false
			}
		}
		return true
	}, teatest.WithDuration(10*time.Second), teatest.WithCheckInterval(10*time.Millisecond))
}

// press sends key presses: single characters, or names of special keys.
func press(tm *teatest.TestModel, keys ...string) {
	for _, k := range keys {
		switch k {
		case "enter":
			tm.Send(tea.KeyMsg{Type: tea.KeyEnter})
		case "tab":
			tm.Send(tea.KeyMsg{Type: tea.KeyTab})
		case "shift+tab":
			tm.Send(tea.KeyMsg{Type: tea.KeyShiftTab})
		case "esc":
			tm.Send(tea.KeyMsg{Type: tea.KeyEsc})
		case "up":
			tm.Send(tea.KeyMsg{Type: tea.KeyUp})
		case "down":
			tm.Send(tea.KeyMsg{Type: tea.KeyDown})
		case "ctrl+c":
			tm.Send(tea.KeyMsg{Type: tea.KeyCtrlC})
		case "pgdown":
			tm.Send(tea.KeyMsg{Type: tea.KeyPgDown})
		case "pgup":
			tm.Send(tea.KeyMsg{Type: tea.KeyPgUp})
		case "ctrl+u":
			tm.Send(tea.KeyMsg{Type: tea.KeyCtrlU})
		case "home":
			tm.Send(tea.KeyMsg{Type: tea.KeyHome})
		case "space":
			tm.Send(tea.KeyMsg{Type: tea.KeySpace, Runes: []rune{' '}})
		default:
			if rs, ok := strings.CutPrefix(k, "runes:"); ok {
				// Several keys in one message, as a fast typist's reach
				// Bubble Tea in one read.
				tm.Send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(rs)})
				continue
			}
			tm.Type(k)
		}
	}
}

// quit presses q and returns the console as it ended.
func quit(tb testing.TB, tm *teatest.TestModel) tui.Model {
	tb.Helper()
	press(tm, "q")
	m, ok := tm.FinalModel(tb, teatest.WithFinalTimeout(10*time.Second)).(tui.Model)
	if !ok {
		tb.Fatalf("final model is not a tui.Model")
	}
	return m
}
