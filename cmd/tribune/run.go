package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime/debug"
	"sync"
	"time"

	"github.com/tribune-live/tribune"
	"github.com/tribune-live/tribune/bot"
	"github.com/tribune-live/tribune/match"
	"github.com/tribune-live/tribune/overlay"
	"github.com/tribune-live/tribune/store"
	"github.com/tribune-live/tribune/tui"
)

// app is one running meeting: the store, the Service, the overlay server
// and the chat bot, wired together.
type app struct {
	db     *store.DB
	svc    *tribune.Service
	srv    *overlay.Server
	token  string
	logger *slog.Logger

	cancelBot context.CancelFunc
	botDone   sync.WaitGroup
}

// startApp opens everything of a meeting and connects the bot in the
// background. The overlay server is up when it returns, whether or not chat
// is reachable: the bot keeps retrying.
func (m *Main) startApp(ctx context.Context, c config, logger *slog.Logger) (_ *app, err error) {
	a := &app{logger: logger}
	defer func() {
		if err != nil {
			a.close()
		}
	}()
	a.db = store.NewDB(c.db)
	if err := a.db.Open(); err != nil {
		return nil, err
	}
	a.svc = tribune.NewService(a.db, c.channel)
	a.svc.Premoderate = c.premoderate
	a.svc.ReportThreshold = c.reportThreshold
	a.svc.SessionTitle = c.session
	a.svc.Logger = logger
	a.svc.Matcher = match.NewMatcher()
	words := match.NewWords(c.extraBannedWords...)
	if c.bannedWords != "" {
		if words, err = match.LoadWords(c.bannedWords); err != nil {
			return nil, err
		}
	}
	if words.Len() > 0 {
		a.svc.Words = words
	}
	// Loading a session allocates in one burst what the Service mostly
	// keeps: collecting while it grows is work thrown away, a fifth of the
	// start with 100 000 questions. The memory limit (the budget, or
	// GOMEMLIMIT) still bounds the heap meanwhile.
	gc := debug.SetGCPercent(-1)
	err = a.svc.Open(ctx)
	debug.SetGCPercent(gc)
	if err != nil {
		return nil, err
	}
	if a.token, err = apiToken(ctx, a.db, m.Getenv("TRIBUNE_API_TOKEN")); err != nil {
		return nil, err
	}
	a.srv = overlay.NewServer(a.svc)
	a.srv.Addr = c.listen
	a.srv.Token = a.token
	a.srv.Logger = logger
	if err := a.srv.Open(); err != nil {
		return nil, err
	}

	b := bot.NewClient(a.svc, c.channel)
	b.IrcAddress = c.irc
	b.TLS = c.ircTLS
	b.User, b.Token = c.twitchUser, c.twitchToken
	if b.User == "" {
		b.User, b.Token = m.Getenv("TRIBUNE_TWITCH_USER"), m.Getenv("TRIBUNE_TWITCH_TOKEN")
	}
	b.Lang = c.lang
	b.Logger = logger
	botCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	a.cancelBot = cancel
	a.botDone.Add(1)
	go func() {
		defer a.botDone.Done()
		if err := b.Run(botCtx); err != nil && !errors.Is(err, context.Canceled) {
			logger.Error("chat bot stopped", "err", err)
		}
	}()
	sess, _ := a.svc.Session(ctx)
	logger.Info("tribune is running", "channel", c.channel, "session", sess.ID, "title", sess.Title,
		"overlay", a.srv.URL()+"/overlay", "chat", c.irc, "anonymous", b.User == "")
	return a, nil
}

// close stops the bot first, so that no new command arrives, then the
// overlay server, then the Service, which finishes its queued commands,
// and last the database.
func (a *app) close() {
	if a.cancelBot != nil {
		a.cancelBot()
		a.botDone.Wait()
	}
	if a.srv != nil {
		if err := a.srv.Close(); err != nil {
			a.logger.Error("close overlay server", "err", err)
		}
	}
	if a.svc != nil {
		a.svc.Close()
	}
	if a.db != nil {
		if err := a.db.Close(); err != nil {
			a.logger.Error("close database", "err", err)
		}
	}
}

// tokenSetting is where the generated control API token is kept.
const tokenSetting = "api_token"

