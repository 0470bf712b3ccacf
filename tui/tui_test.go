package tui_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/teatest"

	"github.com/tribune-live/tribune"
	"github.com/tribune-live/tribune/internal/tribunetest"
	"github.com/tribune-live/tribune/tui"
)

// step presses keys, then waits until the output shows every string of
// wait: the outcome of a command arrives asynchronously.
type step struct {
	keys []string
	wait []string
}

func keys(k ...string) []string { return k }

// TestKeys drives the console with every key of the design and checks the
// Service, the store on disk, and the final view against a golden file
// (testdata/TestKeys/NAME.golden; refresh with go test ./tui -update).
func TestKeys(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name  string
		setup func(t *testing.T, f *fixture)
		steps []step
		quit  string // the key that quits; "q" when empty
		check func(t *testing.T, f *fixture, m tui.Model)
	}{
		{
			name:  "down_j",
			steps: []step{{keys: keys("j")}},
			check: wantSelected(3),
		},
		{
			// Keys typed faster than the console reads arrive as one
			// message; each still counts, and what follows a key that
			// opens a prompt is typed into it.
			name: "keys_in_one_read",
			steps: []step{
				{keys: keys("runes:jj")},
				{keys: keys("runes:ltransport"), wait: keys("label #2: transport")},
				{keys: keys("enter"), wait: keys("labelled #2 “transport”")},
			},
			check: func(t *testing.T, f *fixture, m tui.Model) {
				wantSelected(2)(t, f, m)
				if got := tribunetest.Get(t, f.svc, 2).Label; got != "transport" {
					t.Errorf("Label=%q, want transport", got)
				}
			},
		},
		{
			name:  "down_arrow",
			steps: []step{{keys: keys("down", "down")}},
			check: wantSelected(2),
		},
		{
			name:  "up_k",
			steps: []step{{keys: keys("j", "j", "j", "k")}},
			check: wantSelected(2),
		},
		{
			name:  "up_arrow",
			steps: []step{{keys: keys("down", "down", "up")}},
			check: wantSelected(3),
		},
		{
			name:  "tab_next_filter",
			steps: []step{{keys: keys("tab")}},
			check: wantSelected(2),
		},
		{
			name:  "tab_twice",
			steps: []step{{keys: keys("tab", "tab")}},
			check: wantSelected(1),
		},
		{
			name:  "shift_tab_previous_filter",
			steps: []step{{keys: keys("shift+tab")}},
			check: wantSelected(1),
		},
		{
			name:  "sort_o",
			steps: []step{{keys: keys("j", "o")}},
			check: wantSelected(3),
		},
		{
			name:  "sort_o_twice",
			steps: []step{{keys: keys("o", "o")}},
			check: wantSelected(1),
		},
		{
			name:  "approve_a",
			steps: []step{{keys: keys("j", "j", "a"), wait: keys("approved #2", "pend 2 ", "appr 3 ")}},
			check: func(t *testing.T, f *fixture, m tui.Model) {
				wantStatus(t, f, 2, tribune.StatusApproved)
				log := f.svc.Log()
				if got := log[len(log)-1].Moderator; got != "Mia" {
					t.Errorf("Moderator=%q, want %q", got, "Mia")
				}
				wantSelected(2)(t, f, m)
			},
		},
		{
			name: "approve_a_restores_rejected",
			setup: func(t *testing.T, f *fixture) {
				if _, err := f.svc.Reject(ctx, 4); err != nil {
					t.Fatal(err)
				}
			},
			steps: []step{{keys: keys("shift+tab", "shift+tab", "shift+tab", "shift+tab", "a"), wait: keys("restored #4", "[rej 0]")}},
			check: func(t *testing.T, f *fixture, m tui.Model) { wantStatus(t, f, 4, tribune.StatusApproved) },
		},
		{
			name:  "approve_a_refused",
			steps: []step{{keys: keys("a"), wait: keys("cannot approve #1: it is approved")}},
			check: func(t *testing.T, f *fixture, m tui.Model) {
				wantStatus(t, f, 1, tribune.StatusApproved)
				if got, want := m.Message(), "cannot approve #1: it is approved"; got != want {
					t.Errorf("Message()=%q, want %q", got, want)
				}
			},
		},
		{
			name:  "reject_r",
			steps: []step{{keys: keys("j", "j", "j", "j", "r"), wait: keys("rejected #5", "rej 1 ")}},
			check: func(t *testing.T, f *fixture, m tui.Model) { wantStatus(t, f, 5, tribune.StatusRejected) },
		},
		{
			name:  "show_enter",
			steps: []step{{keys: keys("enter"), wait: keys("#1 is on air", "air 1 ")}},
			check: func(t *testing.T, f *fixture, m tui.Model) {
				wantStatus(t, f, 1, tribune.StatusOnAir)
				if q, ok := f.svc.OnAir(); !ok || q.ID != 1 {
					t.Errorf("OnAir()=#%d %v, want #1", q.ID, ok)
				}
			},
		},
		{
			name: "show_s_replaces_on_air",
			setup: func(t *testing.T, f *fixture) {
				if _, err := f.svc.Show(ctx, 1); err != nil {
					t.Fatal(err)
				}
			},
			steps: []step{{keys: keys("j", "s"), wait: keys("#3 is on air", "onair     Cleo")}},
			check: func(t *testing.T, f *fixture, m tui.Model) {
				wantStatus(t, f, 3, tribune.StatusOnAir)
				wantStatus(t, f, 1, tribune.StatusApproved)
			},
		},
		{
			name: "hide_h",
			setup: func(t *testing.T, f *fixture) {
				if _, err := f.svc.Show(ctx, 1); err != nil {
					t.Fatal(err)
				}
			},
			steps: []step{{keys: keys("h"), wait: keys("overlay hidden", "air 0 ")}},
			check: func(t *testing.T, f *fixture, m tui.Model) {
				wantStatus(t, f, 1, tribune.StatusApproved)
				if _, ok := f.svc.OnAir(); ok {
					t.Error("a question is still on air")
				}
			},
		},
		{
			name:  "answer_d",
			steps: []step{{keys: keys("d"), wait: keys("#1 marked answered", "ans 1 ")}},
			check: func(t *testing.T, f *fixture, m tui.Model) {
				wantStatus(t, f, 1, tribune.StatusAnswered)
				// #1 left the open filter: the next question takes its row.
				wantSelected(3)(t, f, m)
			},
		},
		{
			name: "merge_m",
			steps: []step{
				{keys: keys("j", "m", "1", "enter"), wait: keys("merged #3 into #1", "mrg 1 ", "     7 ")},
				{keys: keys("k")},
			},
			check: func(t *testing.T, f *fixture, m tui.Model) {
				q := wantStatus(t, f, 3, tribune.StatusMerged)
				if q.MergedInto != 1 {
					t.Errorf("MergedInto=%d, want 1", q.MergedInto)
				}
				// Cleo's and voter 105's votes moved; voter 101 had voted for both.
				if got := tribunetest.Get(t, f.svc, 1).Votes; got != 7 {
					t.Errorf("Votes=%d, want 7", got)
				}
				if got := f.stored(t, 1).Votes; got != 7 {
					t.Errorf("stored Votes=%d, want 7", got)
				}
				wantSelected(1)(t, f, m)
			},
		},
		{
			name:  "merge_m_not_a_number",
			steps: []step{{keys: keys("m", "x", "enter")}},
			check: func(t *testing.T, f *fixture, m tui.Model) {
				wantStatus(t, f, 1, tribune.StatusApproved)
				if got := m.Message(); !strings.Contains(got, "merge needs") {
					t.Errorf("Message()=%q, want it to say merge needs a number", got)
				}
			},
		},
		{
			name: "edit_e",
			steps: []step{{
				keys: keys("e", "ctrl+u", "When will the north bus line open?", "enter"),
				wait: keys("edited #1", "When will the north bus line open?"),
			}},
			check: func(t *testing.T, f *fixture, m tui.Model) {
				want := "When will the north bus line open?"
				if got := tribunetest.Get(t, f.svc, 1).Text; got != want {
					t.Errorf("Text=%q, want %q", got, want)
				}
				if got := f.stored(t, 1).Text; got != want {
					t.Errorf("stored Text=%q, want %q", got, want)
				}
			},
		},
		{
			name:  "edit_e_prompt_prefilled",
			steps: []step{{keys: keys("e", " Thanks!")}},
			quit:  "ctrl+c",
			check: func(t *testing.T, f *fixture, m tui.Model) {
				// ctrl+c quits from a prompt without applying it.
				if got := tribunetest.Get(t, f.svc, 1).Text; strings.Contains(got, "Thanks") {
					t.Errorf("Text=%q, edit applied without enter", got)
				}
			},
		},
		{
			name:  "edit_e_esc_cancels",
			steps: []step{{keys: keys("e", " Thanks!", "esc")}},
			check: func(t *testing.T, f *fixture, m tui.Model) {
				want := "What is the plan for the new bus line in the north district?"
				if got := tribunetest.Get(t, f.svc, 1).Text; got != want {
					t.Errorf("Text=%q, want %q", got, want)
				}
				if got := m.Message(); got != "" {
					t.Errorf("Message()=%q, want none", got)
				}
			},
		},
		{
			name:  "edit_e_enter_unchanged",
			steps: []step{{keys: keys("e", "enter"), wait: keys("#1 unchanged")}},
			check: func(t *testing.T, f *fixture, m tui.Model) {
				if got, want := m.Message(), "#1 unchanged"; got != want {
					t.Errorf("Message()=%q, want %q", got, want)
				}
				if got := f.svc.Log(); got[len(got)-1].Action == tribune.ActionEdit {
					t.Errorf("last logged action is an edit, want none")
				}
			},
		},
		{
			name:  "merge_m_esc_cancels",
			steps: []step{{keys: keys("j", "m", "1", "esc")}},
			check: func(t *testing.T, f *fixture, m tui.Model) {
				wantStatus(t, f, 3, tribune.StatusApproved)
				wantSelected(3)(t, f, m)
			},
		},
		{
			name:  "ban_b_confirmed",
			steps: []step{{keys: keys("j", "j", "j", "j", "b", "y"), wait: keys("banned EveTroll (twitch @eve_troll)", "rej 1 ")}},
			check: func(t *testing.T, f *fixture, m tui.Model) {
				if !f.svc.Banned(tribunetest.TwitchViewer("eve_troll")) {
					t.Error("eve_troll is not banned")
				}
				wantStatus(t, f, 5, tribune.StatusRejected)
				if got := f.stored(t, 5).Status; got != tribune.StatusRejected {
					t.Errorf("stored Status=%s, want rejected", got)
				}
			},
		},
		{
			name:  "ban_b_cancelled",
			steps: []step{{keys: keys("j", "j", "j", "j", "b", "n")}},
			check: func(t *testing.T, f *fixture, m tui.Model) {
				if f.svc.Banned(tribunetest.TwitchViewer("eve_troll")) {
					t.Error("eve_troll is banned after n")
				}
				wantStatus(t, f, 5, tribune.StatusPending)
			},
		},
		{
			name: "undo_u",
			steps: []step{
				{keys: keys("j", "j", "a"), wait: keys("approved #2", "pend 2 ")},
				{keys: keys("u"), wait: keys("undid approve of #2", "pend 3 ")},
			},
			check: func(t *testing.T, f *fixture, m tui.Model) { wantStatus(t, f, 2, tribune.StatusPending) },
		},
		{
			name: "undo_u_ban",
			steps: []step{
				{keys: keys("j", "j", "j", "j", "b", "y"), wait: keys("banned EveTroll (twitch @eve_troll)", "rej 1 ")},
				{keys: keys("u"), wait: keys("undid ban of @eve_troll", "rej 0 ")},
			},
			check: func(t *testing.T, f *fixture, m tui.Model) {
				if f.svc.Banned(tribunetest.TwitchViewer("eve_troll")) {
					t.Error("eve_troll is still banned")
				}
				wantStatus(t, f, 5, tribune.StatusPending)
			},
		},
		{
			name:  "search_slash",
			steps: []step{{keys: keys("/", "bike", "enter")}},
			check: wantSelected(4),
		},
		{
			name:  "search_slash_typing",
			steps: []step{{keys: keys("/", "the")}},
			quit:  "ctrl+c",
			check: wantSelected(1),
		},
		{
			name:  "search_esc_clears",
			steps: []step{{keys: keys("/", "bike", "enter", "esc")}},
			check: wantSelected(4),
		},
		{
			name:  "search_slash_esc_cancels",
			steps: []step{{keys: keys("/", "bike", "esc")}},
			check: func(t *testing.T, f *fixture, m tui.Model) {
				if v := m.View(); strings.Contains(v, "search:") {
					t.Errorf("search still applied after esc:\n%s", v)
				}
				// The selection stays on the question the search found.
				wantSelected(4)(t, f, m)
			},
		},
		{
			name:  "label_l",
			steps: []step{{keys: keys("l", "transport", "enter"), wait: keys("labelled #1 “transport”", "[transport] What is")}},
			check: func(t *testing.T, f *fixture, m tui.Model) {
				if got := tribunetest.Get(t, f.svc, 1).Label; got != "transport" {
					t.Errorf("Label=%q, want transport", got)
				}
				if got := f.stored(t, 1).Label; got != "transport" {
					t.Errorf("stored Label=%q, want transport", got)
				}
				if v := m.View(); !strings.Contains(v, "label “transport”") {
					t.Errorf("the detail does not show the label:\n%s", v)
				}
			},
		},
		{
			name: "label_l_suggests_known_labels",
			setup: func(t *testing.T, f *fixture) {
				if _, err := f.svc.Label(ctx, 3, "transport"); err != nil {
					t.Fatal(err)
				}
			},
			// tab completes "tr" with the label another question has.
			steps: []step{{keys: keys("l", "tr", "tab", "enter"), wait: keys("labelled #1 “transport”")}},
			check: func(t *testing.T, f *fixture, m tui.Model) {
				if got := tribunetest.Get(t, f.svc, 1).Label; got != "transport" {
					t.Errorf("Label=%q, want transport", got)
				}
			},
		},
		{
			name: "label_l_empty_removes",
			setup: func(t *testing.T, f *fixture) {
				if _, err := f.svc.Label(ctx, 1, "transport"); err != nil {
					t.Fatal(err)
				}
			},
			steps: []step{{keys: keys("l", "ctrl+u", "enter"), wait: keys("removed the label of #1")}},
			check: func(t *testing.T, f *fixture, m tui.Model) {
				if got := f.stored(t, 1).Label; got != "" {
					t.Errorf("stored Label=%q, want none", got)
				}
			},
		},
		{
			name: "label_filter_L",
			setup: func(t *testing.T, f *fixture) {
				for id, l := range map[int]string{3: "schools", 4: "transport", 5: "transport"} {
					if _, err := f.svc.Label(ctx, id, l); err != nil {
						t.Fatal(err)
					}
				}
			},
			// Labels in order: schools, transport, then every label.
			steps: []step{
				{keys: keys("L"), wait: keys("label: schools")},
				{keys: keys("L"), wait: keys("label: transport")},
				{keys: keys("j")},
			},
			check: func(t *testing.T, f *fixture, m tui.Model) {
				wantSelected(5)(t, f, m)
				if v := m.View(); strings.Contains(v, "#1 ") || strings.Contains(v, "#3 ") {
					t.Errorf("the label filter shows questions of other labels:\n%s", v)
				}
			},
		},
		{
			name:  "label_filter_L_cycles_back",
			setup: func(t *testing.T, f *fixture) { f.svc.Label(ctx, 3, "schools") },
			// The selection stays on the question it was on.
			steps: []step{{keys: keys("L", "L"), wait: keys("2/5")}},
			check: wantSelected(3),
		},
		{
			name:  "label_filter_L_none",
			steps: []step{{keys: keys("L"), wait: keys("no question has a label yet")}},
			check: wantSelected(1),
		},
		{
			name:  "next_n",
			steps: []step{{keys: keys("n"), wait: keys("#1 is on air (5 votes)", "● on air #1 · 00:00")}},
			check: func(t *testing.T, f *fixture, m tui.Model) {
				wantStatus(t, f, 1, tribune.StatusOnAir)
			},
		},
		{
			name: "next_n_refused",
			setup: func(t *testing.T, f *fixture) {
				for _, id := range []int{1, 3} {
					if _, err := f.svc.Answer(ctx, id); err != nil {
						t.Fatal(err)
					}
				}
			},
			steps: []step{{keys: keys("n"), wait: keys("no approved question waits")}},
			check: func(t *testing.T, f *fixture, m tui.Model) {
				if _, ok := f.svc.OnAir(); ok {
					t.Error("a question went on air")
				}
				if got, want := m.Message(), "no approved question waits"; got != want {
					t.Errorf("Message()=%q, want %q", got, want)
				}
			},
		},
		{
			name:  "source_filter_p",
			setup: func(t *testing.T, f *fixture) { f.seedSources(t) },
			// all → twitch → youtube → web
			steps: []step{
				{keys: keys("p"), wait: keys("source: twitch")},
				{keys: keys("p"), wait: keys("source: youtube")},
				{keys: keys("p"), wait: keys("source: web")},
				{keys: keys("j")},
			},
			check: func(t *testing.T, f *fixture, m tui.Model) {
				wantSelected(8)(t, f, m)
				if v := m.View(); !strings.Contains(v, "a viewer with no name (web)") {
					t.Errorf("the detail does not say the web viewer gave no name:\n%s", v)
				}
			},
		},
		{
			name:  "source_filter_p_back_to_all",
			setup: func(t *testing.T, f *fixture) { f.seedSources(t) },
			// The selection stays on the web question it was on.
			steps: []step{{keys: keys("p", "p", "p", "p"), wait: keys(" 7/9")}},
			check: wantSelected(7),
		},
		{
			name:  "wave_w_reject_undo",
			setup: func(t *testing.T, f *fixture) { f.seedWave(t) },
			steps: []step{
				{keys: keys("j", "j", "j", "j", "j", "w"), wait: keys("3 questions like #6 selected", "✓ 3 selected")},
				{keys: keys("r"), wait: keys("reject the 3 selected questions in one action? [y/n]")},
				{keys: keys("y"), wait: keys("rejected 3 questions in one action · u undoes it", "rej 3 ")},
				{keys: keys("u"), wait: keys("undid reject of 3 questions", "rej 0 ")},
			},
			check: func(t *testing.T, f *fixture, m tui.Model) {
				for _, id := range []int{6, 7, 8} {
					wantStatus(t, f, id, tribune.StatusPending)
				}
				// One action rejected the three, and one undo brought them back.
				log := f.svc.Log()
				if n := len(log); n < 2 || log[n-2].Action != tribune.ActionReject || len(log[n-2].Before) != 3 || !log[n-2].Undone {
					t.Errorf("log ends with %+v, want one undone rejection of 3 questions, then its undo", log[max(len(log)-2, 0):])
				}
			},
		},
		{
			name:  "wave_w_space_unselects",
			setup: func(t *testing.T, f *fixture) { f.seedWave(t) },
			steps: []step{
				{keys: keys("j", "j", "j", "j", "j", "w"), wait: keys("✓ 3 selected")},
				{keys: keys("j", "space"), wait: keys("✓ 2 selected")},
				{keys: keys("r", "y"), wait: keys("rejected 2 questions")},
			},
			check: func(t *testing.T, f *fixture, m tui.Model) {
				wantStatus(t, f, 6, tribune.StatusRejected)
				wantStatus(t, f, 7, tribune.StatusPending)
				wantStatus(t, f, 8, tribune.StatusRejected)
			},
		},
		{
			name:  "wave_w_nothing_alike",
			setup: func(t *testing.T, f *fixture) { f.seedWave(t) },
			steps: []step{{keys: keys("w"), wait: keys("no other open question is like #1")}},
			check: func(t *testing.T, f *fixture, m tui.Model) {
				if v := m.View(); strings.Contains(v, "selected") {
					t.Errorf("something is selected:\n%s", v)
				}
			},
		},
		{
			name:  "wave_w_esc_clears",
			setup: func(t *testing.T, f *fixture) { f.seedWave(t) },
			steps: []step{
				{keys: keys("j", "j", "j", "j", "j", "w"), wait: keys("✓ 3 selected")},
				{keys: keys("esc"), wait: keys("selection cleared")},
				// With no selection, r rejects the question under the cursor.
				{keys: keys("r"), wait: keys("rejected #6")},
			},
			check: func(t *testing.T, f *fixture, m tui.Model) {
				wantStatus(t, f, 6, tribune.StatusRejected)
				wantStatus(t, f, 7, tribune.StatusPending)
			},
		},
		{
			name:  "wave_reject_n_keeps_selection",
			setup: func(t *testing.T, f *fixture) { f.seedWave(t) },
			steps: []step{
				{keys: keys("j", "j", "j", "j", "j", "w"), wait: keys("✓ 3 selected")},
				{keys: keys("r", "n"), wait: keys("nothing rejected; the selection stays")},
			},
			check: func(t *testing.T, f *fixture, m tui.Model) {
				wantStatus(t, f, 6, tribune.StatusPending)
				if v := m.View(); !strings.Contains(v, "✓ 3 selected") {
					t.Errorf("the selection is gone:\n%s", v)
				}
			},
		},
		{
			name:  "first_timers_f",
			setup: func(t *testing.T, f *fixture) { f.seedWave(t) },
			steps: []step{
				{keys: keys("f"), wait: keys("2 pending questions of first-time chatters selected", "✓ 2 selected")},
				{keys: keys("r", "y"), wait: keys("rejected 2 questions")},
			},
			check: func(t *testing.T, f *fixture, m tui.Model) {
				wantStatus(t, f, 8, tribune.StatusRejected)
				wantStatus(t, f, 9, tribune.StatusRejected)
				wantStatus(t, f, 6, tribune.StatusPending)
			},
		},
		{
			name:  "ban_b_youtube",
			setup: func(t *testing.T, f *fixture) { f.seedSources(t) },
			steps: []step{
				{keys: keys("p", "p", "b"), wait: keys("ban Yuki (youtube) and reject their open questions? [y/n]")},
				{keys: keys("y"), wait: keys("banned Yuki (youtube)")},
			},
			check: func(t *testing.T, f *fixture, m tui.Model) {
				if !f.svc.Banned(youtubeViewer("Yuki", "UCyuki0000000000000000")) {
					t.Error("Yuki is not banned")
				}
				wantStatus(t, f, 6, tribune.StatusRejected)
			},
		},
		{
			name:  "ban_b_web_names_the_claim",
			setup: func(t *testing.T, f *fixture) { f.seedSources(t) },
			steps: []step{{keys: keys("p", "p", "p", "b"), wait: keys("ban “Nora” (web, name not verified) and reject their open questions? [y/n]")}},
			quit:  "ctrl+c",
			check: func(t *testing.T, f *fixture, m tui.Model) {
				wantStatus(t, f, 7, tribune.StatusPending)
			},
		},
		{
			name:  "help_question_mark",
			steps: []step{{keys: keys("?")}},
			check: wantSelected(1),
		},
		{
			name:  "quit_ctrl_c",
			quit:  "ctrl+c",
			check: wantSelected(1),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := MustOpenService(t)
			f.seed(t)
			if tt.setup != nil {
				tt.setup(t, f)
			}
			tm := f.start(t, 80, 24)
			for _, s := range tt.steps {
				press(tm, s.keys...)
				if len(s.wait) > 0 {
					waitOutput(t, tm, s.wait...)
				}
			}
			var m tui.Model
			if tt.quit == "" {
				m = quit(t, tm)
			} else {
				press(tm, tt.quit)
				m = tm.FinalModel(t, teatest.WithFinalTimeout(10*time.Second)).(tui.Model)
			}
			if tt.check != nil {
				tt.check(t, f, m)
			}
			teatest.RequireEqualOutput(t, []byte(m.View()))
		})
	}
}

