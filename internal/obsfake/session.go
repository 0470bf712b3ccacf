package obsfake

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"
)

// AuthString is obs-websocket's authentication string:
// base64(sha256(base64(sha256(password + salt)) + challenge)).
func AuthString(password, salt, challenge string) string {
	secret := sha256.Sum256([]byte(password + salt))
	resp := sha256.Sum256([]byte(base64.StdEncoding.EncodeToString(secret[:]) + challenge))
	return base64.StdEncoding.EncodeToString(resp[:])
}

// uuid is the stable uuid the fake gives the scene name.
func uuid(name string) string { return fmt.Sprintf("%x", sha256.Sum256([]byte(name)))[:32] }

// random returns a fresh challenge or salt.
func random() string {
	b := make([]byte, 32)
	rand.Read(b)
	return base64.StdEncoding.EncodeToString(b)
}

// Wire messages.
type (
	message struct {
		Op int             `json:"op"`
		D  json.RawMessage `json:"d"`
	}
	hello struct {
		Version        string `json:"obsWebSocketVersion"`
		RPCVersion     int    `json:"rpcVersion"`
		Authentication *auth  `json:"authentication,omitempty"`
	}
	auth struct {
		Challenge string `json:"challenge"`
		Salt      string `json:"salt"`
	}
	identify struct {
		RPCVersion         *int   `json:"rpcVersion"`
		Authentication     string `json:"authentication"`
		EventSubscriptions *int   `json:"eventSubscriptions"`
	}
	event struct {
		Type   string         `json:"eventType"`
		Intent int            `json:"eventIntent"`
		Data   map[string]any `json:"eventData,omitempty"`
	}
	request struct {
		Type string         `json:"requestType"`
		ID   string         `json:"requestId"`
		Data map[string]any `json:"requestData"`
	}
	requestStatus struct {
		Result  bool   `json:"result"`
		Code    int    `json:"code"`
		Comment string `json:"comment,omitempty"`
	}
	response struct {
		Type   string         `json:"requestType"`
		ID     string         `json:"requestId"`
		Status requestStatus  `json:"requestStatus"`
		Data   map[string]any `json:"responseData,omitempty"`
	}
)

var upgrader = websocket.Upgrader{
	Subprotocols: []string{"obswebsocket.json"},
	CheckOrigin:  func(*http.Request) bool { return true },
}

// serve upgrades a client's request and runs its session.
func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	ws, err := upgrader.Upgrade(w, r, nil)
	if err != nil {
		return
	}
	ss := &session{s: s, ws: ws}
	s.mu.Lock()
	if s.ln == nil { // stopping
		s.mu.Unlock()
		ws.Close()
		return
	}
	s.sessions[ss] = struct{}{}
	s.wg.Add(1)
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.sessions, ss)
		s.mu.Unlock()
		ws.Close()
		s.wg.Done()
	}()
	ss.run()
}

// session is one client. run is its only reader; writes take wmu, since
// events from other sessions are written from their goroutines.
type session struct {
	s          *Server
	ws         *websocket.Conn
	wmu        sync.Mutex
	identified atomic.Bool
	subs       int // guarded by s.mu
}

func (ss *session) subscribed(bit int) bool {
	ss.s.mu.Lock()
	defer ss.s.mu.Unlock()
	return ss.identified.Load() && ss.subs&bit != 0
}

func (ss *session) send(op int, d any) error {
	b, err := json.Marshal(d)
	if err != nil {
		return err
	}
	msg, _ := json.Marshal(message{Op: op, D: b})
	ss.wmu.Lock()
	defer ss.wmu.Unlock()
	ss.ws.SetWriteDeadline(time.Now().Add(writeWait))
	return ss.ws.WriteMessage(websocket.TextMessage, msg)
}

func (ss *session) close(code int, reason string) {
	ss.wmu.Lock()
	ss.ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(code, reason), time.Now().Add(writeWait))
	ss.wmu.Unlock()
	ss.ws.Close()
}

func (ss *session) run() {
	s := ss.s
	h := hello{Version: Version, RPCVersion: 1}
	var challenge, salt string
	if s.Password != "" {
		challenge, salt = random(), random()
		h.Authentication = &auth{Challenge: challenge, Salt: salt}
	}
	if ss.send(OpHello, h) != nil {
		return
	}
	for {
		_, data, err := ss.ws.ReadMessage()
		if err != nil {
			return
		}
		var m message
		if err := json.Unmarshal(data, &m); err != nil {
			ss.close(CloseMessageDecodeError, "bad JSON")
			return
		}
		if !ss.identified.Load() && m.Op != OpIdentify {
			ss.close(CloseNotIdentified, "not identified")
			return
		}
		switch m.Op {
		case OpIdentify:
			if ss.identified.Load() {
				ss.close(CloseAlreadyIdentified, "already identified")
				return
			}
			var id identify
			if err := json.Unmarshal(m.D, &id); err != nil || id.RPCVersion == nil {
				ss.close(CloseMessageDecodeError, "bad Identify")
				return
			}
			if *id.RPCVersion != 1 {
				ss.close(CloseUnsupportedRPCVersion, "rpcVersion 1 only")
				return
			}
			if s.Password != "" && id.Authentication != AuthString(s.Password, salt, challenge) {
				s.mu.Lock()
				s.authFailures++
				s.mu.Unlock()
				ss.close(CloseAuthenticationFailed, "Authentication failed.")
				return
			}
			s.mu.Lock()
			ss.subs = SubAll
			if id.EventSubscriptions != nil {
				ss.subs = *id.EventSubscriptions
			}
			s.identified++
			ss.identified.Store(true)
			s.mu.Unlock()
			ss.send(OpIdentified, map[string]int{"negotiatedRpcVersion": 1})
		case OpReidentify:
			var id identify
			json.Unmarshal(m.D, &id)
			s.mu.Lock()
			if id.EventSubscriptions != nil {
				ss.subs = *id.EventSubscriptions
			}
			s.mu.Unlock()
			ss.send(OpIdentified, map[string]int{"negotiatedRpcVersion": 1})
		case OpRequest:
			var req request
			if err := json.Unmarshal(m.D, &req); err != nil {
				ss.close(CloseMessageDecodeError, "bad Request")
				return
			}
			resp, events := s.handle(req)
			if ss.send(OpRequestResponse, resp) != nil {
				return
			}
			for _, e := range events {
				s.broadcast(e.Intent, e)
			}
		default:
			ss.close(CloseUnknownOpCode, fmt.Sprintf("unknown op %d", m.Op))
			return
		}
	}
}