// apiToken returns the control API token: override if set, else the stored
// one, else a new random one, stored for the next start.
func apiToken(ctx context.Context, db *store.DB, override string) (string, error) {
	if override != "" {
		return override, nil
	}
	tok, ok, err := db.Setting(ctx, tokenSetting)
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
	if err := db.PutSetting(ctx, tokenSetting, tok); err != nil {
		return "", fmt.Errorf("store api token: %w", err)
	}
	return tok, nil
}

// newLogger logs to path, or to w when path is empty. The returned close
// function closes the file.
func newLogger(path string, w io.Writer) (*slog.Logger, func(), error) {
	if path == "" {
		return slog.New(slog.NewTextHandler(w, nil)), func() {}, nil
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		return nil, nil, fmt.Errorf("open log %s: %w", path, err)
	}
	return slog.New(slog.NewTextHandler(f, nil)), func() { f.Close() }, nil
}

// openMeeting opens the log and starts the meeting; stop closes both.
func (m *Main) openMeeting(ctx context.Context, c config) (a *app, stop func(), err error) {
	logger, closeLog, err := newLogger(c.logFile, m.Stderr)
	if err != nil {
		return nil, nil, err
	}
	// The budget holds from the start: loading a big session is when the
	// heap would grow most.
	budgetCtx, endBudget := context.WithCancel(ctx)
	if m.Getenv("GOMEMLIMIT") == "" {
		newMemoryBudget(DefaultMemoryBudget).hold(budgetCtx, time.Second)
	}
	if a, err = m.startApp(ctx, c, logger); err != nil {
		endBudget()
		closeLog()
		return nil, nil, err
	}
	return a, func() { a.close(); endBudget(); closeLog() }, nil
}

// parseMeeting parses the flags of a meeting command and checks them.
func (m *Main) parseMeeting(fs *flag.FlagSet, c *config, args []string) error {
	if err := m.parse(fs, args); err != nil {
		return err
	}
	return c.validate()
}

func (m *Main) runServe(ctx context.Context, args []string) error {
	var c config
	fs := m.newFlagSet("serve", "tribune serve --channel NAME [flags]\n\nRuns the chat bot, the overlay server and the control API, without a console.\nAttach consoles with 'tribune tui --connect URL'.")
	c.register(fs)
	if err := m.parseMeeting(fs, &c, args); err != nil {
		return err
	}
	a, stop, err := m.openMeeting(ctx, c)
	if err != nil {
		return err
	}
	defer stop()
	fmt.Fprintf(m.Stderr, "overlay: %s/overlay   leaderboard: %s/overlay/top   control API: %s/api (token: tribune token --db %s)\n",
		a.srv.URL(), a.srv.URL(), a.srv.URL(), c.db)
	<-ctx.Done()
	a.logger.Info("shutting down")
	return nil
}

func (m *Main) runHost(ctx context.Context, args []string) error {
	var c config
	fs := m.newFlagSet("tribune", "tribune --channel NAME [flags]\n\nRuns the chat bot, the overlay server and the moderation console in one process.")
	c.register(fs)
	if err := m.parseMeeting(fs, &c, args); err != nil {
		return err
	}
	return m.runWithConsole(ctx, c, nil)
}

// runWithConsole runs a meeting with the console in this terminal. Logs go
// to a file, since the console owns the screen. before, if set, runs once
// the meeting is up (the demo starts its simulated chat there).
func (m *Main) runWithConsole(ctx context.Context, c config, before func(context.Context)) error {
	if c.logFile == "" {
		c.logFile = "tribune.log"
	}
	a, stop, err := m.openMeeting(ctx, c)
	if err != nil {
		return err
	}
	defer stop()
	if before != nil {
		before(ctx)
	}
	host := tribune.Actor{Login: "host", DisplayName: "host", Moderator: true, Source: tribune.SourceConsole}
	if u := m.Getenv("USER"); u != "" {
		host.Login, host.DisplayName = u, u
	}
	fmt.Fprintf(m.Stderr, "overlay: %s/overlay   log: %s\n", a.srv.URL(), c.logFile)
	return tui.Run(tribune.NewContext(ctx, host), a.svc)
}
