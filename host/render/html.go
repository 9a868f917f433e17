package render

import (
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"io"
	"strings"

	"github.com/tdw-workbench/tdw/host/view"
)

// HTMLScripts are the scripts a standalone HTML file inlines, so that it
// draws with no network: the program that embeds them (tdw-host, from the
// dashboard's assets) hands them over.
type HTMLScripts struct {
	// Plotly is Plotly.js's source.
	Plotly []byte
	// ViewPlot is the dashboard's drawing of a view spec, defining
	// tdwView.draw(div, spec, opts): the file draws what the panel draws.
	ViewPlot []byte
	// License is Plotly.js's licence text, kept in a comment beside it.
	License []byte
}

// ErrNoPlotly is the error of an HTML export without the scripts to
// inline.
var ErrNoPlotly = errors.New("no Plotly.js and view script to inline in the HTML file (this tdw-host was built without them)")

// WriteHTML writes the spec as a standalone HTML page: the scripts
// inlined, the spec's JSON, and a call of tdwView.draw on it when the page
// opens (hover values, zoom, a 3-D camera to turn). Scripts without
// Plotly.js or the view script are ErrNoPlotly.
func WriteHTML(w io.Writer, s *view.Spec, sc HTMLScripts) error {
	if len(sc.Plotly) == 0 || len(sc.ViewPlot) == 0 {
		return ErrNoPlotly
	}
	spec, err := json.Marshal(s) // escapes <, > and &: safe inside <script>
	if err != nil {
		return fmt.Errorf("spec %s: %w", s.Name, err)
	}
	license := strings.ReplaceAll(string(sc.License), "*/", "* /")
	parts := [][]byte{
		[]byte("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>" + html.EscapeString(s.Title) + "</title>\n" +
			"<style>html,body{margin:0;height:100%;font-family:sans-serif}#plot{width:100%;height:100vh}</style>\n<script>\n/* Plotly.js, inlined.\n" + license + "\n*/\n"),
		sc.Plotly,
		[]byte("\n</script>\n<script>\n"),
		sc.ViewPlot,
		[]byte("\n</script>\n</head>\n<body>\n<div id=\"plot\"></div>\n<script type=\"application/json\" id=\"tdw-spec\">"),
		spec,
		[]byte("</script>\n<script>\ntdwView.draw(document.getElementById(\"plot\"), JSON.parse(document.getElementById(\"tdw-spec\").textContent), {});\n</script>\n</body>\n</html>\n"),
	}
	for _, p := range parts {
		if _, err := w.Write(p); err != nil {
			return err
		}
	}
	return nil
}
