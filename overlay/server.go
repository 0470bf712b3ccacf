package overlay

import (
	"context"
	"errors"
	"fmt"
	"html/template"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/websocket"
	"github.com/tribune-live/tribune"
	"github.com/tribune-live/tribune/internal/graceful"
)

// DefaultAddr is where the server listens unless Addr says otherwise:
// loopback, so that the control API is not reachable from the network.
const DefaultAddr = "127.0.0.1:7350"

// Timing of websockets. A client that answers no ping within pongWait is
// dropped; every write must finish within writeWait.
const (
	writeWait  = 10 * time.Second
	pongWait   = 60 * time.Second
	pingPeriod = pongWait * 9 / 10
	// closeGrace is how long Close lets websockets say goodbye before it
	// cuts the connections that have not.
	closeGrace = 2 * time.Second
	// shutdownWait bounds how long Close waits for plain HTTP requests.
	shutdownWait = 5 * time.Second
)

// Timeouts of plain HTTP requests, so that a client that opens connections
// and sends nothing, or reads nothing, cannot hold the server's resources.
// Websockets are not bound by them: the upgrade clears the connection's
// deadlines, and the pumps set their own (writeWait, pongWait).
const (
	readHeaderTimeout = 10 * time.Second
	// readTimeout covers the whole request, body included; bodies are at
	// most maxBody.
	readTimeout  = 30 * time.Second
	writeTimeout = 30 * time.Second
	idleTimeout  = 2 * time.Minute
	// reportTimeout is the write deadline of GET /api/report, which
	// renders the whole meeting before it writes.
	reportTimeout = 2 * time.Minute
)

// httpTimeouts are the timeouts of a Server's plain HTTP requests.
type httpTimeouts struct {
	readHeader, read, write, idle, report time.Duration
}

var defaultTimeouts = httpTimeouts{
	readHeader: readHeaderTimeout, read: readTimeout, write: writeTimeout,
	idle: idleTimeout, report: reportTimeout,
}

// Server serves the overlay pages, their feed and the control API.
// Configure the exported fields, then Open; Close stops everything it
// started.
type Server struct {
	// Addr is the TCP address to listen on; "127.0.0.1:0" picks a free port.
	Addr string
	// Token is the bearer token of the control API. Empty refuses every
	// /api request. It is never logged.
	Token string
	// Logger receives the server's logs.
	Logger *slog.Logger
	// Listener, when set, is served instead of binding Addr: the caller
	// binds every port before the meeting changes anything, so that a
	// busy port fails the start with nothing changed. Close closes it;
	// if Open fails, it stays the caller's.
	Listener net.Listener
	// ShowAuthors puts the authors' display names on the public feed
	// (--show-authors). NewServer sets it; an anonymous question never
	// shows its author, whatever it says.
	ShowAuthors bool
	// Lang is the pages' language when their URL has no lang= ("en" or
	// "fr"; empty is English).
	Lang string
	// AskURL is the ask page's public address (--ask-url), shown with its
	// QR code by /overlay/ask. Empty: the card says the page is not
	// published.
	AskURL string
	// AskCode is the meeting's code (--ask-code), which the ask page
	// requires: /overlay/ask shows it beside the address.
	AskCode string
	// Ask, when set, serves the ask page at /ask and /ask/ on this
	// listener. Its requests have the server's timeouts: a long-lived
	// response (server-sent events) must lift its own write deadline
	// with http.NewResponseController(w).SetWriteDeadline(time.Time{});
	// a websocket needs nothing, the upgrade lifts it.
	Ask http.Handler
	// Report, when set, writes the live meeting report (HTML) for
	// GET /api/report; without it the route is 404.
	Report func(ctx context.Context, w io.Writer) error

	svc      *tribune.Service
	timeouts httpTimeouts  // the constants above; tests shorten them
	lang     string        // Lang, checked
	qr       template.HTML // the QR code of AskURL, rendered once
	ln       net.Listener
	http     *graceful.Server
	hub      *hub

	// wg counts the websocket goroutines and the HTTP serve loop.
	wg sync.WaitGroup

	mu     sync.Mutex
	conns  map[*websocket.Conn]struct{} // live websockets, cut if Close's grace runs out
	closed bool
}

// NewServer returns a server for svc with the default address.
func NewServer(svc *tribune.Service) *Server {
	return &Server{
		Addr:        DefaultAddr,
		Logger:      slog.Default(),
		ShowAuthors: true,
		svc:         svc,
		timeouts:    defaultTimeouts,
		conns:       map[*websocket.Conn]struct{}{},
	}
}

