// Package meeting wires one running meeting: the store, the Service, the
// overlay server and every source. `tribune`, `tribune serve`, `tribune
// demo` and cmd/tribune-bench all start a meeting through Start, so that a
// source added here is in the product, the demo and the benchmark at once.
//
// Start is all or nothing: it opens the database (taking ownership of it)
// and binds every listener before the Service opens the session, which is
// when a meeting first changes the file (a --session NAME ends the open
// session). A start that fails on a busy port or a bad flag therefore
// leaves the running meeting's queue as it was.
package meeting

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"runtime/debug"
	"strings"
	"sync"

	"github.com/tribune-live/tribune"
	"github.com/tribune-live/tribune/ask"
	"github.com/tribune-live/tribune/bot"
	"github.com/tribune-live/tribune/match"
	"github.com/tribune-live/tribune/obs"
	"github.com/tribune-live/tribune/overlay"
	"github.com/tribune-live/tribune/report"
	"github.com/tribune-live/tribune/store"
	"github.com/tribune-live/tribune/youtube"
)

// Config is what a meeting runs with: the command line's flags, and what
// the environment holds (credentials are never flags).
type Config struct {
	DB              string   // SQLite file
	Channels        []string // Twitch channels, lower case, without '#'
	Listen          string   // overlay server and control API
	IRC             string   // Twitch IRC address
	IRCTLS          bool
	Lang            string // en or fr
	Premoderate     bool
	Session         string // start a new session with this title
	ReportThreshold int
	BannedWords     string   // file of banned words
	ExtraWords      []string // more banned words (the demo's trolls)
	ShowAuthors     bool     // authors on stream

	AskListen   string // second listener serving only the ask page
	AskURL      string // public address of the ask page, shown on stream
	AskCode     string // meeting code the ask page requires
	AskIDsPerIP int    // new ask-page browsers per client address per hour
	TrustProxy  bool   // client address from X-Forwarded-For

	YouTube      string // live video (id or URL); empty: no YouTube
	YouTubeAPI   string // Data API base URL
	YouTubeOAuth string // OAuth token URL
	YouTubeQuota int    // units a day

	OBS       string // obs-websocket address; empty: no automation
	OBSScene  string // scene while a question is on air
	OBSSource string // source shown while a question is on air

	// From the environment.
	TwitchUser, TwitchToken string
	APIToken                string // overrides the stored control API token
	OBSPassword             string
	YouTubeKey              string
	YouTubeClientID         string
	YouTubeClientSecret     string
	YouTubeRefreshToken     string

	Logger *slog.Logger
	// WrapStore, when set, wraps the store the Service writes through:
	// the benchmark counts transactions with it.
	WrapStore func(tribune.Store) tribune.Store
}

// Meeting is a running meeting. Close stops it.
type Meeting struct {
	DB      *store.DB
	Service *tribune.Service
	Overlay *overlay.Server
	Bot     *bot.Client
	Ask     *ask.Server
	OBS     *obs.Client     // nil without --obs
	YouTube *youtube.Source // nil without --youtube
	// Token is the control API token.
	Token string

	logger  *slog.Logger
	cancel  context.CancelFunc
	sources sync.WaitGroup
}

// Channel returns the name of the meeting's session: its first Twitch
// channel, else "youtube:VIDEO" for a meeting streamed on YouTube alone.
func (c Config) Channel() string {
	if len(c.Channels) > 0 {
		return c.Channels[0]
	}
	if id, err := youtube.ParseVideo(c.YouTube); err == nil {
		return "youtube:" + id
	}
	return ""
}

