package overlay

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/websocket"
	"github.com/tribune-live/tribune"
)

// HealthAPI is the health component a Client reports in the events of its
// subscriptions: "connected" or "disconnected".
const HealthAPI = "api"

// Reconnection delays of a Client's event stream: the first, and the cap.
const (
	minRetry = 500 * time.Millisecond
	maxRetry = 5 * time.Second
)

// Client is tribune.Moderation over the control API, for a console attached
// to a running server. Errors from the server come back as *tribune.Error
// with the server's code; an unreachable server gives EUNAVAILABLE.
type Client struct {
	// Moderator is sent as X-Tribune-Moderator unless the context names a
	// moderator (tribune.NewContext).
	Moderator string
	// HTTPClient makes the API requests.
	HTTPClient *http.Client
	// Logger receives the event stream's reconnections.
	Logger *slog.Logger

	base  string // http://host:port, no trailing slash
	token string

	mu      sync.Mutex
	cancels []context.CancelFunc // one per subscription
	wg      sync.WaitGroup       // subscription goroutines
}

var _ tribune.Moderation = (*Client)(nil)

// NewClient returns a client of the control API at baseURL (such as
// "http://127.0.0.1:7350"; a bare host:port means http) with token.
func NewClient(baseURL, token string) *Client {
	base := strings.TrimRight(strings.TrimSpace(baseURL), "/")
	if !strings.Contains(base, "://") {
		base = "http://" + base
	}
	return &Client{
		HTTPClient: &http.Client{Timeout: 15 * time.Second},
		Logger:     slog.Default(),
		base:       base,
		token:      token,
	}
}

// Close ends every subscription of c and waits for their goroutines.
func (c *Client) Close() error {
	c.mu.Lock()
	cancels := c.cancels
	c.cancels = nil
	c.mu.Unlock()
	for _, cancel := range cancels {
		cancel()
	}
	c.wg.Wait()
	return nil
}

// moderator is the name sent with a command made with ctx.
func (c *Client) moderator(ctx context.Context) string {
	if a := tribune.ActorFromContext(ctx); a != tribune.ConsoleActor {
		return a.Name()
	}
	return c.Moderator
}

func (c *Client) header(ctx context.Context) http.Header {
	h := http.Header{}
	h.Set("Authorization", "Bearer "+c.token)
	if m := c.moderator(ctx); m != "" {
		h.Set(ModeratorHeader, m)
	}
	return h
}

// call sends one API request and decodes the JSON answer into out.
func (c *Client) call(ctx context.Context, method, path string, body, out any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return fmt.Errorf("overlay client: encode %s %s: %w", method, path, err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, rd)
	if err != nil {
		return &tribune.Error{Code: tribune.EINVALID, Reason: tribune.ReasonInvalidRequest,
			Message: fmt.Sprintf("bad API address %q", c.base), Err: err}
	}
	req.Header = c.header(ctx)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	resp, err := c.HTTPClient.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return c.unreachable(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return responseError(resp)
	}
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		return &tribune.Error{Code: tribune.EINTERNAL, Message: fmt.Sprintf("bad answer to %s %s", method, path),
			Err: fmt.Errorf("decode: %w", err)}
	}
	return nil
}

func (c *Client) unreachable(err error) *tribune.Error {
	return &tribune.Error{Code: tribune.EUNAVAILABLE, Reason: tribune.ReasonUnreachable,
		Message: fmt.Sprintf("cannot reach Tribune at %s", c.base), Err: err}
}

// responseError turns an API error response into a *tribune.Error.
func responseError(resp *http.Response) *tribune.Error {
	var body ErrorBody
	b, _ := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err := json.Unmarshal(b, &body); err != nil || body.Error.Code == "" {
		return &tribune.Error{Code: codeOf(resp.StatusCode), Message: "control API: " + resp.Status}
	}
	d := body.Error
	e := &tribune.Error{Code: d.Code, Reason: d.Reason, Message: d.Message}
	for k, v := range d.Args {
		// JSON has one number type; give whole numbers back as ints, as
		// the Service sets them, so that consoles read them alike.
		if f, ok := v.(float64); ok && f == math.Trunc(f) && math.Abs(f) < 1<<53 {
			v = int(f)
		}
		e.With(k, v)
	}
	return e
}

func (c *Client) question(ctx context.Context, id int, action string, body any) (tribune.Question, error) {
	var q tribune.Question
	err := c.call(ctx, http.MethodPost, "/api/questions/"+strconv.Itoa(id)+"/"+action, body, &q)
	return q, err
}

