package ask

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/tribune-live/tribune"
)

// Cookies of the page. Path=/ask: the rest of the host (the overlay, the
// API on the main listener) never sees them.
const (
	idCookie   = "tribune_ask"
	codeCookie = "tribune_ask_code"
	cookiePath = "/ask"
	// cookieAge is how long a browser keeps its identity: longer than a
	// meeting, so that a viewer who comes back is the same viewer.
	cookieAge = 180 * 24 * time.Hour
)

// Bounds of the meeting code: codeAttempts wrong codes per address per
// codeWindow, so that a four-digit code is not found by trying them all.
const (
	codeAttempts = 10
	codeWindow   = 10 * time.Minute
)

// maxAddrs bounds the per-address tables. An address whose budget is full
// again is forgotten at no cost (a full bucket and a new one are the
// same), so the table only fills when this many addresses each spent
// some budget within the window; then new addresses are refused until
// some budget refills, rather than the table growing without end.
const maxAddrs = 100_000

// secretSetting is where LoadSecret keeps the cookie secret.
const secretSetting = "ask_cookie_secret"

// LoadSecret returns the cookie secret kept in store, creating one
// (NewSecret) on first use, so that browsers keep their identity across
// restarts.
func LoadSecret(ctx context.Context, store tribune.Store) ([]byte, error) {
	v, ok, err := store.Setting(ctx, secretSetting)
	if err != nil {
		return nil, fmt.Errorf("ask: read the cookie secret: %w", err)
	}
	if ok {
		b, err := base64.StdEncoding.DecodeString(v)
		if err == nil && len(b) >= 16 {
			return b, nil
		}
		// A damaged secret is replaced: browsers become new browsers,
		// which is what a forged cookie is too.
	}
	b := NewSecret()
	if err := store.PutSetting(ctx, secretSetting, base64.StdEncoding.EncodeToString(b)); err != nil {
		return nil, fmt.Errorf("ask: store the cookie secret: %w", err)
	}
	return b, nil
}

// NewSecret returns 32 random bytes for Server.Secret. A meeting whose
// storage cannot keep one runs on a new secret: its browsers become new
// browsers at the next start.
func NewSecret() []byte {
	b := make([]byte, 32)
	rand.Read(b)
	return b
}