// Start opens everything of a meeting and starts its sources in the
// background. The overlay server is up when it returns, whether or not the
// platforms are reachable: the sources keep retrying.
func Start(ctx context.Context, c Config) (_ *Meeting, err error) {
	logger := c.Logger
	if logger == nil {
		logger = slog.Default()
	}
	m := &Meeting{logger: logger}
	var listener, askListener net.Listener
	defer func() {
		if err != nil {
			if listener != nil && m.Overlay == nil {
				listener.Close()
			}
			if askListener != nil && m.Ask == nil {
				askListener.Close()
			}
			m.Close()
		}
	}()
	if c.Channel() == "" {
		return nil, errors.New("meeting: a Twitch channel or a YouTube video is required")
	}
	words, err := bannedWords(c)
	if err != nil {
		return nil, err
	}
	obsURL := ""
	if c.OBS != "" {
		if obsURL, err = obs.ParseURL(c.OBS); err != nil {
			return nil, err
		}
		if c.OBSScene == "" && c.OBSSource == "" {
			return nil, errors.New("meeting: --obs needs --obs-scene or --obs-source: what to show while a question is on air")
		}
	}

	m.DB = store.NewDB(c.DB)
	// One process owns a database: a second meeting on the file refuses
	// here, naming the first, before anything changes.
	m.DB.Owner = true
	if err := m.DB.Open(); err != nil {
		return nil, err
	}
	if listener, err = net.Listen("tcp", c.Listen); err != nil {
		return nil, fmt.Errorf("meeting: listen on %s: %w", c.Listen, err)
	}
	if c.AskListen != "" {
		if askListener, err = net.Listen("tcp", c.AskListen); err != nil {
			return nil, fmt.Errorf("meeting: listen on %s for the ask page: %w", c.AskListen, err)
		}
	}
	// Every port is ours and every part that can fail before the session
	// has been tried: the session may now change.

	var st tribune.Store = m.DB
	if c.WrapStore != nil {
		st = c.WrapStore(st)
	}
	svc := tribune.NewService(st, c.Channel())
	if c.YouTube != "" {
		// Before the session opens: a video that is not live, has no
		// chat or whose credentials Google refuses fails the start.
		yt := youtube.NewSource(svc, c.YouTube)
		yt.APIBase, yt.TokenURL, yt.QuotaPerDay = c.YouTubeAPI, c.YouTubeOAuth, c.YouTubeQuota
		yt.APIKey, yt.ClientID, yt.ClientSecret, yt.RefreshToken = c.YouTubeKey, c.YouTubeClientID, c.YouTubeClientSecret, c.YouTubeRefreshToken
		yt.Lang, yt.Logger = c.Lang, logger
		if err := yt.Check(ctx); err != nil {
			return nil, err
		}
		m.YouTube = yt
	}
	svc.Premoderate = c.Premoderate
	svc.ReportThreshold = c.ReportThreshold
	svc.SessionTitle = c.Session
	svc.Logger = logger
	svc.Matcher = match.NewMatcher()
	if words.Len() > 0 {
		svc.Words = words
	}
	// Loading a session allocates in one burst what the Service mostly
	// keeps: collecting while it grows is work thrown away, a fifth of the
	// start with 100 000 questions. The memory limit (the budget, or
	// GOMEMLIMIT) still bounds the heap meanwhile.
	gc := debug.SetGCPercent(-1)
	err = svc.Open(ctx)
	debug.SetGCPercent(gc)
	if err != nil {
		return nil, err
	}
	m.Service = svc
	if m.Token, err = APIToken(ctx, m.DB, c.APIToken); err != nil {
		return nil, err
	}

	page := ask.NewServer(svc)
	if page.Secret, err = ask.LoadSecret(ctx, m.DB); err != nil {
		if tribune.ErrorCode(err) != tribune.EUNAVAILABLE {
			return nil, err
		}
		// Storage that cannot write still opens the meeting, which then
		// says so everywhere: the ask page's browsers last until a restart.
		logger.Warn("the ask page's cookie secret cannot be stored; browsers get new ids at the next start", "err", err)
		page.Secret, err = ask.NewSecret(), nil
	}
	page.Listener = askListener
	page.PublicURL, page.Code = c.AskURL, c.AskCode
	page.IDsPerIP, page.TrustProxy = c.AskIDsPerIP, c.TrustProxy
	page.ShowAuthors, page.Lang, page.Logger = c.ShowAuthors, c.Lang, logger
	if err := page.Open(); err != nil {
		return nil, err
	}
	m.Ask = page

	srv := overlay.NewServer(svc)
	srv.Listener = listener
	srv.Ask = page.Handler()
	srv.Token = m.Token
	srv.Logger = logger
	srv.ShowAuthors = c.ShowAuthors
	srv.Lang = c.Lang
	srv.AskURL, srv.AskCode = c.AskURL, c.AskCode
	srv.Report = m.writeReport(c.Lang)
	if err := srv.Open(); err != nil {
		return nil, err
	}
	m.Overlay = srv

	srcCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	m.cancel = cancel
	if m.YouTube != nil {
		m.run("youtube", m.YouTube.Run, srcCtx)
	}
	if len(c.Channels) > 0 {
		b := bot.NewClient(svc, c.Channels...)
		b.IrcAddress = c.IRC
		b.TLS = c.IRCTLS
		b.User, b.Token = c.TwitchUser, c.TwitchToken
		b.Lang = c.Lang
		b.Logger = logger
		m.Bot = b
		m.run("chat bot", b.Run, srcCtx)
	}
	if obsURL != "" {
		oc := obs.NewClient(svc, obsURL)
		oc.Password, oc.Scene, oc.Source, oc.Logger = c.OBSPassword, c.OBSScene, c.OBSSource, logger
		m.OBS = oc
		m.run("obs", oc.Run, srcCtx)
	}

	sess, _ := svc.Session(ctx)
	logger.Info("tribune is running", "session", sess.ID, "title", sess.Title, "overlay", srv.URL()+"/overlay",
		"twitch", strings.Join(c.Channels, ","), "chat", c.IRC, "anonymous", c.TwitchUser == "" || c.TwitchToken == "",
		"youtube", c.YouTube, "obs", obsURL != "")
	return m, nil
}

