package obs_test

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tribune-live/tribune"
	"github.com/tribune-live/tribune/internal/obsfake"
	"github.com/tribune-live/tribune/internal/tribunetest"
	"github.com/tribune-live/tribune/obs"
)

const password = "obs-s3cret-Passw0rd"

// The scene collection of the tests: the show's main scene, a Q&A scene,
// a break slate. The question card is a browser source, hidden.
func newOBS(t *testing.T, pw string) *obsfake.Server {
	t.Helper()
	return tribunetest.StartOBS(t, pw, "Main",
		obsfake.Scene{Name: "Main", Items: []obsfake.Item{{Source: "Camera", Enabled: true}, {Source: "Question card"}}},
		obsfake.Scene{Name: "Q&A", Items: []obsfake.Item{{Source: "Camera", Enabled: true}, {Source: "Question card"}}},
		obsfake.Scene{Name: "Break", Items: []obsfake.Item{{Source: "Slate", Enabled: true}}},
	)
}

// meeting is a Service on a real SQLite file with a few questions.
type meeting struct {
	svc *tribune.Service
	ids []int
}

func newMeeting(t *testing.T) *meeting {
	t.Helper()
	svc := tribunetest.OpenService(t, "obstest", func(s *tribune.Service) {
		s.Premoderate = false
		s.RateInterval = 0
	})
	m := &meeting{svc: svc}
	for i := 1; i <= 3; i++ {
		m.ids = append(m.ids, tribunetest.Ask(t, svc, tribunetest.Viewer(i), fmt.Sprintf("Question number %d?", i)).ID)
	}
	return m
}

// show puts the meeting's question i (from 0) on air.
func (m *meeting) show(t *testing.T, i int) {
	t.Helper()
	tribunetest.Show(t, m.svc, m.ids[i])
}

func (m *meeting) health() string { return tribunetest.Health(m.svc)[obs.HealthComponent] }

func (m *meeting) waitHealth(t *testing.T, want string) {
	t.Helper()
	tribunetest.EventuallyEvery(t, 10*time.Second, tribunetest.Poll, fmt.Sprintf("obs health %q", want), func() (bool, string) {
		h := m.health()
		return h == want, fmt.Sprintf("health %q", h)
	})
}

// newClient returns a client of fake for m, with quick retries, logging
// into log.
func newClient(m *meeting, url string, log *tribunetest.Buffer) *obs.Client {
	c := obs.NewClient(m.svc, url)
	c.Password = password
	c.MinRetry, c.MaxRetry = 20*time.Millisecond, 200*time.Millisecond
	c.Logger = log.Logger(slog.LevelDebug)
	return c
}

func program(fake *obsfake.Server, want string) func() bool {
	return func() bool { return fake.ProgramScene() == want }
}

func shown(fake *obsfake.Server, scene, source string, want bool) func() bool {
	return func() bool { on, ok := fake.ItemEnabled(scene, source); return ok && on == want }
}

