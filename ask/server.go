package ask

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/net/netutil"

	"github.com/tribune-live/tribune"
	"github.com/tribune-live/tribune/internal/graceful"
)

// Defaults of a Server.
const (
	// DefaultIDsPerIP is how many new browser ids one client address may
	// get per hour (--ask-ids-per-ip).
	DefaultIDsPerIP = 30
	// DefaultMaxConns caps the second listener's open connections.
	DefaultMaxConns = 4096
	// DefaultMaxStreams caps the live feeds open at once, on every
	// listener together.
	DefaultMaxStreams = 8192
	// DefaultListLimit is how many questions the page lists at most, the
	// most voted first.
	DefaultListLimit = 200
	// HealthAsk names the ask page in the Service's health.
	HealthAsk = "ask"
)

// Timeouts of the second listener: a slow or silent client holds a
// connection for seconds, not forever. The live feed lifts the read and
// write deadlines of its own connection and sets one per write instead.
// Variables only so that a test can shorten them.
var (
	readHeaderTimeout = 5 * time.Second
	readTimeout       = 15 * time.Second
	writeTimeout      = 15 * time.Second
	idleTimeout       = 60 * time.Second
)

const (
	shutdownWait   = 5 * time.Second
	maxHeaderBytes = 16 << 10
)

// Server is the ask page. Create it with NewServer, set the exported
// fields, then Open; Close stops what Open started. Handler serves the
// page on any listener (the lead mounts it on the overlay server); Addr or
// Listener add a second listener of its own that serves only /ask… and
// /healthz, meant to be published behind a TLS reverse proxy.
type Server struct {
	// Secret signs the browser cookies (HMAC-SHA256); at least 16 bytes,
	// kept across restarts so that browsers keep their identity (see
	// LoadSecret). Required.
	Secret []byte
	// Addr is the second listener's address (--ask-listen); empty for
	// none, unless Listener is set.
	Addr string
	// Listener, when set, is a pre-bound second listener: Open serves on
	// it instead of binding Addr, and Close closes it.
	Listener net.Listener
	// PublicURL is the page's public address (--ask-url), advertised on
	// the page; its origin is also accepted as the Origin of POSTs.
	PublicURL string
	// Code, when set, is the meeting code shown on stream (--ask-code):
	// every POST needs it, entered once per browser.
	Code string
	// IDsPerIP is how many new browser ids a client address gets per hour
	// (DefaultIDsPerIP); 0 or less lifts the limit (a load test).
	IDsPerIP int
	// TrustProxy takes the client address from X-Forwarded-For's last hop
	// and the scheme from X-Forwarded-Proto (--trust-proxy): set it only
	// behind a reverse proxy that sets them, else clients choose their
	// own address.
	TrustProxy bool
	// ShowAuthors shows authors' names (--show-authors); an anonymous
	// question never shows its author.
	ShowAuthors bool
	// Lang is the page's language when neither ?lang= nor the browser's
	// Accept-Language picks one: "en" or "fr".
	Lang string
	// Healthz serves /healthz on the second listener; nil answers from
	// the Service's storage health.
	Healthz http.Handler
	// MaxConns caps the second listener's connections (DefaultMaxConns).
	MaxConns int
	// MaxStreams caps the live feeds open at once (DefaultMaxStreams).
	MaxStreams int
	// ListLimit is how many questions the page lists (DefaultListLimit).
	ListLimit int
	Logger    *slog.Logger
	Now       func() time.Time

	svc     *tribune.Service
	handler http.Handler
	once    sync.Once
	open    atomic.Bool
	feed    *feed
	ids     *addrLimiter // new browser ids per address
	codes   *addrLimiter // wrong meeting codes per address
	langs   *langMatcher

	mu     sync.Mutex
	ln     net.Listener
	http   *graceful.Server
	serve  chan struct{} // closed when the second listener's Serve returns
	closed bool
}

// NewServer returns an ask page for svc with the design's defaults.
func NewServer(svc *tribune.Service) *Server {
	return &Server{
		IDsPerIP:    DefaultIDsPerIP,
		ShowAuthors: true,
		Lang:        "en",
		MaxConns:    DefaultMaxConns,
		MaxStreams:  DefaultMaxStreams,
		ListLimit:   DefaultListLimit,
		Logger:      slog.Default(),
		Now:         time.Now,
		svc:         svc,
	}
}

// Handler returns the handler of /ask and /ask/…: mount both patterns on
// a mux. It answers 503 until Open and after Close.
func (s *Server) Handler() http.Handler {
	s.once.Do(func() { s.handler = s.routes() })
	return s.handler
}

