package bot

import (
	"context"
	"fmt"
	"testing"
)

// TestMatcherWaitReturnsAfterTheBuild checks what Match cannot show from
// outside (it indexes what is left itself): Wait returns only once the
// background build has indexed everything queued before it.
func TestMatcherWaitReturnsAfterTheBuild(t *testing.T) {
	m := NewMatcher()
	for i := 1; i <= 20000; i++ {
		m.Add(i, fmt.Sprintf("question %d about the harbour budget line %d", i, i*7))
	}
	if err := m.Wait(context.Background()); err != nil {
		t.Fatal(err)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(m.pending) != 0 || m.building || m.live != 20000 {
		t.Errorf("after Wait: pending=%d building=%v live=%d, want 0, false, 20000", len(m.pending), m.building, m.live)
	}
}