// broadcast sends e to every identified session subscribed to bit.
func (s *Server) broadcast(bit int, e event) {
	for _, ss := range s.liveSessions() {
		if ss.subscribed(bit) {
			ss.send(OpEvent, e)
		}
	}
}

// handle answers one request and returns the events it causes.
func (s *Server) handle(req request) (response, []event) {
	resp := response{Type: req.Type, ID: req.ID, Status: requestStatus{Result: true, Code: StatusSuccess}}
	fail := func(code int, comment string) {
		resp.Status = requestStatus{Code: code, Comment: comment}
	}
	str := func(key string) (string, bool) {
		v, ok := req.Data[key].(string)
		if !ok {
			fail(StatusMissingRequestField, "Your request is missing a required field: "+key)
		}
		return v, ok
	}
	var events []event
	s.mu.Lock()
	switch req.Type {
	case "GetCurrentProgramScene":
		p := s.cur.program
		resp.Data = map[string]any{"sceneName": p, "sceneUuid": uuid(p), "currentProgramSceneName": p, "currentProgramSceneUuid": uuid(p)}
	case "GetSceneList":
		var scenes []map[string]any
		for i, sc := range s.cur.scenes {
			scenes = append(scenes, map[string]any{"sceneName": sc.Name, "sceneUuid": uuid(sc.Name), "sceneIndex": len(s.cur.scenes) - 1 - i})
		}
		resp.Data = map[string]any{"currentProgramSceneName": s.cur.program, "currentPreviewSceneName": nil, "scenes": scenes}
	case "SetCurrentProgramScene":
		name, ok := str("sceneName")
		if !ok {
			break
		}
		if s.cur.scene(name) == nil {
			fail(StatusResourceNotFound, "No source was found by the name of `"+name+"`.")
			break
		}
		if s.cur.program != name {
			s.cur.program = name
			events = append(events, event{Type: "CurrentProgramSceneChanged", Intent: SubScenes,
				Data: map[string]any{"sceneName": name, "sceneUuid": uuid(name)}})
		}
	case "GetSceneItemId":
		scene, ok := str("sceneName")
		if !ok {
			break
		}
		source, ok := str("sourceName")
		if !ok {
			break
		}
		sc := s.cur.scene(scene)
		if sc == nil {
			fail(StatusResourceNotFound, "No source was found by the name of `"+scene+"`.")
			break
		}
		i := slices.IndexFunc(sc.Items, func(it Item) bool { return it.Source == source })
		if i < 0 {
			fail(StatusResourceNotFound, "No scene items were found in the specified scene by that name or offset.")
			break
		}
		resp.Data = map[string]any{"sceneItemId": i + 1}
	case "SetSceneItemEnabled":
		scene, ok := str("sceneName")
		if !ok {
			break
		}
		id, okID := req.Data["sceneItemId"].(float64)
		enabled, okEn := req.Data["sceneItemEnabled"].(bool)
		if !okID || !okEn {
			fail(StatusMissingRequestField, "Your request is missing a required field: sceneItemId or sceneItemEnabled")
			break
		}
		sc := s.cur.scene(scene)
		if sc == nil {
			fail(StatusResourceNotFound, "No source was found by the name of `"+scene+"`.")
			break
		}
		if id < 1 || int(id) > len(sc.Items) || id != float64(int(id)) {
			fail(StatusResourceNotFound, "No scene items were found in scene `"+scene+"` with the ID `"+fmt.Sprint(id)+"`.")
			break
		}
		it := &sc.Items[int(id)-1]
		if it.Enabled != enabled {
			it.Enabled = enabled
			events = append(events, event{Type: "SceneItemEnableStateChanged", Intent: SubSceneItems,
				Data: map[string]any{"sceneName": scene, "sceneUuid": uuid(scene), "sceneItemId": int(id), "sceneItemEnabled": enabled}})
		}
	default:
		fail(StatusUnknownRequestType, "Your request type is not valid.")
	}
	s.requests = append(s.requests, Request{Type: req.Type, Data: req.Data, Status: resp.Status.Code})
	s.mu.Unlock()
	return resp, events
}