// Open checks the configuration, starts the live feed and, when Addr or
// Listener is set, serves the second listener in the background. It
// returns once that listener accepts connections.
func (s *Server) Open() error {
	if s.svc == nil {
		return errors.New("ask: server has no service")
	}
	if len(s.Secret) < 16 {
		return errors.New("ask: the cookie secret must hold at least 16 bytes")
	}
	if s.PublicURL != "" {
		if _, err := originOf(s.PublicURL); err != nil {
			return fmt.Errorf("ask: public URL %q: %w", s.PublicURL, err)
		}
	}
	if s.Logger == nil {
		s.Logger = slog.Default()
	}
	if s.Now == nil {
		s.Now = time.Now
	}
	if s.MaxConns <= 0 {
		s.MaxConns = DefaultMaxConns
	}
	if s.MaxStreams <= 0 {
		s.MaxStreams = DefaultMaxStreams
	}
	if s.ListLimit <= 0 {
		s.ListLimit = DefaultListLimit
	}
	s.Lang = strings.ToLower(s.Lang)
	if _, ok := catalogues[s.Lang]; !ok {
		s.Lang = "en"
	}
	s.langs = newLangMatcher(s.Lang)
	s.ids = newAddrLimiter(s.IDsPerIP, time.Hour)
	// Meeting codes are short: without a bound, a script tries them all.
	s.codes = newAddrLimiter(codeAttempts, codeWindow)
	s.Handler()

	ln := s.Listener
	if ln == nil && s.Addr != "" {
		var err error
		if ln, err = net.Listen("tcp", s.Addr); err != nil {
			return fmt.Errorf("ask: listen on %s: %w", s.Addr, err)
		}
	}
	f, err := newFeed(s)
	if err != nil {
		if ln != nil {
			ln.Close()
		}
		return err
	}
	s.feed = f
	go f.run()
	s.open.Store(true)
	s.svc.SetHealth(HealthAsk, tribune.HealthOK)
	if ln == nil {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.ln = ln
	s.http = graceful.New(&http.Server{
		Handler:           s.listenerRoutes(),
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       readTimeout,
		WriteTimeout:      writeTimeout,
		IdleTimeout:       idleTimeout,
		MaxHeaderBytes:    maxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(s.Logger.Handler(), slog.LevelDebug),
	}, netutil.LimitListener(ln, s.MaxConns))
	s.serve = make(chan struct{})
	go func() {
		defer close(s.serve)
		if err := s.http.Serve(); !errors.Is(err, http.ErrServerClosed) {
			s.Logger.Error("ask listener stopped", "err", err)
		}
	}()
	s.Logger.Info("ask page listening", "url", "http://"+ln.Addr().String()+"/ask", "public_url", s.PublicURL)
	return nil
}

// URL returns the second listener's base URL ("http://127.0.0.1:7351"),
// or "" when there is none.
func (s *Server) URL() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ln == nil {
		return ""
	}
	return "http://" + s.ln.Addr().String()
}

// Close ends the live feeds, stops the second listener after the requests
// in flight, and returns when every goroutine Open started has ended.
// Close it before the server Handler is mounted on: that server's
// shutdown waits for the feeds, which end here.
func (s *Server) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	srv, serve := s.http, s.serve
	s.mu.Unlock()
	s.open.Store(false)
	if s.feed != nil {
		s.feed.stop()
	}
	if srv == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), shutdownWait)
	defer cancel()
	err := srv.Shutdown(ctx)
	if err != nil {
		srv.Close()
	}
	<-serve
	if err != nil {
		return fmt.Errorf("ask: shut down: %w", err)
	}
	return nil
}

// listenerRoutes are the second listener's: the page and /healthz, and
// nothing else (no /api, no /overlay).
func (s *Server) listenerRoutes() http.Handler {
	mux := http.NewServeMux()
	h := s.Handler()
	mux.Handle("/ask", h)
	mux.Handle("/ask/", h)
	health := s.Healthz
	if health == nil {
		health = http.HandlerFunc(s.defaultHealthz)
	}
	mux.Handle("/healthz", health)
	return mux
}

// defaultHealthz answers as the main listener's /healthz does: 200 "ok"
// while the meeting can record, else 503 and what keeps it from it.
func (s *Server) defaultHealthz(w http.ResponseWriter, r *http.Request) {
	h, _ := s.svc.Health(r.Context())
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	if failing := tribune.CannotRecord(h); len(failing) > 0 {
		w.WriteHeader(http.StatusServiceUnavailable)
		fmt.Fprint(w, strings.Join(failing, "\n"))
		return
	}
	fmt.Fprint(w, "ok")
}