// newBrowserID returns a random 128-bit id, in a form that ban targets
// accept ("web:" + id).
func newBrowserID() string {
	var b [16]byte
	rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// mac returns the signature of value under purpose, so that a signed
// browser id can never pass for a signed code or the other way round.
func (s *Server) mac(purpose, value string) []byte {
	m := hmac.New(sha256.New, s.Secret)
	m.Write([]byte("tribune ask " + purpose + "\x00" + value))
	return m.Sum(nil)
}

// signID returns the cookie value of browser id: id.signature.
func (s *Server) signID(id string) string {
	return id + "." + base64.RawURLEncoding.EncodeToString(s.mac("id", id))
}

// browserID returns the browser id of r's signed cookie. A missing,
// malformed, forged or altered cookie is no browser: ok is false.
func (s *Server) browserID(r *http.Request) (id string, ok bool) {
	for _, c := range r.CookiesNamed(idCookie) {
		id, sig, found := strings.Cut(c.Value, ".")
		if !found || len(id) != 22 {
			continue
		}
		raw, err := base64.RawURLEncoding.DecodeString(sig)
		if err != nil {
			continue
		}
		if _, err := base64.RawURLEncoding.DecodeString(id); err != nil {
			continue
		}
		if hmac.Equal(raw, s.mac("id", id)) {
			return id, true
		}
	}
	return "", false
}

// ensureBrowser returns r's browser id, minting one (and setting its
// cookie on w) for a new browser, within the address's budget of new ids.
// ERATELIMIT (reasonTooManyBrowsers, "wait" seconds) past the budget.
func (s *Server) ensureBrowser(w http.ResponseWriter, r *http.Request) (string, error) {
	if id, ok := s.browserID(r); ok {
		return id, nil
	}
	if wait, ok := s.ids.allow(addrKey(s.clientAddr(r)), s.Now()); !ok {
		return "", tribune.Errorf(tribune.ERATELIMIT, reasonTooManyBrowsers, "too many new browsers from this address").
			With("wait", waitSeconds(wait))
	}
	id := newBrowserID()
	s.setCookie(w, r, idCookie, s.signID(id))
	return id, nil
}

func (s *Server) setCookie(w http.ResponseWriter, r *http.Request, name, value string) {
	http.SetCookie(w, &http.Cookie{
		Name: name, Value: value, Path: cookiePath,
		MaxAge: int(cookieAge / time.Second), HttpOnly: true,
		Secure: s.https(r), SameSite: http.SameSiteStrictMode,
	})
}

// codeCookieOK reports whether r carries the cookie of an entered
// meeting code.
func (s *Server) codeCookieOK(r *http.Request) bool {
	for _, c := range r.CookiesNamed(codeCookie) {
		if raw, err := base64.RawURLEncoding.DecodeString(c.Value); err == nil && hmac.Equal(raw, s.mac("code", s.Code)) {
			return true
		}
	}
	return false
}

// sameCode compares a typed code with the meeting's, ignoring case and
// spaces around it (it was read off a stream), in constant time.
func (s *Server) sameCode(typed string) bool {
	a := strings.ToUpper(strings.TrimSpace(typed))
	b := strings.ToUpper(strings.TrimSpace(s.Code))
	return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}

// rememberCode sets the cookie that carries the entered code.
func (s *Server) rememberCode(w http.ResponseWriter, r *http.Request) {
	s.setCookie(w, r, codeCookie, base64.RawURLEncoding.EncodeToString(s.mac("code", s.Code)))
}

// clientAddr returns the address of r's client: the socket's, or the last
// hop of X-Forwarded-For when TrustProxy is set (the address the trusted
// proxy saw; any earlier hop is the client's own claim).
func (s *Server) clientAddr(r *http.Request) netip.Addr {
	if s.TrustProxy {
		if a, ok := lastForwarded(r.Header.Values("X-Forwarded-For")); ok {
			return a
		}
	}
	if ap, err := netip.ParseAddrPort(r.RemoteAddr); err == nil {
		return ap.Addr().Unmap()
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	a, _ := netip.ParseAddr(host)
	return a.Unmap()
}

// lastForwarded returns the last address of X-Forwarded-For header
// values.
func lastForwarded(values []string) (netip.Addr, bool) {
	if len(values) == 0 {
		return netip.Addr{}, false
	}
	last := values[len(values)-1]
	if i := strings.LastIndexByte(last, ','); i >= 0 {
		last = last[i+1:]
	}
	last = strings.TrimSpace(last)
	if a, err := netip.ParseAddr(last); err == nil {
		return a.Unmap(), true
	}
	if ap, err := netip.ParseAddrPort(last); err == nil {
		return ap.Addr().Unmap(), true
	}
	return netip.Addr{}, false
}

// addrKey is the key of an address in the per-address limits. An IPv6
// client holds a whole /64 and picks any address in it: the /64 is the
// address that counts.
func addrKey(a netip.Addr) string {
	if a.Is6() && !a.Is4In6() {
		p, _ := a.Prefix(64)
		return p.String()
	}
	return a.String()
}

// https reports whether r reached the client over HTTPS: directly, or
// through a trusted proxy that says so.
func (s *Server) https(r *http.Request) bool {
	if r.TLS != nil {
		return true
	}
	if s.TrustProxy {
		v := r.Header.Values("X-Forwarded-Proto")
		if len(v) > 0 {
			last := v[len(v)-1]
			if i := strings.LastIndexByte(last, ','); i >= 0 {
				last = last[i+1:]
			}
			return strings.EqualFold(strings.TrimSpace(last), "https")
		}
	}
	return false
}

// sameOrigin reports whether r's Origin header is the page's own origin:
// the scheme and host r was sent to, or PublicURL's. A POST without an
// Origin is refused too: every browser sends one on fetch and form POSTs
// alike, so only scripts and old or privacy-stripped clients lack it, and
// the simulated browsers set it.
func (s *Server) sameOrigin(r *http.Request) bool {
	o := r.Header.Get("Origin")
	if o == "" || o == "null" {
		return false
	}
	got, err := originOf(o)
	if err != nil {
		return false
	}
	scheme := "http"
	if s.https(r) {
		scheme = "https"
	}
	if own, err := originOf(scheme + "://" + r.Host); err == nil && own == got {
		return true
	}
	if s.PublicURL != "" {
		if pub, err := originOf(s.PublicURL); err == nil && pub == got {
			return true
		}
	}
	return false
}

// originOf returns the origin of an absolute http(s) URL, lower case,
// without the scheme's default port.
func originOf(raw string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", err
	}
	scheme := strings.ToLower(u.Scheme)
	if scheme != "http" && scheme != "https" {
		return "", errors.New("not an http or https URL")
	}
	host := strings.ToLower(u.Host)
	if host == "" || u.User != nil {
		return "", errors.New("no host")
	}
	if h, port, err := net.SplitHostPort(host); err == nil {
		if (scheme == "http" && port == "80") || (scheme == "https" && port == "443") {
			host = h
			if strings.Contains(h, ":") {
				host = "[" + h + "]"
			}
		}
	}
	return scheme + "://" + host, nil
}

// addrLimiter gives each client address a budget of n events per window
// (a token bucket: n at once, then one every window/n). Its memory is
// bounded by maxAddrs. A zero limiter (n ≤ 0) allows everything.
type addrLimiter struct {
	mu    sync.Mutex
	every rate.Limit
	burst int
	addrs map[string]*rate.Limiter
}

func newAddrLimiter(n int, window time.Duration) *addrLimiter {
	if n <= 0 {
		return &addrLimiter{}
	}
	return &addrLimiter{every: rate.Every(window / time.Duration(n)), burst: n, addrs: map[string]*rate.Limiter{}}
}

// allow spends one event of key's budget at now. When the budget is spent
// it returns how long until the next event is allowed.
func (l *addrLimiter) allow(key string, now time.Time) (wait time.Duration, ok bool) {
	if l.burst == 0 {
		return 0, true
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	lim, found := l.addrs[key]
	if !found {
		if len(l.addrs) >= maxAddrs {
			l.sweep(now)
		}
		if len(l.addrs) >= maxAddrs {
			return time.Duration(float64(time.Second) / float64(l.every)), false
		}
		lim = rate.NewLimiter(l.every, l.burst)
		l.addrs[key] = lim
	}
	r := lim.ReserveN(now, 1)
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now)
		return d, false
	}
	return 0, true
}

// blocked reports whether key's budget is spent at now, and for how long,
// without spending any of it.
func (l *addrLimiter) blocked(key string, now time.Time) (wait time.Duration, spent bool) {
	if l.burst == 0 {
		return 0, false
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	lim, found := l.addrs[key]
	if !found {
		return 0, false
	}
	if tokens := lim.TokensAt(now); tokens < 1 {
		return time.Duration((1 - tokens) / float64(l.every) * float64(time.Second)), true
	}
	return 0, false
}

// sweep forgets the addresses whose budget is full again. The caller
// holds l.mu.
func (l *addrLimiter) sweep(now time.Time) {
	for k, lim := range l.addrs {
		if lim.TokensAt(now) >= float64(l.burst) {
			delete(l.addrs, k)
		}
	}
}

// waitSeconds rounds a wait up to whole seconds, at least 1.
func waitSeconds(d time.Duration) int {
	return max(1, int((d+time.Second-1)/time.Second))
}
