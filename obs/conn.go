package obs

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/gorilla/websocket"
)

// Timing of the connection.
const (
	handshakeWait = 5 * time.Second  // dial, Hello, Identify
	requestWait   = 5 * time.Second  // one request's response
	writeWait     = 5 * time.Second  // one write
	pongWait      = 30 * time.Second // OBS that answers nothing for this long is gone
	pingPeriod    = pongWait / 3
)

// rpcVersion is the obs-websocket RPC version the Client speaks.
const rpcVersion = 1

// Event subscriptions of Identify: general events (ExitStarted) and scene
// events (CurrentProgramSceneChanged), nothing high-volume.
const eventSubscriptions = 1<<0 | 1<<2

// Close codes and request statuses of obs-websocket that the Client reads.
const (
	closeAuthenticationFailed  = 4009
	closeUnsupportedRPCVersion = 4010
	closeSessionInvalidated    = 4011
	statusSuccess              = 100
	statusResourceNotFound     = 600
)

// message is one obs-websocket message: its op code and its data.
type message struct {
	Op int             `json:"op"`
	D  json.RawMessage `json:"d"`
}

const (
	opHello           = 0
	opIdentify        = 1
	opIdentified      = 2
	opEvent           = 5
	opRequest         = 6
	opRequestResponse = 7
)

// conn is one identified connection. Its reader goroutine is the only
// reader; Run's goroutine is the only writer (pings are control frames,
// which gorilla lets any goroutine send).
type conn struct {
	ws     *websocket.Conn
	in     chan message  // responses and events, in order
	done   chan struct{} // closed when the reader stops
	err    error         // why, once done is closed
	nextID int
}

// connect dials OBS and identifies.
func (c *Client) connect(ctx context.Context, addr string) (*conn, error) {
	dctx, cancel := context.WithTimeout(ctx, handshakeWait)
	defer cancel()
	d := websocket.Dialer{HandshakeTimeout: handshakeWait, Subprotocols: []string{"obswebsocket.json"}}
	ws, _, err := d.DialContext(dctx, addr, nil)
	if err != nil {
		return nil, fmt.Errorf("obs: dial: %w", err)
	}
	ws.SetReadLimit(16 << 20)
	ws.SetReadDeadline(time.Now().Add(handshakeWait))
	var hello struct {
		RPCVersion     int `json:"rpcVersion"`
		Authentication *struct {
			Challenge string `json:"challenge"`
			Salt      string `json:"salt"`
		} `json:"authentication"`
	}
	if err := readOp(ws, opHello, &hello); err != nil {
		ws.Close()
		return nil, fmt.Errorf("obs: read Hello: %w", err)
	}
	identify := map[string]any{"rpcVersion": rpcVersion, "eventSubscriptions": eventSubscriptions}
	if a := hello.Authentication; a != nil {
		if c.Password == "" {
			ws.Close()
			return nil, &stateError{state: StatePasswordRequired}
		}
		identify["authentication"] = authString(c.Password, a.Salt, a.Challenge)
	}
	if err := writeOp(ws, opIdentify, identify); err != nil {
		ws.Close()
		return nil, fmt.Errorf("obs: send Identify: %w", err)
	}
	if err := readOp(ws, opIdentified, nil); err != nil {
		ws.Close()
		var ce *websocket.CloseError
		if errors.As(err, &ce) {
			switch ce.Code {
			case closeAuthenticationFailed:
				return nil, &stateError{state: StateWrongPassword}
			case closeUnsupportedRPCVersion:
				return nil, &stateError{state: StateUnsupported, err: err}
			case closeSessionInvalidated:
				return nil, &stateError{state: StateKicked}
			}
		}
		return nil, fmt.Errorf("obs: identify: %w", err)
	}
	cn := &conn{ws: ws, in: make(chan message, 64), done: make(chan struct{})}
	go cn.read()
	return cn, nil
}

// authString is obs-websocket's answer to a challenge.
func authString(password, salt, challenge string) string {
	secret := sha256.Sum256([]byte(password + salt))
	resp := sha256.Sum256([]byte(base64.StdEncoding.EncodeToString(secret[:]) + challenge))
	return base64.StdEncoding.EncodeToString(resp[:])
}

// readOp reads one message during the handshake and decodes its data
// into v; a message with another op is an error.
func readOp(ws *websocket.Conn, op int, v any) error {
	var m message
	if err := ws.ReadJSON(&m); err != nil {
		return err
	}
	if m.Op != op {
		return fmt.Errorf("got op %d, want %d", m.Op, op)
	}
	if v != nil {
		if err := json.Unmarshal(m.D, v); err != nil {
			return fmt.Errorf("op %d: %w", op, err)
		}
	}
	return nil
}

func writeOp(ws *websocket.Conn, op int, d any) error {
	b, err := json.Marshal(d)
	if err != nil {
		return err
	}
	ws.SetWriteDeadline(time.Now().Add(writeWait))
	return ws.WriteJSON(message{Op: op, D: b})
}