// Open listens on Addr (or serves Listener) in the background. It returns
// once the listener is open, so URL is valid and requests succeed. A bad
// Lang or AskURL is an error, and nothing is started.
func (s *Server) Open() error {
	if s.svc == nil {
		return errors.New("overlay: server has no service")
	}
	if s.Logger == nil {
		s.Logger = slog.Default()
	}
	lang, ok := normalLang(s.Lang)
	if !ok {
		return fmt.Errorf("overlay: unknown language %q (en or fr)", s.Lang)
	}
	s.lang = lang
	if s.AskURL != "" {
		if err := checkAskURL(s.AskURL); err != nil {
			return err
		}
		qr, err := qrSVG(s.AskURL)
		if err != nil {
			return fmt.Errorf("overlay: QR code of %s: %w", s.AskURL, err)
		}
		s.qr = qr
	}
	ln := s.Listener
	addr := s.Addr
	if ln == nil {
		if addr == "" {
			addr = DefaultAddr
		}
		var err error
		if ln, err = net.Listen("tcp", addr); err != nil {
			return fmt.Errorf("overlay: listen on %s: %w", addr, err)
		}
	} else {
		addr = ln.Addr().String()
	}
	s.ln = ln
	if host, _, err := net.SplitHostPort(addr); err == nil {
		if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
			s.Logger.Warn("overlay server listens beyond this machine; the control API still requires its token", "addr", ln.Addr().String())
		}
	}
	if s.Token == "" {
		s.Logger.Warn("control API has no token: every /api request is refused")
	}

	s.hub = newHub(s.svc, s.Logger, s.ShowAuthors)
	go s.hub.run()

	s.http = graceful.New(&http.Server{
		Handler:           s.routes(),
		ReadHeaderTimeout: s.timeouts.readHeader,
		ReadTimeout:       s.timeouts.read,
		WriteTimeout:      s.timeouts.write,
		IdleTimeout:       s.timeouts.idle,
		ErrorLog:          slog.NewLogLogger(s.Logger.Handler(), slog.LevelWarn),
	}, ln)
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		if err := s.http.Serve(); !errors.Is(err, http.ErrServerClosed) {
			s.Logger.Error("overlay server stopped", "err", err)
		}
	}()
	s.Logger.Info("overlay server listening", "url", s.URL())
	return nil
}

// URL returns the server's base URL, such as "http://127.0.0.1:7350".
func (s *Server) URL() string {
	if s.ln == nil {
		return ""
	}
	return "http://" + s.ln.Addr().String()
}

// Close stops accepting connections, tells every websocket client that the
// server is going away, waits for HTTP requests in flight, and returns when
// every goroutine it started has ended.
func (s *Server) Close() error {
	s.mu.Lock()
	if s.closed || s.ln == nil {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	s.mu.Unlock()

	ctx, cancel := context.WithTimeout(context.Background(), shutdownWait)
	defer cancel()
	// Shutdown waits for plain requests; hijacked websockets are not its
	// business, the hub closes them.
	err := s.http.Shutdown(ctx)
	s.hub.stop()

	done := make(chan struct{})
	go func() { s.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(closeGrace):
		// A stalled client can hold its writer for writeWait: cut it.
		s.mu.Lock()
		for c := range s.conns {
			c.Close()
		}
		s.mu.Unlock()
		<-done
	}
	if err != nil {
		return fmt.Errorf("overlay: shut down: %w", err)
	}
	return nil
}

func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", s.handleHealthz)
	mux.HandleFunc("GET /overlay", s.handleCardPage)
	mux.HandleFunc("GET /overlay/top", s.handleTopPage)
	mux.HandleFunc("GET /overlay/ask", s.handleAskPage)
	mux.HandleFunc("GET /overlay/ws", s.handleFeed)
	if s.Ask != nil {
		mux.Handle("/ask", s.Ask)
		mux.Handle("/ask/", s.Ask)
	}
	mux.Handle("/api/", s.authenticate(s.apiRoutes()))
	return mux
}

// handleHealthz serves GET /healthz: 200 "ok" while the meeting can record,
// else 503 and one "part: state" line per failing part
// (tribune.CannotRecord).
func (s *Server) handleHealthz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	health, _ := s.svc.Health(r.Context())
	failing := tribune.CannotRecord(health)
	if len(failing) == 0 {
		fmt.Fprint(w, "ok")
		return
	}
	w.WriteHeader(http.StatusServiceUnavailable)
	fmt.Fprint(w, strings.Join(failing, "\n"))
}

// checkAskURL refuses an ask address that a phone could not open from the
// QR code: it must be an absolute http or https URL with a host.
func checkAskURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil {
		return fmt.Errorf("overlay: ask URL %q is not an http or https address such as https://example.org/ask", raw)
	}
	return nil
}

// track records a live websocket so that Close can cut it, and counts its
// reader and writer goroutines. It reports false when the server is closing
// and the connection must not start. Both happen under s.mu so that no
// goroutine is added after Close has begun to wait.
func (s *Server) track(c *websocket.Conn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false
	}
	s.conns[c] = struct{}{}
	s.wg.Add(2)
	return true
}

func (s *Server) untrack(c *websocket.Conn) {
	s.mu.Lock()
	delete(s.conns, c)
	s.mu.Unlock()
}
