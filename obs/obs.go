// Package obs automates OBS Studio for the meeting through obs-websocket 5
// (built into OBS 28 and later, port 4455): while a question is on air it
// switches the program to a scene, and back to the scene that was on
// before, or shows a source and hides it again.
//
// OBS is never something the meeting waits for. The Client follows the
// Service's events whether or not OBS is there; it connects, and
// reconnects with backoff after OBS closes, crashes or restarts, and on
// every connection it puts OBS in the state the meeting is in (a question
// on air when OBS comes back: its scene, its source). Its state is the
// Service's "obs" health: connected, unreachable, wrong password, …
//
// The Client (obs.go) decides what OBS should show, and when; conn.go
// speaks the protocol (docs/generated/protocol.md of
// obsproject/obs-websocket) over one connection: the server's Hello
// (op 0) carries an authentication challenge and salt when a password is
// set; the client answers Identify (op 1) with
// base64(sha256(base64(sha256(password + salt)) + challenge)); the server
// confirms with Identified (op 2) or closes with 4009. Requests are op 6,
// their responses op 7, events op 5.
package obs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/url"
	"strings"
	"time"

	"github.com/tribune-live/tribune"
)

// HealthComponent is the Service health component the Client reports.
const HealthComponent = "obs"

// DefaultURL is obs-websocket's address on the streaming machine.
const DefaultURL = "ws://127.0.0.1:4455"

// States the Client reports as its health. A request that OBS refuses
// (a scene that does not exist) is reported as its own sentence.
const (
	StateConnecting       = "connecting"
	StateConnected        = "connected"
	StateUnreachable      = "unreachable"
	StateWrongPassword    = "wrong password"
	StatePasswordRequired = "password required (TRIBUNE_OBS_PASSWORD)"
	StateUnsupported      = "unsupported obs-websocket version"
	// StateKicked: OBS's "Kick" button closed the session; obs-websocket
	// asks clients not to come back on their own.
	StateKicked = "disconnected by OBS (kicked); restart tribune to reconnect"
)

// Reconnection delays: the first, and the cap. OBS restarts in seconds.
const (
	DefaultMinRetry = 500 * time.Millisecond
	DefaultMaxRetry = 10 * time.Second
)

// Client drives OBS from the meeting. Set the fields before Run.
type Client struct {
	// Password is obs-websocket's password (TRIBUNE_OBS_PASSWORD). It is
	// never logged.
	Password string
	// Scene is the program scene while a question is on air; when it goes
	// off air the program goes back to the scene that was on before,
	// unless the operator has switched away meanwhile.
	Scene string
	// Source is a source shown while a question is on air and hidden
	// otherwise, in SourceScene.
	Source string
	// SourceScene is the scene that holds Source. Empty: Scene if set,
	// else the program scene at the time.
	SourceScene string
	// Logger receives the Client's logs.
	Logger *slog.Logger
	// MinRetry and MaxRetry bound the reconnection delay, which doubles
	// from one to the other, with jitter.
	MinRetry, MaxRetry time.Duration

	svc *tribune.Service
	url string

	// Run's state; only Run's goroutine touches it.
	want     bool   // a question is on air
	previous string // the program scene before Run switched to Scene
	shownIn  string // the scene in which Run showed Source
	state    string // the health last reported
}

// NewClient returns a Client of the obs-websocket server at rawURL (such
// as ws://127.0.0.1:4455) for svc, with the default delays.
func NewClient(svc *tribune.Service, rawURL string) *Client {
	return &Client{
		Logger:   slog.Default(),
		MinRetry: DefaultMinRetry,
		MaxRetry: DefaultMaxRetry,
		svc:      svc,
		url:      rawURL,
	}
}

// ParseURL checks an obs-websocket address: ws:// or wss:// with a host
// ("127.0.0.1:4455" alone means ws://), and no password in it. It returns
// the address to dial.
func ParseURL(raw string) (string, error) {
	raw = strings.TrimSpace(raw)
	if !strings.Contains(raw, "://") {
		raw = "ws://" + raw
	}
	u, err := url.Parse(raw)
	switch {
	case err != nil || u.Host == "" || (u.Scheme != "ws" && u.Scheme != "wss"):
		return "", fmt.Errorf("obs: %q is not an obs-websocket address such as %s", raw, DefaultURL)
	case u.User != nil:
		return "", errors.New("obs: put the password in TRIBUNE_OBS_PASSWORD, not in the address")
	}
	return u.String(), nil
}

// Run follows the meeting and drives OBS until ctx ends; then it returns
// nil. It returns an error only for a bad configuration. OBS being absent,
// closed or refusing the password is reported as health, and retried.
func (c *Client) Run(ctx context.Context) error {
	if c.svc == nil {
		return errors.New("obs: no service")
	}
	addr, err := ParseURL(c.url)
	if err != nil {
		return err
	}
	if c.Scene == "" && c.Source == "" {
		return errors.New("obs: nothing to automate: set a scene or a source")
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.MinRetry <= 0 {
		c.MinRetry = DefaultMinRetry
	}
	if c.MaxRetry < c.MinRetry {
		c.MaxRetry = max(c.MinRetry, DefaultMaxRetry)
	}
	log := c.Logger.With("obs", addr)
	sub, _ := c.svc.Subscribe(ctx)
	defer func() { sub.Close() }()
	_, c.want = c.svc.OnAir()
	c.report(log, StateConnecting, nil)

	delay := c.MinRetry
	for {
		cn, err := c.connect(ctx, addr)
		if err == nil {
			delay = c.MinRetry
			c.report(log, StateConnected, nil)
			err = c.session(ctx, log, cn, &sub)
			cn.close()
		}
		if ctx.Err() != nil {
			return nil
		}
		var se *stateError
		state := StateUnreachable
		if errors.As(err, &se) {
			state, err = se.state, se.err
		}
		c.report(log, state, err)
		if state == StateKicked {
			// Not before the meeting restarts: follow it meanwhile.
			c.follow(ctx, &sub, nil)
			return nil
		}
		wait := delay/2 + rand.N(delay/2+1)
		delay = min(2*delay, c.MaxRetry)
		if err := c.follow(ctx, &sub, time.After(wait)); err != nil {
			return nil
		}
	}
}

// follow applies the Service's events to c.want until wake fires (nil:
// never) or ctx ends, when it returns ctx's error.
func (c *Client) follow(ctx context.Context, sub **tribune.Subscription, wake <-chan time.Time) error {
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-wake:
			return nil
		case ev, ok := <-(*sub).C:
			c.apply(sub, ev, ok)
		}
	}
}

