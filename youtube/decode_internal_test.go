package youtube

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/tribune-live/tribune/internal/youtubewire"
)

// item returns the JSON of a response with one message per text.
func item(token string, texts ...string) string {
	r := youtubewire.LiveChatMessageListResponse{Kind: "youtube#liveChatMessageListResponse", NextPageToken: token}
	for i, text := range texts {
		r.Items = append(r.Items, &youtubewire.LiveChatMessage{
			ID: fmt.Sprintf("%s-%d", token, i),
			Snippet: &youtubewire.LiveChatMessageSnippet{
				Type: "textMessageEvent", DisplayMessage: text,
				TextMessageDetails: &youtubewire.LiveChatTextMessageDetails{MessageText: text},
			},
		})
	}
	b, _ := json.Marshal(r)
	return string(b)
}

// collect decodes a stream and returns the tokens and texts it gave.
func collect(r io.Reader) ([]string, error) {
	var got []string
	err := decodeStream(r, func(resp *youtubewire.LiveChatMessageListResponse) error {
		s := resp.NextPageToken + ":"
		for _, m := range resp.Items {
			s += m.Snippet.TextMessageDetails.MessageText + ";"
		}
		got = append(got, s)
		return nil
	})
	return got, err
}

func TestDecodeStream(t *testing.T) {
	body := "[\n" + item("t1") + ",\n" + item("t2", "!q a, b?", "] tricky [") + " ,\r\n\t" + item("t3", "!vote 1") + "\n]\n"
	want := "t1:|t2:!q a, b?;] tricky [;|t3:!vote 1;"
	for name, r := range map[string]io.Reader{
		"Whole": strings.NewReader(body),
		// Chunks as the network cuts them: one byte at a time.
		"OneByte": iotest.OneByteReader(strings.NewReader(body)),
		"Half":    iotest.HalfReader(strings.NewReader(body)),
	} {
		t.Run(name, func(t *testing.T) {
			got, err := collect(r)
			if err != nil || strings.Join(got, "|") != want {
				t.Errorf("got %q, %v; want %q", got, err, want)
			}
		})
	}
	t.Run("Progressive", func(t *testing.T) {
		// Each item is handed over before the next one is even sent.
		pr, pw := io.Pipe()
		items := make(chan string)
		go func() {
			decodeStream(pr, func(resp *youtubewire.LiveChatMessageListResponse) error {
				items <- resp.NextPageToken
				return nil
			})
			close(items)
		}()
		pw.Write([]byte("[" + item("p1")))
		if got := <-items; got != "p1" {
			t.Fatalf("first item %q", got)
		}
		pw.Write([]byte("," + item("p2")))
		if got := <-items; got != "p2" {
			t.Fatalf("second item %q", got)
		}
		pw.Write([]byte("]"))
		pw.Close()
		if _, open := <-items; open {
			t.Error("more items after the end")
		}
	})
	t.Run("Empty", func(t *testing.T) {
		if got, err := collect(strings.NewReader(" [ ] ")); err != nil || len(got) != 0 {
			t.Errorf("got %q, %v", got, err)
		}
	})
	t.Run("SingleObject", func(t *testing.T) {
		got, err := collect(strings.NewReader(item("one", "hi")))
		if err != nil || strings.Join(got, "|") != "one:hi;" {
			t.Errorf("got %q, %v", got, err)
		}
	})
	t.Run("Drop", func(t *testing.T) {
		cut := "[" + item("t1", "kept") + "," + item("t2", "lost")
		cut = cut[:len(cut)-20]
		got, err := collect(strings.NewReader(cut))
		if !errors.Is(err, io.ErrUnexpectedEOF) || strings.Join(got, "|") != "t1:kept;" {
			t.Errorf("got %q, %v; want the first item, then io.ErrUnexpectedEOF", got, err)
		}
		got, err = collect(strings.NewReader("[" + item("t1", "kept") + ","))
		if !errors.Is(err, io.ErrUnexpectedEOF) || len(got) != 1 {
			t.Errorf("cut after a comma: %q, %v", got, err)
		}
		if _, err = collect(strings.NewReader("[" + item("t1"))); !errors.Is(err, io.ErrUnexpectedEOF) {
			t.Errorf("cut before the ]: %v", err)
		}
	})
	t.Run("ErrorItem", func(t *testing.T) {
		body := `[` + item("t1", "x") + `,{"error":{"code":403,"message":"The live chat is no longer live.","errors":[{"message":"m","domain":"youtube.liveChat","reason":"liveChatEnded"}]}}]`
		got, err := collect(strings.NewReader(body))
		if len(got) != 1 || reason(err) != "liveChatEnded" || classify(err) != stopEnded {
			t.Errorf("got %q, %v (reason %q); want one item, then liveChatEnded", got, err, reason(err))
		}
	})
	t.Run("NotJSON", func(t *testing.T) {
		for _, body := range []string{"", "  ", "<html>Not Found</html>", "null"} {
			if _, err := collect(strings.NewReader(body)); !errors.Is(err, errNotStream) {
				t.Errorf("%q: %v, want errNotStream", body, err)
			}
		}
		if _, err := collect(strings.NewReader(`[{"items": 12}]`)); err == nil {
			t.Error("a malformed item decoded")
		}
	})
	t.Run("HandlerStops", func(t *testing.T) {
		stop := errors.New("stop")
		n := 0
		err := decodeStream(strings.NewReader("["+item("a")+","+item("b")+"]"), func(*youtubewire.LiveChatMessageListResponse) error {
			n++
			return stop
		})
		if err != stop || n != 1 {
			t.Errorf("err %v after %d items, want stop after 1", err, n)
		}
	})
}
