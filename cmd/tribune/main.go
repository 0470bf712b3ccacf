// Command tribune runs Tribune, a live-stream Q&A companion: a Twitch chat
// bot that collects questions and votes, a moderation console, and an OBS
// overlay server.
//
//	tribune demo                     everything in one process with a simulated chat
//	tribune --channel NAME [flags]   bot + overlay server + console
//	tribune serve --channel NAME     bot + overlay server + control API, no console
//	tribune tui [--connect URL]      console attached to a running serve
//	tribune export [--session ID] --format csv|json|md
//	tribune report [--session ID] [--format html|pdf] [--out FILE] [--lang en|fr]
//	tribune token                    print the control API token
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
	"syscall"
)

func main() {
	// First, so that the meeting's allocations are not sampled.
	runtime.MemProfileRate = allocationSampling(os.Getenv("GODEBUG"))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	m := NewMain()
	err := m.Run(ctx, os.Args[1:])
	switch {
	case err == nil:
	case errors.Is(err, flag.ErrHelp):
		os.Exit(0)
	case errors.As(err, new(usageError)):
		fmt.Fprintln(m.Stderr, "tribune:", err)
		os.Exit(2)
	default:
		fmt.Fprintln(m.Stderr, "tribune:", err)
		os.Exit(1)
	}
}

// Main holds what the program touches outside itself, so that tests can
// run it in process.
type Main struct {
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
	Getenv func(string) string
}

// NewMain returns a Main on the process's standard streams and environment.
func NewMain() *Main {
	return &Main{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr, Getenv: os.Getenv}
}

// usageError is a mistake on the command line: exit status 2.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

const usage = `Tribune: live-stream Q&A from Twitch, YouTube and its own ask page, curated from a
terminal, shown in OBS.

Usage:
  tribune demo                     everything in one process, with a simulated chat of
                                   viewers: no Twitch account, no network needed
  tribune --channel NAME [flags]   bot + overlay server + console (the host's default)
  tribune serve --channel NAME     bot + overlay server + control API, no console
  tribune tui [--connect URL]      console attached to a running serve
  tribune export [--session ID] --format csv|json|md [--out FILE]
  tribune report [--session ID] [--format html|pdf] [--out FILE] [--lang en|fr]
  tribune token                    print the control API token

Run 'tribune COMMAND -h' for the flags of a command. Every flag can also be set
in the environment as TRIBUNE_<NAME> (e.g. TRIBUNE_CHANNEL, TRIBUNE_IRC_TLS).
Twitch credentials come only from TRIBUNE_TWITCH_USER and TRIBUNE_TWITCH_TOKEN.
`

// Run runs the command named by args.
func (m *Main) Run(ctx context.Context, args []string) error {
	cmd := ""
	if len(args) > 0 && len(args[0]) > 0 && args[0][0] != '-' {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "":
		if len(args) == 0 {
			fmt.Fprint(m.Stderr, usage)
			return usageError{"a command or --channel is required"}
		}
		return m.runHost(ctx, args)
	case "demo":
		return m.runDemo(ctx, args)
	case "serve":
		return m.runServe(ctx, args)
	case "tui":
		return m.runTUI(ctx, args)
	case "export":
		return m.runExport(ctx, args)
	case "report":
		return m.runReport(ctx, args)
	case "token":
		return m.runToken(ctx, args)
	case "help":
		fmt.Fprint(m.Stdout, usage)
		return nil
	default:
		fmt.Fprint(m.Stderr, usage)
		return usageError{fmt.Sprintf("unknown command %q", cmd)}
	}
}
