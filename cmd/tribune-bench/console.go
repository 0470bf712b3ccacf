package main

import (
	"context"
	"fmt"
	"log/slog"
	"reflect"
	"strconv"
	"sync"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/tribune-live/tribune"
	"github.com/tribune-live/tribune/match"
	"github.com/tribune-live/tribune/store"
	"github.com/tribune-live/tribune/tui"
)

// ConsoleResult is how the console copes with a big queue.
type ConsoleResult struct {
	Questions int `json:"questions"`
	// LoadMS runs from Init to the first question selectable.
	LoadMS float64 `json:"load_ms"`
	// Key is Update and View of one key press; View is View alone.
	Key  Latency `json:"key"`
	View Latency `json:"view"`
	// Keys breaks Key down by kind of key: moving, changing the status
	// filter, changing the sort, searching.
	Keys map[string]Latency `json:"keys"`
	// During a storm of Votes votes: Batches event messages applied, each
	// Update and View timed in Batch; Resyncs reloads of the whole queue.
	Votes   int     `json:"storm_votes"`
	Events  int     `json:"events"`
	Batches int     `json:"batches"`
	Batch   Latency `json:"batch"`
	Resyncs int     `json:"resyncs"`
}

// measureConsole runs the console's model on a Service holding the seeded
// queue, the way Bubble Tea would: every command in its own goroutine,
// every message through Update, a View after each (Bubble Tea renders at
// most 60 times a second, so this is the harsher case). Keys and a vote
// storm go through it and each step is timed.
func measureConsole(ctx context.Context, dbPath string, logger *slog.Logger) (*ConsoleResult, error) {
	db := store.NewDB(dbPath)
	if err := db.Open(); err != nil {
		return nil, err
	}
	defer db.Close()
	svc := tribune.NewService(db, benchChannel)
	svc.Logger = logger
	svc.Matcher = match.NewMatcher()
	if err := svc.Open(ctx); err != nil {
		return nil, err
	}
	defer svc.Close()
	all, err := svc.Questions(ctx, "")
	if err != nil {
		return nil, err
	}
	res := &ConsoleResult{Questions: len(all)}

	rt := &miniTea{msgs: make(chan tea.Msg, 4096)}
	var m tea.Model = tui.New(svc, tui.WithStyles(tui.PlainStyles()))
	start := time.Now()
	rt.run(m.Init())
	m, _ = rt.step(m, tea.WindowSizeMsg{Width: 160, Height: 50})
	for {
		if _, ok := m.(tui.Model).Selected(); ok {
			break
		}
		select {
		case msg := <-rt.msgs:
			var cmd tea.Cmd
			m, cmd = rt.step(m, msg)
			rt.run(cmd)
		case <-time.After(60 * time.Second):
			return nil, fmt.Errorf("console: queue not loaded within 60 s")
		}
	}
	m.View()
	res.LoadMS = float64(time.Since(start)) / 1e6

	var keys []tea.KeyMsg
	for range 200 {
		keys = append(keys, tea.KeyMsg{Type: tea.KeyDown})
	}
	for range 50 {
		keys = append(keys, tea.KeyMsg{Type: tea.KeyUp})
	}
	for range 9 {
		keys = append(keys, tea.KeyMsg{Type: tea.KeyTab})
	}
	for range 4 {
		keys = append(keys, tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{'o'}})
	}
	keys = append(keys, tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{'/'}},
		tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{'k'}}, tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{'a'}},
		tea.KeyMsg{Type: tea.KeyEnter}, tea.KeyMsg{Type: tea.KeyDown}, tea.KeyMsg{Type: tea.KeyEsc})
	var keyLat, viewLat []int64
	byKind := map[string][]int64{}
	for i, k := range keys {
		t0 := time.Now()
		nm, cmd := m.Update(k)
		t1 := time.Now()
		nm.View()
		d := int64(time.Since(t0))
		keyLat = append(keyLat, d)
		viewLat = append(viewLat, int64(time.Since(t1)))
		kind := "move"
		switch {
		case k.Type == tea.KeyTab:
			kind = "filter"
		case k.String() == "o":
			kind = "sort"
		case i >= len(keys)-6:
			kind = "search"
		}
		byKind[kind] = append(byKind[kind], d)
		m = nm
		rt.run(cmd)
	}
	res.Key, res.View = summarize(keyLat), summarize(viewLat)
	res.Keys = map[string]Latency{}
	for kind, ds := range byKind {
		res.Keys[kind] = summarize(ds)
	}

	// A storm: 64 voters at a time, as the bot's workers vote.
	const votes = 20_000
	res.Votes = votes
	var wg sync.WaitGroup
	stormDone := make(chan struct{})
	for w := range 64 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < votes; i += 64 {
				a := tribune.Actor{Login: "storm" + strconv.Itoa(i), UserID: strconv.Itoa(80_000_000 + i), Source: tribune.SourceTwitch}
				svc.Vote(ctx, a, 1+i%10)
			}
		}()
	}
	go func() { wg.Wait(); close(stormDone) }()
	var batchLat []int64
	quiet := time.NewTimer(time.Hour)
	stormOver := false
	for {
		select {
		case msg := <-rt.msgs:
			name := fmt.Sprintf("%T", msg)
			t0 := time.Now()
			nm, cmd := m.Update(msg)
			nm.View()
			d := time.Since(t0)
			m = nm
			rt.run(cmd)
			switch name {
			case "tui.eventsMsg":
				res.Batches++
				res.Events += reflect.ValueOf(msg).FieldByName("events").Len()
				batchLat = append(batchLat, int64(d))
			case "tui.reloadedMsg":
				res.Resyncs++
			}
			if stormOver {
				quiet.Reset(500 * time.Millisecond)
			}
			continue
		case <-stormDone:
			stormDone = nil
			stormOver = true
			quiet.Reset(500 * time.Millisecond)
			continue
		case <-quiet.C:
		}
		break
	}
	res.Batch = summarize(batchLat)
	return res, nil
}

// miniTea runs commands as Bubble Tea does, each in a goroutine, and
// queues their messages; batches are unfolded.
type miniTea struct {
	msgs chan tea.Msg
}

func (rt *miniTea) run(cmd tea.Cmd) {
	if cmd == nil {
		return
	}
	go func() {
		msg := cmd()
		if b, ok := msg.(tea.BatchMsg); ok {
			for _, c := range b {
				rt.run(c)
			}
			return
		}
		if msg != nil {
			rt.msgs <- msg
		}
	}()
}

func (rt *miniTea) step(m tea.Model, msg tea.Msg) (tea.Model, tea.Cmd) { return m.Update(msg) }