func TestAuth(t *testing.T) {
	t.Run("Right", func(t *testing.T) {
		m := newMeeting(t)
		fake := newOBS(t, password)
		var log tribunetest.Buffer
		c := newClient(m, fake.URL(), &log)
		c.Scene = "Q&A"
		tribunetest.Run(t, "Run", c.Run)
		m.waitHealth(t, obs.StateConnected)
		if n := fake.Identifications(); n != 1 {
			t.Errorf("%d identifications, want 1", n)
		}
		if fake.AuthFailures() != 0 {
			t.Errorf("%d failed authentications with the right password", fake.AuthFailures())
		}
		m.show(t, 0)
		tribunetest.Eventually(t, 5*time.Second, "the Q&A scene", program(fake, "Q&A"))
		if strings.Contains(log.String(), password) {
			t.Errorf("the password is in the log:\n%s", log.String())
		}
	})
	t.Run("Wrong", func(t *testing.T) {
		m := newMeeting(t)
		fake := newOBS(t, password)
		var log tribunetest.Buffer
		c := newClient(m, fake.URL(), &log)
		c.Password = "not-" + password
		c.Scene = "Q&A"
		tribunetest.Run(t, "Run", c.Run)
		m.waitHealth(t, obs.StateWrongPassword)
		// It keeps trying, with backoff, and the meeting goes on.
		tribunetest.Eventually(t, 5*time.Second, "a second attempt", func() bool { return fake.AuthFailures() >= 2 })
		m.show(t, 1)
		if q, ok := m.svc.OnAir(); !ok || q.ID != m.ids[1] {
			t.Errorf("the meeting did not put #%d on air", m.ids[1])
		}
		if fake.ProgramScene() != "Main" || fake.Sessions() != 0 {
			t.Errorf("a refused client changed OBS: program %q, %d sessions", fake.ProgramScene(), fake.Sessions())
		}
		if got := strings.Count(log.String(), obs.StateWrongPassword); got != 1 {
			t.Errorf("%q logged %d times, want once:\n%s", obs.StateWrongPassword, got, log.String())
		}
		for _, secret := range []string{password, c.Password} {
			if strings.Contains(log.String(), secret) {
				t.Errorf("a password is in the log:\n%s", log.String())
			}
		}
	})
	t.Run("Missing", func(t *testing.T) {
		m := newMeeting(t)
		fake := newOBS(t, password)
		c := newClient(m, fake.URL(), &tribunetest.Buffer{})
		c.Password = ""
		c.Scene = "Q&A"
		tribunetest.Run(t, "Run", c.Run)
		m.waitHealth(t, obs.StatePasswordRequired)
	})
	t.Run("NotNeeded", func(t *testing.T) {
		m := newMeeting(t)
		fake := newOBS(t, "")
		c := newClient(m, fake.URL(), &tribunetest.Buffer{})
		c.Scene = "Q&A"
		tribunetest.Run(t, "Run", c.Run)
		m.waitHealth(t, obs.StateConnected)
	})
}

// TestScene checks the scene switch: to the Q&A scene when a question goes
// on air, nothing more while questions follow one another, back to the
// scene that was on when it goes off; and no switch back once the
// operator has moved on.
func TestScene(t *testing.T) {
	m := newMeeting(t)
	fake := newOBS(t, password)
	c := newClient(m, fake.URL(), &tribunetest.Buffer{})
	c.Scene = "Q&A"
	tribunetest.Run(t, "Run", c.Run)
	m.waitHealth(t, obs.StateConnected)
	if fake.ProgramScene() != "Main" {
		t.Fatalf("program %q before anything is on air, want Main", fake.ProgramScene())
	}

	m.show(t, 0)
	tribunetest.Eventually(t, 5*time.Second, "the Q&A scene on air", program(fake, "Q&A"))
	m.show(t, 1) // the next question: still on air
	if _, err := m.svc.Vote(context.Background(), tribune.Actor{Login: "v", UserID: "9"}, m.ids[1]); err != nil {
		t.Fatal(err)
	}
	tribunetest.Hide(t, m.svc)
	tribunetest.Eventually(t, 5*time.Second, "back to Main", program(fake, "Main"))
	if n := len(fake.RequestsOf("SetCurrentProgramScene")); n != 2 {
		t.Errorf("%d scene switches for one on-air spell, want 2: %+v", n, fake.RequestsOf("SetCurrentProgramScene"))
	}

	// From the break slate, and back to it.
	if err := fake.SetProgramScene("Break"); err != nil {
		t.Fatal(err)
	}
	m.show(t, 2)
	tribunetest.Eventually(t, 5*time.Second, "the Q&A scene on air", program(fake, "Q&A"))
	if _, err := m.svc.Answer(context.Background(), m.ids[2]); err != nil {
		t.Fatal(err)
	}
	tribunetest.Eventually(t, 5*time.Second, "back to Break", program(fake, "Break"))

	// The operator switches away while on air: going off air leaves it.
	m.show(t, 0)
	tribunetest.Eventually(t, 5*time.Second, "the Q&A scene on air", program(fake, "Q&A"))
	if err := fake.SetProgramScene("Main"); err != nil {
		t.Fatal(err)
	}
	switches := len(fake.RequestsOf("SetCurrentProgramScene"))
	tribunetest.Hide(t, m.svc)
	tribunetest.Eventually(t, 5*time.Second, "the off-air state looked at", func() bool {
		return len(fake.RequestsOf("GetCurrentProgramScene")) > 0 && m.health() == obs.StateConnected
	})
	time.Sleep(100 * time.Millisecond)
	if n := len(fake.RequestsOf("SetCurrentProgramScene")); n != switches || fake.ProgramScene() != "Main" {
		t.Errorf("after the operator moved on: program %q, %d switches (want Main, %d)", fake.ProgramScene(), n, switches)
	}
}

