package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"

	"github.com/tribune-live/tribune"
	"github.com/tribune-live/tribune/internal/meeting"
	"github.com/tribune-live/tribune/tui"
)

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
func (m *Main) openMeeting(ctx context.Context, c config) (a *meeting.Meeting, stop func(), err error) {
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
	mc := c.meeting(m)
	mc.Logger = logger
	if a, err = meeting.Start(ctx, mc); err != nil {
		endBudget()
		closeLog()
		return nil, nil, err
	}
	return a, func() {
		logger.Info("shutting down")
		if err := a.Close(); err != nil {
			logger.Error("close meeting", "err", err)
		}
		endBudget()
		closeLog()
	}, nil
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
		a.URL(), a.URL(), a.URL(), c.db)
	<-ctx.Done()
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
// the meeting is up (the demo starts its simulated crowds there).
func (m *Main) runWithConsole(ctx context.Context, c config, before func(context.Context, *meeting.Meeting)) error {
	if c.logFile == "" {
		c.logFile = "tribune.log"
	}
	a, stop, err := m.openMeeting(ctx, c)
	if err != nil {
		return err
	}
	defer stop()
	if before != nil {
		before(ctx, a)
	}
	host := tribune.Actor{Login: "host", DisplayName: "host", Moderator: true, Source: tribune.SourceConsole}
	if u := m.Getenv("USER"); u != "" {
		host.Login, host.DisplayName = u, u
	}
	fmt.Fprintf(m.Stderr, "overlay: %s/overlay   log: %s\n", a.URL(), c.logFile)
	return tui.Run(tribune.NewContext(ctx, host), a.Service)
}
