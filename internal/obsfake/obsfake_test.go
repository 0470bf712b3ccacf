package obsfake_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/tribune-live/tribune/internal/obsfake"
	"github.com/tribune-live/tribune/internal/tribunetest"
)

// frame is an obs-websocket message as the protocol documents it.
type frame struct {
	Op int            `json:"op"`
	D  map[string]any `json:"d"`
}

func dial(t *testing.T, fake *obsfake.Server) *websocket.Conn {
	t.Helper()
	ws, resp, err := websocket.DefaultDialer.Dial(fake.URL(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if p := resp.Header.Get("Sec-WebSocket-Protocol"); p != "" && p != "obswebsocket.json" {
		t.Errorf("subprotocol %q", p)
	}
	t.Cleanup(func() { ws.Close() })
	return ws
}

func read(t *testing.T, ws *websocket.Conn) frame {
	t.Helper()
	ws.SetReadDeadline(time.Now().Add(5 * time.Second))
	var f frame
	if err := ws.ReadJSON(&f); err != nil {
		t.Fatalf("read: %v", err)
	}
	return f
}

func closeCode(t *testing.T, ws *websocket.Conn) int {
	t.Helper()
	ws.SetReadDeadline(time.Now().Add(5 * time.Second))
	for {
		if _, _, err := ws.ReadMessage(); err != nil {
			var ce *websocket.CloseError
			if errors.As(err, &ce) {
				return ce.Code
			}
			t.Fatalf("read: %v, want a close frame", err)
		}
	}
}

func newFake(t *testing.T, password string) *obsfake.Server {
	t.Helper()
	return tribunetest.StartOBS(t, password, "Main",
		obsfake.Scene{Name: "Main", Items: []obsfake.Item{{Source: "Camera", Enabled: true}}},
		obsfake.Scene{Name: "Q&A", Items: []obsfake.Item{{Source: "Card"}}})
}

// identify answers the Hello of ws with password.
func identify(t *testing.T, ws *websocket.Conn, password string, subs int) {
	t.Helper()
	hello := read(t, ws)
	a, _ := hello.D["authentication"].(map[string]any)
	if hello.Op != obsfake.OpHello || hello.D["rpcVersion"] != float64(1) || a == nil {
		t.Fatalf("hello %+v, want op 0, rpcVersion 1, a challenge", hello)
	}
	d := map[string]any{"rpcVersion": 1, "eventSubscriptions": subs,
		"authentication": obsfake.AuthString(password, a["salt"].(string), a["challenge"].(string))}
	if err := ws.WriteJSON(frame{Op: obsfake.OpIdentify, D: d}); err != nil {
		t.Fatal(err)
	}
}

// TestWire speaks the protocol from its documentation to the fake.
func TestWire(t *testing.T) {
	fake := newFake(t, "pw")
	t.Run("WrongPassword", func(t *testing.T) {
		ws := dial(t, fake)
		identify(t, ws, "nope", obsfake.SubAll)
		if code := closeCode(t, ws); code != obsfake.CloseAuthenticationFailed {
			t.Errorf("close %d, want %d", code, obsfake.CloseAuthenticationFailed)
		}
	})
	t.Run("RequestBeforeIdentify", func(t *testing.T) {
		ws := dial(t, fake)
		read(t, ws)
		ws.WriteJSON(frame{Op: obsfake.OpRequest, D: map[string]any{"requestType": "GetSceneList", "requestId": "1"}})
		if code := closeCode(t, ws); code != obsfake.CloseNotIdentified {
			t.Errorf("close %d, want %d", code, obsfake.CloseNotIdentified)
		}
	})
	t.Run("Requests", func(t *testing.T) {
		ws := dial(t, fake)
		watcher := dial(t, fake)
		identify(t, ws, "pw", 0)
		identify(t, watcher, "pw", obsfake.SubScenes|obsfake.SubSceneItems)
		for _, c := range []*websocket.Conn{ws, watcher} {
			if f := read(t, c); f.Op != obsfake.OpIdentified || f.D["negotiatedRpcVersion"] != float64(1) {
				t.Fatalf("identified %+v", f)
			}
		}
		req := func(typ string, data map[string]any) frame {
			t.Helper()
			ws.WriteJSON(frame{Op: obsfake.OpRequest, D: map[string]any{"requestType": typ, "requestId": "id-" + typ, "requestData": data}})
			f := read(t, ws)
			if f.Op != obsfake.OpRequestResponse || f.D["requestId"] != "id-"+typ || f.D["requestType"] != typ {
				t.Fatalf("response %+v to %s", f, typ)
			}
			return f
		}
		status := func(f frame) float64 { return f.D["requestStatus"].(map[string]any)["code"].(float64) }
		if f := req("GetCurrentProgramScene", nil); f.D["responseData"].(map[string]any)["sceneName"] != "Main" {
			t.Errorf("program %+v", f)
		}
		if f := req("SetCurrentProgramScene", map[string]any{"sceneName": "Nowhere"}); status(f) != obsfake.StatusResourceNotFound {
			t.Errorf("unknown scene: %+v", f)
		}
		if f := req("SetCurrentProgramScene", map[string]any{"sceneName": "Q&A"}); status(f) != obsfake.StatusSuccess {
			t.Errorf("switch: %+v", f)
		}
		if ev := read(t, watcher); ev.Op != obsfake.OpEvent || ev.D["eventType"] != "CurrentProgramSceneChanged" || ev.D["eventData"].(map[string]any)["sceneName"] != "Q&A" {
			t.Errorf("event %+v", ev)
		}
		f := req("GetSceneItemId", map[string]any{"sceneName": "Q&A", "sourceName": "Card"})
		id := f.D["responseData"].(map[string]any)["sceneItemId"]
		if id != float64(1) {
			t.Fatalf("item id %+v", f)
		}
		if f := req("SetSceneItemEnabled", map[string]any{"sceneName": "Q&A", "sceneItemId": id, "sceneItemEnabled": true}); status(f) != obsfake.StatusSuccess {
			t.Errorf("enable: %+v", f)
		}
		if ev := read(t, watcher); ev.D["eventType"] != "SceneItemEnableStateChanged" || ev.D["eventData"].(map[string]any)["sceneItemEnabled"] != true {
			t.Errorf("event %+v", ev)
		}
		if on, ok := fake.ItemEnabled("Q&A", "Card"); !on || !ok {
			t.Errorf("Card enabled=%v ok=%v", on, ok)
		}
		if f := req("GetSceneItemId", map[string]any{"sceneName": "Q&A"}); status(f) != obsfake.StatusMissingRequestField {
			t.Errorf("missing field: %+v", f)
		}
		if f := req("StartStream", nil); status(f) != obsfake.StatusUnknownRequestType {
			t.Errorf("unknown request: %+v", f)
		}
		if n := len(fake.Requests()); n != 7 {
			t.Errorf("%d requests recorded, want 7", n)
		}
	})
	t.Run("CloseSaysExit", func(t *testing.T) {
		ws := dial(t, fake)
		identify(t, ws, "pw", obsfake.SubGeneral)
		read(t, ws)
		fake.Close()
		if ev := read(t, ws); ev.D["eventType"] != "ExitStarted" {
			t.Errorf("event %+v, want ExitStarted", ev)
		}
		if code := closeCode(t, ws); code != websocket.CloseGoingAway {
			t.Errorf("close %d", code)
		}
		if _, _, err := websocket.DefaultDialer.Dial(fake.URL(), nil); err == nil || !strings.Contains(err.Error(), "refused") {
			t.Errorf("dial after Close: %v, want refused", err)
		}
		if err := fake.Start(); err != nil || fake.ProgramScene() != "Main" {
			t.Errorf("restart: %v, program %q (want the saved Main)", err, fake.ProgramScene())
		}
	})
}