// TestSource checks the source toggle: in the program scene, and in a
// named scene.
func TestSource(t *testing.T) {
	t.Run("ProgramScene", func(t *testing.T) {
		m := newMeeting(t)
		fake := newOBS(t, password)
		c := newClient(m, fake.URL(), &tribunetest.Buffer{})
		c.Source = "Question card"
		tribunetest.Run(t, "Run", c.Run)
		m.waitHealth(t, obs.StateConnected)
		m.show(t, 0)
		tribunetest.Eventually(t, 5*time.Second, "the card shown in Main", shown(fake, "Main", "Question card", true))
		if on, _ := fake.ItemEnabled("Q&A", "Question card"); on || fake.ProgramScene() != "Main" {
			t.Errorf("source mode touched another scene or switched (program %q)", fake.ProgramScene())
		}
		// The operator switches scene on air; the card goes off where it
		// was shown.
		if err := fake.SetProgramScene("Break"); err != nil {
			t.Fatal(err)
		}
		tribunetest.Hide(t, m.svc)
		tribunetest.Eventually(t, 5*time.Second, "the card hidden in Main", shown(fake, "Main", "Question card", false))
	})
	t.Run("NamedScene", func(t *testing.T) {
		m := newMeeting(t)
		fake := newOBS(t, password)
		c := newClient(m, fake.URL(), &tribunetest.Buffer{})
		c.Source = "Question card"
		c.SourceScene = "Q&A"
		tribunetest.Run(t, "Run", c.Run)
		m.waitHealth(t, obs.StateConnected)
		m.show(t, 0)
		tribunetest.Eventually(t, 5*time.Second, "the card shown in Q&A", shown(fake, "Q&A", "Question card", true))
		if on, _ := fake.ItemEnabled("Main", "Question card"); on {
			t.Errorf("the card shows in Main too")
		}
		tribunetest.Hide(t, m.svc)
		tribunetest.Eventually(t, 5*time.Second, "the card hidden in Q&A", shown(fake, "Q&A", "Question card", false))
	})
	t.Run("SceneAndSource", func(t *testing.T) {
		m := newMeeting(t)
		fake := newOBS(t, password)
		c := newClient(m, fake.URL(), &tribunetest.Buffer{})
		c.Scene, c.Source = "Q&A", "Question card"
		tribunetest.Run(t, "Run", c.Run)
		m.waitHealth(t, obs.StateConnected)
		m.show(t, 0)
		tribunetest.Eventually(t, 5*time.Second, "Q&A with its card", func() bool {
			return program(fake, "Q&A")() && shown(fake, "Q&A", "Question card", true)()
		})
		tribunetest.Hide(t, m.svc)
		tribunetest.Eventually(t, 5*time.Second, "Main, the card hidden", func() bool {
			return program(fake, "Main")() && shown(fake, "Q&A", "Question card", false)()
		})
		// Hidden at the start, as nothing is on air; hidden before the
		// switch back, so that it never shows on the way out.
		var order []string
		for _, r := range fake.Requests() {
			if r.Type == "SetSceneItemEnabled" || r.Type == "SetCurrentProgramScene" {
				order = append(order, fmt.Sprint(r.Type, r.Data["sceneItemEnabled"], r.Data["sceneName"]))
			}
		}
		want := []string{"SetSceneItemEnabledfalseQ&A", "SetCurrentProgramScene<nil>Q&A", "SetSceneItemEnabledtrueQ&A", "SetSceneItemEnabledfalseQ&A", "SetCurrentProgramScene<nil>Main"}
		if fmt.Sprint(order) != fmt.Sprint(want) {
			t.Errorf("requests %v, want %v", order, want)
		}
	})
	t.Run("Missing", func(t *testing.T) {
		m := newMeeting(t)
		fake := newOBS(t, password)
		c := newClient(m, fake.URL(), &tribunetest.Buffer{})
		c.Source = "Lower third"
		tribunetest.Run(t, "Run", c.Run)
		m.waitHealth(t, `source "Lower third" in scene "Main" not found in OBS`)
		if fake.Sessions() != 1 {
			t.Errorf("%d sessions: a refused request should not drop the connection", fake.Sessions())
		}
		m.show(t, 0) // the meeting goes on
	})
}