// apply updates c.want from one event of the Service and reports whether
// it changed.
func (c *Client) apply(sub **tribune.Subscription, ev tribune.Event, ok bool) bool {
	was := c.want
	switch {
	case !ok:
		*sub, _ = c.svc.Subscribe(context.Background())
		_, c.want = c.svc.OnAir()
	case ev.Type == tribune.EventOnAir:
		c.want = true
	case ev.Type == tribune.EventOffAir:
		c.want = false
	case ev.Type == tribune.EventResync:
		_, c.want = c.svc.OnAir()
	}
	return c.want != was
}

// report sets the health and logs a change of state once, not once per
// retry.
func (c *Client) report(log *slog.Logger, state string, err error) {
	if state == c.state {
		return
	}
	c.state = state
	c.svc.SetHealth(HealthComponent, state)
	switch {
	case state == StateConnected:
		log.Info("connected to OBS")
	case state == StateConnecting:
	case err != nil:
		log.Warn("OBS automation: "+state, "err", err)
	default:
		log.Warn("OBS automation: " + state)
	}
}

// session drives one connection until it fails or ctx ends.
func (c *Client) session(ctx context.Context, log *slog.Logger, cn *conn, sub **tribune.Subscription) error {
	if err := c.reconcile(log, cn); err != nil {
		return err
	}
	ping := time.NewTicker(pingPeriod)
	defer ping.Stop()
	for {
		select {
		case <-ctx.Done():
			cn.goodbye()
			return ctx.Err()
		case ev, ok := <-(*sub).C:
			if c.apply(sub, ev, ok) {
				if err := c.reconcile(log, cn); err != nil {
					return err
				}
			}
		case m := <-cn.in:
			c.event(log, m)
		case <-cn.done:
			return cn.err
		case <-ping.C:
			if err := cn.ping(); err != nil {
				return fmt.Errorf("obs: ping: %w", err)
			}
		}
	}
}

// event handles a message from OBS that no request waits for.
func (c *Client) event(log *slog.Logger, m message) {
	if m.Op != opEvent {
		return
	}
	var e struct {
		Type string `json:"eventType"`
	}
	json.Unmarshal(m.D, &e)
	if e.Type == "ExitStarted" {
		log.Info("OBS is closing; Tribune reconnects when it is back")
	}
}

// reconcile puts OBS in the meeting's state: on air, the program on Scene
// and Source shown; off air, the program back where it was and Source
// hidden. It returns an error when the connection fails; OBS refusing a
// request is reported as health, and tried again at the next change.
func (c *Client) reconcile(log *slog.Logger, cn *conn) error {
	var steps []func(*conn) error
	if c.want {
		steps = []func(*conn) error{c.reconcileScene, c.reconcileSource}
	} else {
		// Hide first: the source must not show on the scene going back.
		steps = []func(*conn) error{c.reconcileSource, c.reconcileScene}
	}
	for _, step := range steps {
		err := step(cn)
		var re *requestError
		if errors.As(err, &re) {
			c.report(log, re.Error(), nil)
			return nil
		}
		if err != nil {
			return err
		}
	}
	c.report(log, StateConnected, nil)
	return nil
}

func (c *Client) reconcileScene(cn *conn) error {
	if c.Scene == "" {
		return nil
	}
	cur, err := cn.programScene()
	if err != nil {
		return err
	}
	switch {
	case c.want && cur != c.Scene:
		if err := cn.setProgramScene(c.Scene); err != nil {
			return err
		}
		c.previous = cur
	case !c.want && cur == c.Scene && c.previous != "":
		if err := cn.setProgramScene(c.previous); err != nil {
			return err
		}
		c.previous = ""
	case !c.want:
		// The operator moved away from Scene, or Tribune never switched:
		// there is nothing to go back to.
		c.previous = ""
	}
	return nil
}

func (c *Client) reconcileSource(cn *conn) error {
	if c.Source == "" {
		return nil
	}
	scene := c.SourceScene
	if scene == "" {
		scene = c.Scene
	}
	if scene == "" && !c.want {
		scene = c.shownIn
	}
	if scene == "" {
		var err error
		if scene, err = cn.programScene(); err != nil {
			return err
		}
	}
	id, err := cn.sceneItemID(scene, c.Source)
	if err != nil {
		return err
	}
	if err := cn.setSceneItemEnabled(scene, id, c.want); err != nil {
		return err
	}
	c.shownIn = ""
	if c.want {
		c.shownIn = scene
	}
	return nil
}

// stateError is a failure that has its own health state.
type stateError struct {
	state string
	err   error
}

func (e *stateError) Error() string {
	if e.err != nil {
		return e.state + ": " + e.err.Error()
	}
	return e.state
}
func (e *stateError) Unwrap() error { return e.err }
