package tribune_test

import (
	"testing"

	"github.com/tribune-live/tribune"
)

func TestHubLaggingSubscriberIsToldToResync(t *testing.T) {
	h := tribune.NewHub()
	slow := h.Subscribe(4)
	fast := h.Subscribe(64)
	defer slow.Close()
	defer fast.Close()

	for i := 1; i <= 10; i++ {
		h.Publish(tribune.Event{Type: tribune.EventVoted, Question: &tribune.Question{ID: i}})
	}
	for i := 1; i <= 10; i++ {
		if e := <-fast.C; e.Question.ID != i {
			t.Fatalf("fast subscriber got #%d, want #%d", e.Question.ID, i)
		}
	}
	var got []tribune.Event
	for len(slow.C) > 0 {
		got = append(got, <-slow.C)
	}
	if len(got) != 4 || got[3].Type != tribune.EventResync {
		t.Fatalf("slow subscriber got %d events ending with %v, want 3 events then resync", len(got), got[len(got)-1].Type)
	}
	for i, e := range got[:3] {
		if e.Question.ID != i+1 {
			t.Errorf("slow event %d is #%d, want #%d", i, e.Question.ID, i+1)
		}
	}
	// Once drained, the subscriber receives new events again.
	h.Publish(tribune.Event{Type: tribune.EventOffAir})
	if e := <-slow.C; e.Type != tribune.EventOffAir {
		t.Errorf("after resync got %s, want offair", e.Type)
	}
}

func TestHubCloseStopsDelivery(t *testing.T) {
	h := tribune.NewHub()
	s := h.Subscribe(4)
	s.Close()
	s.Close() // twice is harmless
	h.Publish(tribune.Event{Type: tribune.EventOffAir})
	if _, ok := <-s.C; ok {
		t.Error("closed subscription delivered an event")
	}
	if n := h.Subscribers(); n != 0 {
		t.Errorf("Subscribers=%d, want 0", n)
	}
}
