package youtube_test

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	tribune "github.com/tribune-live/tribune"
	"github.com/tribune-live/tribune/internal/tribunetest"
	"github.com/tribune-live/tribune/internal/youtubefake"
	"github.com/tribune-live/tribune/match"
	"github.com/tribune-live/tribune/youtube"
)

const (
	videoID = "jNQXAC9IVRw"
	chatID  = "KicKGFVDX2xpdmVjaGF0X2Zha2VfMDAxEgtqTlFYQUM5SVZSdw"
	// Secrets that must never show in a log line, an error or a health
	// state.
	apiKey       = "AIzaSyD-test-KEY-0123456789abcdefghij"
	clientID     = "1234567890-tribune.apps.googleusercontent.com"
	clientSecret = "GOCSPX-client-SECRET-abcdef123456"
	refreshToken = "1//0refresh-TOKEN-secret-zyxwvu987654"
)

// env is a YouTube source on a fake API, applying commands to a Service on
// a real SQLite file.
type env struct {
	srv  *youtubefake.Server
	svc  *tribune.Service
	src  *youtube.Source
	logs *tribunetest.Buffer

	mu     sync.Mutex
	states []string // the source's health states, in order

	running *tribunetest.Running // the source's Run, until stopped
}

type envOptions struct {
	oauth   bool // OAuth credentials: the source replies
	noKey   bool // no API key
	noStart bool // do not Check and Run
	service func(*tribune.Service)
	source  func(*youtube.Source)
}

func newEnv(t testing.TB, o envOptions) *env {
	t.Helper()
	srv := tribunetest.StartYouTube(t)
	srv.SetCredentials(youtubefake.Credentials{APIKey: apiKey, ClientID: clientID, ClientSecret: clientSecret, RefreshToken: refreshToken})
	srv.AddVideo(videoID, chatID)
	srv.SetPollingInterval(50 * time.Millisecond)
	e := &env{srv: srv, logs: &tribunetest.Buffer{}}
	logger := e.logs.Logger(slog.LevelDebug)
	e.svc = tribunetest.OpenService(t, "townhall", func(s *tribune.Service) {
		s.Premoderate = false
		s.Matcher = match.NewMatcher()
		s.Logger = logger
		if o.service != nil {
			o.service(s)
		}
	})
	sub := tribunetest.Subscribe(t, e.svc)
	go func() {
		for ev := range sub.C {
			if st, ok := ev.Health[youtube.HealthComponent]; ok {
				e.mu.Lock()
				e.states = append(e.states, st)
				e.mu.Unlock()
			}
		}
	}()
	e.src = e.newSource(o)
	e.src.Logger = logger
	// After the source's Run, which tribunetest.Run stops first.
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("logs:\n%s\nhealth: %q", e.logs.String(), e.healthStates())
		}
		e.assertNoSecrets(t, e.logs.String(), "the logs")
		for _, st := range e.healthStates() {
			e.assertNoSecrets(t, st, "a health state")
		}
	})
	if !o.noStart {
		if err := e.src.Check(context.Background()); err != nil {
			t.Fatalf("Check: %v", err)
		}
		e.run(t)
	}
	return e
}

// newSource returns a source on the env's fake with o's credentials.
func (e *env) newSource(o envOptions) *youtube.Source {
	return e.sourceOf("https://www.youtube.com/watch?v="+videoID+"&feature=share", o)
}

// sourceOf returns a source of video on the env's fake.
func (e *env) sourceOf(video string, o envOptions) *youtube.Source {
	src := youtube.NewSource(e.svc, video)
	src.APIBase, src.TokenURL = e.srv.URL, e.srv.TokenURL()
	if !o.noKey {
		src.APIKey = apiKey
	}
	if o.oauth {
		src.ClientID, src.ClientSecret, src.RefreshToken = clientID, clientSecret, refreshToken
	}
	// A short meeting: the plan allows a read every few milliseconds.
	src.MeetingLength = 10 * time.Second
	src.Linger = 100 * time.Millisecond
	src.Logger = e.logs.Logger(slog.LevelDebug)
	if o.source != nil {
		o.source(src)
	}
	return src
}

// run starts the source's Run.
func (e *env) run(t testing.TB) {
	t.Helper()
	e.running = tribunetest.Run(t, "Run", e.src.Run)
}

// stop ends Run, if it runs, and checks that it returned nil.
func (e *env) stop(t testing.TB) {
	t.Helper()
	if e.running == nil {
		return
	}
	if err := e.running.Stop(t); err != nil {
		t.Errorf("Run: %v", err)
	}
	e.running = nil
}

// waitStopped waits until Run returns by itself, and returns its error.
func (e *env) waitStopped(t testing.TB) error {
	t.Helper()
	err := e.running.Wait(t, tribunetest.WaitLimit)
	e.running = nil
	return err
}

func (e *env) healthStates() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]string(nil), e.states...)
}

// health returns the source's current health.
func (e *env) health() string { return tribunetest.Health(e.svc)[youtube.HealthComponent] }

// waitHealth waits until the source's health starts with prefix.
func (e *env) waitHealth(t testing.TB, prefix string) string {
	t.Helper()
	var got string
	tribunetest.Eventually(t, tribunetest.WaitLimit, fmt.Sprintf("health %q…", prefix), func() bool {
		got = e.health()
		return strings.HasPrefix(got, prefix)
	})
	return got
}

// say posts text from a in the chat.
func (e *env) say(t testing.TB, a youtubefake.Author, text string) string {
	t.Helper()
	id := e.srv.Say(videoID, a, text)
	if id == "" {
		t.Fatalf("Say(%q): the chat is closed", text)
	}
	return id
}

// settle waits until the source has read every message of the chat so
// far and applied every command it queued.
func (e *env) settle(t testing.TB) {
	t.Helper()
	n := uint64(len(e.srv.Messages(videoID)))
	tribunetest.Eventually(t, tribunetest.WaitLimit, fmt.Sprintf("%d messages read and applied", n), func() bool {
		s := e.src.Stats()
		return s.Messages-s.Duplicates >= n && s.Applied == s.Commands
	})
}

func (e *env) assertNoSecrets(t testing.TB, text, where string) {
	t.Helper()
	secrets := append([]string{apiKey, clientSecret, refreshToken}, e.srv.AccessTokens()...)
	for _, s := range secrets {
		if strings.Contains(text, s) {
			t.Errorf("a secret (%.8s…) appears in %s", s, where)
		}
	}
}

var (
	ana  = youtubefake.Author{ChannelID: "UCana0000000000000000000", DisplayName: "Ana"}
	bob  = youtubefake.Author{ChannelID: "UCbob0000000000000000000", DisplayName: "@bob.martin"}
	mod  = youtubefake.Author{ChannelID: "UCmod0000000000000000000", DisplayName: "Modération", Moderator: true}
	host = youtubefake.Author{ChannelID: "UChost000000000000000000", DisplayName: "Mairie", Owner: true}
)
