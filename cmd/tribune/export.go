package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/tribune-live/tribune"
	"github.com/tribune-live/tribune/report"
)

// exporters write a session in each format of `tribune export`: package
// report makes them, from the same analysis as the meeting report.
var exporters = map[string]func(io.Writer, tribune.SessionState) error{
	"csv":  exportWith(report.CSV),
	"json": exportWith(report.JSON),
	"md":   exportWith(report.Markdown),
}

// exportWith returns an exporter that analyses the session, then writes
// it with write.
func exportWith(write func(io.Writer, *report.Analysis) error) func(io.Writer, tribune.SessionState) error {
	return func(w io.Writer, st tribune.SessionState) error {
		return write(w, report.Analyze(st, report.Options{}))
	}
}

// writeOutput runs write into a buffer, then copies it to path, or to
// stdout when path is empty. A failed export leaves no partial file: the
// file is written beside its destination and renamed into place.
func writeOutput(path string, stdout io.Writer, write func(io.Writer) error) error {
	var buf bytes.Buffer
	if err := write(&buf); err != nil {
		return err
	}
	if path == "" {
		_, err := stdout.Write(buf.Bytes())
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".tribune-export-*")
	if err != nil {
		return fmt.Errorf("export: %w", err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(buf.Bytes()); err != nil {
		tmp.Close()
		return fmt.Errorf("export: write %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("export: write %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("export: %w", err)
	}
	return nil
}