// run runs a source until the meeting closes.
func (m *Meeting) run(name string, run func(context.Context) error, ctx context.Context) {
	m.sources.Add(1)
	go func() {
		defer m.sources.Done()
		if err := run(ctx); err != nil && !errors.Is(err, context.Canceled) {
			m.logger.Error(name+" stopped", "err", err)
		}
	}()
}

// writeReport returns what GET /api/report serves: the live report of the
// meeting's session, as stored.
func (m *Meeting) writeReport(lang string) func(context.Context, io.Writer) error {
	return func(ctx context.Context, w io.Writer) error {
		sess, err := m.Service.Session(ctx)
		if err != nil {
			return err
		}
		st, err := m.DB.LoadSession(ctx, sess.ID)
		if err != nil {
			return fmt.Errorf("report: load session %d: %w", sess.ID, err)
		}
		return report.Write(ctx, w, st, report.Options{Lang: lang, Now: m.Service.Now()})
	}
}

// URL returns the overlay server's base URL.
func (m *Meeting) URL() string { return m.Overlay.URL() }

// Close stops the sources first, so that no new command arrives, then the
// overlay server, then the Service, which finishes its queued commands,
// and last the database.
func (m *Meeting) Close() error {
	if m.cancel != nil {
		m.cancel()
		m.sources.Wait()
	}
	var errs []error
	// The ask page's live feeds end here, which the overlay server's
	// shutdown would otherwise wait for.
	if m.Ask != nil {
		if err := m.Ask.Close(); err != nil {
			errs = append(errs, fmt.Errorf("close ask page: %w", err))
		}
	}
	if m.Overlay != nil {
		if err := m.Overlay.Close(); err != nil {
			errs = append(errs, fmt.Errorf("close overlay server: %w", err))
		}
	}
	if m.Service != nil {
		m.Service.Close()
	}
	if m.DB != nil {
		if err := m.DB.Close(); err != nil {
			errs = append(errs, fmt.Errorf("close database: %w", err))
		}
	}
	return errors.Join(errs...)
}

// bannedWords returns the banned-word filter of c: the file's words when
// a file is given, else the extra ones.
func bannedWords(c Config) (*match.Words, error) {
	if c.BannedWords == "" {
		return match.NewWords(c.ExtraWords...), nil
	}
	return match.LoadWords(c.BannedWords)
}

// TokenSetting is where the generated control API token is kept.
const TokenSetting = "api_token"

// APIToken returns the control API token: override if set, else the stored
// one, else a new random one, stored for the next start.
func APIToken(ctx context.Context, db *store.DB, override string) (string, error) {
	if override != "" {
		return override, nil
	}
	tok, ok, err := db.Setting(ctx, TokenSetting)
	if err != nil {
		return "", fmt.Errorf("read api token: %w", err)
	}
	if ok && tok != "" {
		return tok, nil
	}
	b := make([]byte, 24)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("generate api token: %w", err)
	}
	tok = hex.EncodeToString(b)
	if err := db.PutSetting(ctx, TokenSetting, tok); err != nil {
		return "", fmt.Errorf("store api token: %w", err)
	}
	return tok, nil
}