// TestRestart checks OBS crashing and coming back mid-meeting with its
// saved collection: the client reconnects and puts back what the meeting
// is in, on air or not.
func TestRestart(t *testing.T) {
	t.Run("OnAirScene", func(t *testing.T) {
		m := newMeeting(t)
		fake := newOBS(t, password)
		c := newClient(m, fake.URL(), &tribunetest.Buffer{})
		c.Scene = "Q&A"
		tribunetest.Run(t, "Run", c.Run)
		m.waitHealth(t, obs.StateConnected)
		m.show(t, 0)
		tribunetest.Eventually(t, 5*time.Second, "the Q&A scene", program(fake, "Q&A"))

		fake.Kill()
		m.waitHealth(t, obs.StateUnreachable)
		m.show(t, 1) // on air while OBS is down: nothing waits for it
		if err := fake.Start(); err != nil {
			t.Fatal(err)
		}
		if fake.ProgramScene() != "Main" {
			t.Fatalf("the restarted fake shows %q, want its saved Main", fake.ProgramScene())
		}
		m.waitHealth(t, obs.StateConnected)
		tribunetest.Eventually(t, 5*time.Second, "Q&A put back after the restart", program(fake, "Q&A"))
		tribunetest.Hide(t, m.svc)
		tribunetest.Eventually(t, 5*time.Second, "back to Main", program(fake, "Main"))
	})
	t.Run("OnAirSource", func(t *testing.T) {
		m := newMeeting(t)
		fake := newOBS(t, password)
		c := newClient(m, fake.URL(), &tribunetest.Buffer{})
		c.Source = "Question card"
		tribunetest.Run(t, "Run", c.Run)
		m.waitHealth(t, obs.StateConnected)
		m.show(t, 0)
		tribunetest.Eventually(t, 5*time.Second, "the card shown", shown(fake, "Main", "Question card", true))
		if err := fake.Restart(); err != nil {
			t.Fatal(err)
		}
		tribunetest.Eventually(t, 10*time.Second, "the card shown again after the restart", func() bool {
			return fake.Identifications() == 2 && shown(fake, "Main", "Question card", true)()
		})
	})
	t.Run("OffAirWhileDown", func(t *testing.T) {
		m := newMeeting(t)
		fake := newOBS(t, password)
		c := newClient(m, fake.URL(), &tribunetest.Buffer{})
		c.Scene = "Q&A"
		tribunetest.Run(t, "Run", c.Run)
		m.waitHealth(t, obs.StateConnected)
		m.show(t, 0)
		tribunetest.Eventually(t, 5*time.Second, "the Q&A scene", program(fake, "Q&A"))
		// OBS quits properly, the question leaves the air meanwhile; OBS
		// comes back on Q&A, where it was: the client brings Main back.
		fake.Close()
		m.waitHealth(t, obs.StateUnreachable)
		tribunetest.Hide(t, m.svc)
		restartOn(t, fake, "Q&A")
		m.waitHealth(t, obs.StateConnected)
		tribunetest.Eventually(t, 5*time.Second, "Main after the restart", program(fake, "Main"))
	})
}

// restartOn starts fake and puts its program on scene, as OBS that saved
// its last scene.
func restartOn(t *testing.T, fake *obsfake.Server, scene string) {
	t.Helper()
	if err := fake.Start(); err != nil {
		t.Fatal(err)
	}
	if err := fake.SetProgramScene(scene); err != nil {
		t.Fatal(err)
	}
}

// TestAbsentAtStart checks a meeting that starts before OBS: it runs, the
// client reports OBS unreachable and connects once OBS is up, with the
// question already on air put on its scene.
func TestAbsentAtStart(t *testing.T) {
	m := newMeeting(t)
	fake := newOBS(t, password)
	fake.Kill() // its address is free: nothing listens there
	var log tribunetest.Buffer
	c := newClient(m, fake.URL(), &log)
	c.Scene = "Q&A"
	tribunetest.Run(t, "Run", c.Run)
	m.waitHealth(t, obs.StateUnreachable)
	m.show(t, 0)
	time.Sleep(300 * time.Millisecond) // a few attempts at the cap of 200 ms
	if n := strings.Count(log.String(), "unreachable"); n != 1 {
		t.Errorf("unreachable logged %d times while retrying, want once:\n%s", n, log.String())
	}
	if err := fake.Start(); err != nil {
		t.Fatal(err)
	}
	m.waitHealth(t, obs.StateConnected)
	tribunetest.Eventually(t, 5*time.Second, "the Q&A scene", program(fake, "Q&A"))
}

