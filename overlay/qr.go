package overlay

import (
	"fmt"
	"html/template"
	"strings"

	qrcode "github.com/yeqown/go-qrcode/v2"
)

// quietZone is the light margin around a QR code, in modules: readers need
// four (ISO/IEC 18004) to find the code against a busy stream behind it.
const quietZone = 4

// qrSVG returns the QR code of text as an inline <svg>: dark modules on a
// light square, whatever the page's theme, since many phone readers do
// not read an inverted code. The markup is built from the module matrix
// alone, so no part of text reaches it.
//
// go-qrcode's writers are separate modules that draw images; the matrix
// is all a page needs, and an SVG stays sharp at any ?scale=.
func qrSVG(text string) (template.HTML, error) {
	code, err := qrcode.NewWith(text, qrcode.WithErrorCorrectionLevel(qrcode.ErrorCorrectionMedium))
	if err != nil {
		return "", fmt.Errorf("encode: %w", err)
	}
	var m matrixWriter
	if err := code.Save(&m); err != nil {
		return "", fmt.Errorf("lay out: %w", err)
	}
	bits := m.mat.Bitmap()
	n := len(bits)
	size := n + 2*quietZone
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="qr" viewBox="0 0 %d %d" shape-rendering="crispEdges" aria-hidden="true" data-modules="%d">`, size, size, n)
	fmt.Fprintf(&b, `<rect width="%d" height="%d" fill="#ffffff"/><path fill="#000000" d="`, size, size)
	// One rectangle per run of dark modules in a row, rather than one
	// square per module: a shorter path, drawn without seams.
	for y, row := range bits {
		for x := 0; x < len(row); {
			if !row[x] {
				x++
				continue
			}
			start := x
			for x < len(row) && row[x] {
				x++
			}
			fmt.Fprintf(&b, "M%d %dh%dv1h-%dz", start+quietZone, y+quietZone, x-start, x-start)
		}
	}
	b.WriteString(`"/></svg>`)
	return template.HTML(b.String()), nil
}

// matrixWriter keeps the matrix that QRCode.Save hands its writer.
type matrixWriter struct{ mat qrcode.Matrix }

func (w *matrixWriter) Write(mat qrcode.Matrix) error { w.mat = mat; return nil }
func (w *matrixWriter) Close() error                  { return nil }