// TestPromptFits opens each prompt at several widths, with text longer
// than the line: the prompt line never overflows the terminal, the text
// scrolls to keep the cursor in view, and the edit counter shows when there
// is room for it.
func TestPromptFits(t *testing.T) {
	long := strings.Repeat("very long question text ", 6) + "END"
	tests := []struct {
		name string
		keys []string
		want []string // on the prompt line
	}{
		{"edit_end", keys("j", "e", " "+long), []string{"edit #3: ", "END ", "/300"}},
		{"edit_home", keys("j", "e", " "+long, "home"), []string{"edit #3: How will", "/300"}},
		{"search", keys("/", long), []string{"/", "END "}},
		{"merge", keys("m", "12345"), []string{"merge #1 into #12345 "}},
		// A label is cut at its limit as it is typed.
		{"label", keys("l", strings.Repeat("x", 40)), []string{"label #1", strings.Repeat("x", 10), "32/32"}},
	}
	for _, w := range []int{30, 60, 80, 200} {
		for _, tt := range tests {
			t.Run(fmt.Sprintf("%s_%d", tt.name, w), func(t *testing.T) {
				f := MustOpenService(t)
				f.seed(t)
				tm := f.start(t, w, 24)
				press(tm, tt.keys...)
				press(tm, "ctrl+c")
				m := tm.FinalModel(t, teatest.WithFinalTimeout(10*time.Second)).(tui.Model)
				lines := strings.Split(m.View(), "\n")
				for i, l := range lines {
					if n := ansi.StringWidth(l); n > w {
						t.Errorf("line %d is %d cells wide, want at most %d: %q", i+1, n, w, l)
					}
				}
				line := lines[len(lines)-2] // above the help line
				for _, s := range tt.want {
					if !strings.Contains(line, s) {
						t.Errorf("prompt line %q does not contain %q", line, s)
					}
				}
			})
		}
	}
}

func wantSelected(id int) func(t *testing.T, f *fixture, m tui.Model) {
	return func(t *testing.T, f *fixture, m tui.Model) {
		t.Helper()
		q, ok := m.Selected()
		if !ok || q.ID != id {
			t.Errorf("Selected()=#%d %v, want #%d", q.ID, ok, id)
		}
	}
}

// wantStatus checks a question's status in the Service and on disk.
func wantStatus(t *testing.T, f *fixture, id int, want tribune.Status) tribune.Question {
	t.Helper()
	q := tribunetest.Get(t, f.svc, id)
	if q.Status != want {
		t.Errorf("#%d Status=%s, want %s", id, q.Status, want)
	}
	if got := f.stored(t, id).Status; got != want {
		t.Errorf("#%d stored Status=%s, want %s", id, got, want)
	}
	return q
}