// Session implements tribune.Moderation.
func (c *Client) Session(ctx context.Context) (tribune.Session, error) {
	var s tribune.Session
	err := c.call(ctx, http.MethodGet, "/api/session", nil, &s)
	return s, err
}

// Questions implements tribune.Moderation.
func (c *Client) Questions(ctx context.Context, st tribune.Status) ([]tribune.Question, error) {
	path := "/api/questions"
	if st != "" {
		path += "?status=" + url.QueryEscape(string(st))
	}
	var qs []tribune.Question
	err := c.call(ctx, http.MethodGet, path, nil, &qs)
	return qs, err
}

// Approve implements tribune.Moderation.
func (c *Client) Approve(ctx context.Context, id int) (tribune.Question, error) {
	return c.question(ctx, id, "approve", nil)
}

// Reject implements tribune.Moderation.
func (c *Client) Reject(ctx context.Context, id int) (tribune.Question, error) {
	return c.question(ctx, id, "reject", nil)
}

// Show implements tribune.Moderation.
func (c *Client) Show(ctx context.Context, id int) (tribune.Question, error) {
	return c.question(ctx, id, "show", nil)
}

// Answer implements tribune.Moderation.
func (c *Client) Answer(ctx context.Context, id int) (tribune.Question, error) {
	return c.question(ctx, id, "answer", nil)
}

// Restore implements tribune.Moderation.
func (c *Client) Restore(ctx context.Context, id int) (tribune.Question, error) {
	return c.question(ctx, id, "restore", nil)
}

// Merge implements tribune.Moderation.
func (c *Client) Merge(ctx context.Context, id, into int) (tribune.Question, error) {
	return c.question(ctx, id, "merge", MergeRequest{Into: into})
}

// Edit implements tribune.Moderation.
func (c *Client) Edit(ctx context.Context, id int, text string) (tribune.Question, error) {
	return c.question(ctx, id, "edit", EditRequest{Text: &text})
}

// Label implements tribune.Moderation.
func (c *Client) Label(ctx context.Context, id int, label string) (tribune.Question, error) {
	return c.question(ctx, id, "label", LabelRequest{Label: &label})
}

// RejectMany implements tribune.Moderation.
func (c *Client) RejectMany(ctx context.Context, ids []int) ([]tribune.Question, error) {
	var qs []tribune.Question
	err := c.call(ctx, http.MethodPost, "/api/questions/reject", RejectManyRequest{IDs: ids}, &qs)
	return qs, err
}

// Next implements tribune.Moderation.
func (c *Client) Next(ctx context.Context) (tribune.Question, error) {
	var q tribune.Question
	err := c.call(ctx, http.MethodPost, "/api/next", nil, &q)
	return q, err
}

// HideOverlay implements tribune.Moderation.
func (c *Client) HideOverlay(ctx context.Context) (tribune.Question, error) {
	var q tribune.Question
	err := c.call(ctx, http.MethodPost, "/api/overlay/hide", nil, &q)
	return q, err
}

// Ban implements tribune.Moderation.
func (c *Client) Ban(ctx context.Context, login string) (tribune.Ban, error) {
	var b tribune.Ban
	err := c.call(ctx, http.MethodPost, "/api/users/"+url.PathEscape(login)+"/ban", nil, &b)
	return b, err
}

// Undo implements tribune.Moderation.
func (c *Client) Undo(ctx context.Context) (tribune.LogEntry, error) {
	var e tribune.LogEntry
	err := c.call(ctx, http.MethodPost, "/api/undo", nil, &e)
	return e, err
}

// Health implements tribune.Moderation.
func (c *Client) Health(ctx context.Context) (map[string]string, error) {
	var h map[string]string
	err := c.call(ctx, http.MethodGet, "/api/health", nil, &h)
	return h, err
}

// Subscribe implements tribune.Moderation: it connects to /api/events and
// returns once the server has registered the subscription, so that no
// event after the call is missed. The stream lives until ctx ends, the
// subscription is closed, or c is closed. When the connection drops it
// publishes a health event {"api":"disconnected"}, reconnects with backoff,
// and then publishes {"api":"connected"} and EventResync, on which the
// console reloads what it shows.
func (c *Client) Subscribe(ctx context.Context) (*tribune.Subscription, error) {
	conn, hello, err := c.dialEvents(ctx)
	if err != nil {
		return nil, err
	}
	hub := tribune.NewHub()
	sub := hub.Subscribe(tribune.DefaultSubscriptionBuffer)
	hub.Publish(hello)

	sctx, cancel := context.WithCancel(context.Background())
	stop := context.AfterFunc(ctx, cancel)
	c.mu.Lock()
	c.cancels = append(c.cancels, cancel)
	c.wg.Add(1)
	c.mu.Unlock()
	go func() {
		defer c.wg.Done()
		defer stop()
		defer cancel()
		defer sub.Close()
		c.follow(sctx, conn, hub)
	}()
	return sub, nil
}