func (cn *conn) read() {
	defer close(cn.done)
	cn.ws.SetReadDeadline(time.Now().Add(pongWait))
	cn.ws.SetPongHandler(func(string) error { return cn.ws.SetReadDeadline(time.Now().Add(pongWait)) })
	for {
		var m message
		if err := cn.ws.ReadJSON(&m); err != nil {
			var se *json.SyntaxError
			if errors.As(err, &se) {
				continue // one bad message is not a reason to reconnect
			}
			var ce *websocket.CloseError
			if errors.As(err, &ce) && ce.Code == closeSessionInvalidated {
				cn.err = &stateError{state: StateKicked}
			} else {
				cn.err = fmt.Errorf("obs: connection lost: %w", err)
			}
			return
		}
		cn.ws.SetReadDeadline(time.Now().Add(pongWait))
		cn.in <- m
	}
}

func (cn *conn) ping() error {
	return cn.ws.WriteControl(websocket.PingMessage, nil, time.Now().Add(writeWait))
}

// goodbye closes the connection with a normal close frame.
func (cn *conn) goodbye() {
	cn.ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""), time.Now().Add(time.Second))
}

// close closes the connection and waits for the reader, which it unblocks.
func (cn *conn) close() {
	cn.ws.Close()
	for {
		select {
		case <-cn.in:
		case <-cn.done:
			return
		}
	}
}

// request sends one request and waits for its response, decoding its
// data into out. Events that arrive meanwhile are dropped: the Client
// reads none that a request would have to wait for.
func (cn *conn) request(typ, what string, data map[string]any, out any) error {
	cn.nextID++
	id := "tribune-" + strconv.Itoa(cn.nextID)
	req := map[string]any{"requestType": typ, "requestId": id}
	if data != nil {
		req["requestData"] = data
	}
	if err := writeOp(cn.ws, opRequest, req); err != nil {
		return fmt.Errorf("obs: send %s: %w", typ, err)
	}
	timeout := time.NewTimer(requestWait)
	defer timeout.Stop()
	for {
		select {
		case m := <-cn.in:
			if m.Op != opRequestResponse {
				continue
			}
			var resp struct {
				ID     string `json:"requestId"`
				Status struct {
					Result  bool   `json:"result"`
					Code    int    `json:"code"`
					Comment string `json:"comment"`
				} `json:"requestStatus"`
				Data json.RawMessage `json:"responseData"`
			}
			if err := json.Unmarshal(m.D, &resp); err != nil || resp.ID != id {
				continue
			}
			if !resp.Status.Result || resp.Status.Code != statusSuccess {
				return &requestError{Type: typ, Code: resp.Status.Code, Comment: resp.Status.Comment, what: what}
			}
			if out != nil {
				if err := json.Unmarshal(resp.Data, out); err != nil {
					return fmt.Errorf("obs: %s: bad response: %w", typ, err)
				}
			}
			return nil
		case <-cn.done:
			return cn.err
		case <-timeout.C:
			return fmt.Errorf("obs: no answer to %s within %v", typ, requestWait)
		}
	}
}

// requestError is OBS refusing a request.
type requestError struct {
	Type    string
	Code    int
	Comment string
	what    string // what was asked, for people
}

func (e *requestError) Error() string {
	if e.Code == statusResourceNotFound && e.what != "" {
		return e.what + " not found in OBS"
	}
	msg := fmt.Sprintf("OBS refused %s (code %d)", e.Type, e.Code)
	if e.Comment != "" {
		msg += ": " + e.Comment
	}
	return msg
}

func (cn *conn) programScene() (string, error) {
	var r struct {
		SceneName               string `json:"sceneName"`
		CurrentProgramSceneName string `json:"currentProgramSceneName"` // before obs-websocket 5.3
	}
	if err := cn.request("GetCurrentProgramScene", "", nil, &r); err != nil {
		return "", err
	}
	if r.SceneName == "" {
		return r.CurrentProgramSceneName, nil
	}
	return r.SceneName, nil
}

func (cn *conn) setProgramScene(name string) error {
	return cn.request("SetCurrentProgramScene", fmt.Sprintf("scene %q", name), map[string]any{"sceneName": name}, nil)
}

func (cn *conn) sceneItemID(scene, source string) (int, error) {
	var r struct {
		ID int `json:"sceneItemId"`
	}
	what := fmt.Sprintf("source %q in scene %q", source, scene)
	err := cn.request("GetSceneItemId", what, map[string]any{"sceneName": scene, "sourceName": source}, &r)
	return r.ID, err
}

func (cn *conn) setSceneItemEnabled(scene string, id int, enabled bool) error {
	what := fmt.Sprintf("scene %q", scene)
	return cn.request("SetSceneItemEnabled", what, map[string]any{"sceneName": scene, "sceneItemId": id, "sceneItemEnabled": enabled}, nil)
}
