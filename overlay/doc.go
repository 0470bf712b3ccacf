// Package overlay is Tribune's HTTP server: the overlay pages that OBS loads
// as browser sources, their read-only websocket feed, and the control API
// that remote consoles and scripts use, with Client, the remote form of
// tribune.Moderation.
//
// Routes (see DESIGN.md "HTTP (overlay server)"):
//
//	GET  /overlay        the on-air question card (query: theme, accent, position, font, scale, lang, timer, label)
//	GET  /overlay/top    the live leaderboard (query: n and the options above)
//	GET  /overlay/ask    the ask page's address and its QR code (query: theme, accent, position, font, scale, lang)
//	GET  /overlay/ws     read-only feed: onair/offair/top messages (top=0 leaves top out)
//	     /ask, /ask/...  the ask page, when Server.Ask is set
//	GET  /healthz        200 "ok", or 503 and the parts that keep the meeting from recording
//	     /api/...        the control API, "Authorization: Bearer TOKEN": the
//	                     questions and moderation, GET /api/state and
//	                     POST /api/next for buttons, GET /api/report (the
//	                     meeting report, when Server.Report is set) and
//	                     GET /api/events (every event, for a remote console)
//
// The feed is public: it carries questions only in their public form
// (tribune.Question.Public), without logins, user ids or channels, and
// without authors when the meeting hides them or the asker chose to be
// anonymous. The moderators' stream, /api/events, carries whole questions.
//
// The pages are embedded in the binary and load nothing from elsewhere. Chat
// text only ever reaches the DOM through textContent, in elements that
// isolate it from the text around (dir=auto, unicode-bidi: isolate).
//
// The Server (server.go) owns the listener, its timeouts and the routes.
// page.go renders the pages of web/ with their query options, and qr.go
// the ask card's QR code. One hub goroutine (feed.go) holds the Service
// subscription and fans each event out to the websockets, each served by
// one reader and one writer goroutine (conn.go); a page that falls behind
// is dropped and reconnects to the current state. api.go is the control
// API and its token check; client.go is its client, the remote
// tribune.Moderation that `tribune tui --connect` drives.
package overlay