// TestHungOBS checks that an OBS that accepts the connection and then says
// nothing is given up on, and that the meeting does not wait for it.
func TestHungOBS(t *testing.T) {
	ln := tribunetest.Listen(t)
	var mu sync.Mutex
	var conns []net.Conn
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c) // and never answer
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
	})
	m := newMeeting(t)
	c := newClient(m, "ws://"+ln.Addr().String(), &tribunetest.Buffer{})
	c.Scene = "Q&A"
	tribunetest.Run(t, "Run", c.Run)
	tribunetest.Eventually(t, 2*time.Second, "a connection attempt", func() bool { mu.Lock(); defer mu.Unlock(); return len(conns) > 0 })
	m.show(t, 0)
	tribunetest.Hide(t, m.svc)
	m.show(t, 1)
	m.waitHealth(t, obs.StateUnreachable)
}

// TestKicked checks that a client kicked from OBS's session list stays
// away, as obs-websocket asks, and says so.
func TestKicked(t *testing.T) {
	m := newMeeting(t)
	fake := newOBS(t, password)
	c := newClient(m, fake.URL(), &tribunetest.Buffer{})
	c.Scene = "Q&A"
	tribunetest.Run(t, "Run", c.Run)
	m.waitHealth(t, obs.StateConnected)
	fake.Kick()
	m.waitHealth(t, obs.StateKicked)
	time.Sleep(300 * time.Millisecond) // longer than the retry cap
	if n := fake.Identifications(); n != 1 {
		t.Errorf("%d identifications: a kicked client came back", n)
	}
	m.show(t, 0) // the meeting goes on without OBS
}

func TestSceneMissing(t *testing.T) {
	m := newMeeting(t)
	fake := newOBS(t, password)
	c := newClient(m, fake.URL(), &tribunetest.Buffer{})
	c.Scene = "Interview"
	tribunetest.Run(t, "Run", c.Run)
	m.waitHealth(t, obs.StateConnected)
	m.show(t, 0)
	m.waitHealth(t, `scene "Interview" not found in OBS`)
	if fake.Sessions() != 1 || fake.ProgramScene() != "Main" {
		t.Errorf("sessions %d, program %q", fake.Sessions(), fake.ProgramScene())
	}
	tribunetest.Hide(t, m.svc)
	m.waitHealth(t, obs.StateConnected)
}

func TestParseURL(t *testing.T) {
	for _, tc := range []struct{ in, want, err string }{
		{"ws://127.0.0.1:4455", "ws://127.0.0.1:4455", ""},
		{"127.0.0.1:4455", "ws://127.0.0.1:4455", ""},
		{"wss://obs.example.org:4455/", "wss://obs.example.org:4455/", ""},
		{"http://127.0.0.1:4455", "", "not an obs-websocket address"},
		{"ws://", "", "not an obs-websocket address"},
		{"ws://user:" + password + "@127.0.0.1:4455", "", "TRIBUNE_OBS_PASSWORD"},
	} {
		got, err := obs.ParseURL(tc.in)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) || strings.Contains(err.Error(), password) {
				t.Errorf("ParseURL(%q) = %q, %v; want an error about %q without the password", tc.in, got, err, tc.err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("ParseURL(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
}

func TestRun_BadConfig(t *testing.T) {
	m := newMeeting(t)
	for _, tc := range []struct {
		name, url, scene string
	}{
		{"NothingToDo", obs.DefaultURL, ""},
		{"BadURL", "http://127.0.0.1:4455", "Q&A"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := obs.NewClient(m.svc, tc.url)
			c.Scene = tc.scene
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			if err := c.Run(ctx); err == nil || ctx.Err() != nil {
				t.Errorf("Run: %v, want an error at once", err)
			}
		})
	}
}
