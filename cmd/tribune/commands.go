package main

import (
	"context"
	"fmt"
	"io"
	"net/url"
	"strings"

	"github.com/tribune-live/tribune"
	"github.com/tribune-live/tribune/internal/meeting"
	"github.com/tribune-live/tribune/overlay"
	"github.com/tribune-live/tribune/store"
	"github.com/tribune-live/tribune/tui"
)

func (m *Main) runTUI(ctx context.Context, args []string) error {
	fs := m.newFlagSet("tui", "tribune tui [--connect URL] [--token TOKEN] [--name NAME]\n\nAttaches a moderation console to a running 'tribune serve' through its control API.\nThe token is read from TRIBUNE_API_TOKEN unless --token is given.")
	connect := fs.String("connect", "http://127.0.0.1:7350", "`URL` of the running tribune serve")
	token := fs.String("token", "", "control API `token` (default: $TRIBUNE_API_TOKEN)")
	name := fs.String("name", m.Getenv("USER"), "moderator `name` shown in the moderation log")
	if err := m.parse(fs, args); err != nil {
		return err
	}
	u, err := url.Parse(*connect)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return usageError{fmt.Sprintf("--connect %q: want a URL like http://127.0.0.1:7350", *connect)}
	}
	tok := *token
	if tok == "" {
		tok = m.Getenv("TRIBUNE_API_TOKEN")
	}
	if tok == "" {
		return usageError{"no control API token: set TRIBUNE_API_TOKEN or --token (print it with 'tribune token' on the server)"}
	}
	client := overlay.NewClient(strings.TrimRight(*connect, "/"), tok)
	if *name != "" {
		client.Moderator = *name
	}
	if _, err := client.Session(ctx); err != nil {
		return fmt.Errorf("connect to %s: %w", *connect, err)
	}
	return tui.Run(ctx, client)
}

func (m *Main) runToken(ctx context.Context, args []string) error {
	fs := m.newFlagSet("token", "tribune token [--db FILE]\n\nPrints the control API token, generating and storing one if the database has none.\nTRIBUNE_API_TOKEN, when set, overrides the stored token.")
	dbPath := fs.String("db", "tribune.db", "SQLite database `file`")
	if err := m.parse(fs, args); err != nil {
		return err
	}
	if env := m.Getenv("TRIBUNE_API_TOKEN"); env != "" {
		fmt.Fprintln(m.Stdout, env)
		return nil
	}
	db := store.NewDB(*dbPath)
	db.MustExist = true
	if err := db.Open(); err != nil {
		return err
	}
	defer db.Close()
	tok, err := meeting.APIToken(ctx, db, "")
	if err != nil {
		return err
	}
	fmt.Fprintln(m.Stdout, tok)
	return nil
}

func (m *Main) runExport(ctx context.Context, args []string) error {
	fs := m.newFlagSet("export", "tribune export [--session ID] --format csv|json|md [--out FILE]\n\nWrites every question of a session (default: the latest) with votes, status, author and times.")
	dbPath := fs.String("db", "tribune.db", "SQLite database `file`")
	sessionID := fs.Int64("session", 0, "session `id` to export (default: the latest)")
	format := fs.String("format", "md", "output `format`: csv, json or md")
	out := fs.String("out", "", "write to this `file` instead of standard output")
	if err := m.parse(fs, args); err != nil {
		return err
	}
	write, ok := exporters[*format]
	if !ok {
		return usageError{fmt.Sprintf("--format %q: want csv, json or md", *format)}
	}
	db := store.NewDB(*dbPath)
	db.MustExist = true
	if err := db.Open(); err != nil {
		return err
	}
	defer db.Close()
	st, err := loadExport(ctx, db, *sessionID)
	if err != nil {
		return err
	}
	return writeOutput(*out, m.Stdout, func(w io.Writer) error { return write(w, st) })
}

// loadExport returns the state of session id, or of the latest session when
// id is 0. With no session at all it returns an empty state.
func loadExport(ctx context.Context, db *store.DB, id int64) (tribune.SessionState, error) {
	if id == 0 {
		sessions, err := db.Sessions(ctx)
		if err != nil {
			return tribune.SessionState{}, err
		}
		if len(sessions) == 0 {
			return tribune.SessionState{}, nil
		}
		id = sessions[len(sessions)-1].ID
	}
	st, err := db.LoadSession(ctx, id)
	if tribune.ErrorCode(err) == tribune.ENOTFOUND {
		return st, usageError{fmt.Sprintf("--session %d: no such session", id)}
	}
	return st, err
}