// dialEvents connects to /api/events and reads the server's first message,
// which it returns with HealthAPI set to "connected".
func (c *Client) dialEvents(ctx context.Context) (*websocket.Conn, tribune.Event, error) {
	u := "ws" + strings.TrimPrefix(c.base, "http") + "/api/events"
	dctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	conn, resp, err := websocket.DefaultDialer.DialContext(dctx, u, c.header(ctx))
	if err != nil {
		if resp != nil && resp.StatusCode != http.StatusSwitchingProtocols {
			return nil, tribune.Event{}, responseError(resp)
		}
		if ctx.Err() != nil {
			return nil, tribune.Event{}, ctx.Err()
		}
		return nil, tribune.Event{}, c.unreachable(err)
	}
	conn.SetReadLimit(16 << 20)
	conn.SetReadDeadline(time.Now().Add(pongWait))
	var hello tribune.Event
	if err := conn.ReadJSON(&hello); err != nil {
		conn.Close()
		return nil, tribune.Event{}, c.unreachable(fmt.Errorf("read first event: %w", err))
	}
	if hello.Type != tribune.EventHealth || hello.Health == nil {
		hello = tribune.Event{Type: tribune.EventHealth, Health: map[string]string{}}
	}
	hello.Health[HealthAPI] = "connected"
	return conn, hello, nil
}

// follow publishes the events of conn to hub, and reconnects when the
// connection drops, until ctx ends or nobody is subscribed any more.
func (c *Client) follow(ctx context.Context, conn *websocket.Conn, hub *tribune.Hub) {
	for {
		c.pump(ctx, conn, hub)
		conn.Close()
		if ctx.Err() != nil || hub.Subscribers() == 0 {
			return
		}
		c.Logger.Warn("lost the control API's event stream; reconnecting", "url", c.base)
		hub.Publish(tribune.Event{Type: tribune.EventHealth, Health: map[string]string{HealthAPI: "disconnected"}})
		var hello tribune.Event
		delay := minRetry
		for {
			wait := delay/2 + rand.N(delay/2+1)
			delay = min(2*delay, maxRetry)
			select {
			case <-ctx.Done():
				return
			case <-time.After(wait):
			}
			if hub.Subscribers() == 0 {
				return
			}
			var err error
			if conn, hello, err = c.dialEvents(ctx); err == nil {
				break
			}
			c.Logger.Debug("reconnect to the control API failed", "url", c.base, "err", err)
		}
		c.Logger.Info("event stream of the control API is back", "url", c.base)
		hub.Publish(hello, tribune.Event{Type: tribune.EventResync})
	}
}

// pump reads events from conn into hub until the connection fails, ctx
// ends, or the subscription is closed. It is conn's only reader.
func (c *Client) pump(ctx context.Context, conn *websocket.Conn, hub *tribune.Hub) {
	conn.SetPingHandler(func(data string) error {
		conn.SetReadDeadline(time.Now().Add(pongWait))
		err := conn.WriteControl(websocket.PongMessage, []byte(data), time.Now().Add(writeWait))
		if err == websocket.ErrCloseSent {
			return nil
		}
		var ne interface{ Timeout() bool }
		if errors.As(err, &ne) && ne.Timeout() {
			return nil
		}
		return err
	})
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			conn.SetReadDeadline(time.Now().Add(pongWait))
			var ev tribune.Event
			if err := conn.ReadJSON(&ev); err != nil {
				var se *json.SyntaxError
				if errors.As(err, &se) {
					continue // one bad message is not a reason to reconnect
				}
				return
			}
			hub.Publish(ev)
		}
	}()
	// Watch for the end of the subscription while the reader blocks.
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		select {
		case <-done:
			return
		case <-ctx.Done():
		case <-tick.C:
			if hub.Subscribers() > 0 {
				continue
			}
		}
		conn.WriteControl(websocket.CloseMessage,
			websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""), time.Now().Add(time.Second))
		conn.Close()
		<-done
		return
	}
}
