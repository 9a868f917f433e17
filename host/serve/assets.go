package serve

import (
	"embed"

	"github.com/tdw-workbench/tdw/host/render"
)

// assets are the dashboard's page, scripts (Plotly.js vendored under
// assets/vendor, see its README.md) and style sheet, compiled into the
// binary so that nothing is fetched at run time.
//
//go:embed assets
var assets embed.FS

// Scripts returns what a standalone HTML export inlines, from the embedded
// assets: Plotly.js, its licence and the page's view drawing (viewplot.js),
// so that an exported file draws what its panel draws, with no network.
func Scripts() render.HTMLScripts {
	read := func(name string) []byte {
		b, err := assets.ReadFile("assets/" + name)
		if err != nil {
			// The files are compiled in: a missing one is a broken build.
			panic("serve: embedded asset " + name + ": " + err.Error())
		}
		return b
	}
	return render.HTMLScripts{Plotly: read("vendor/plotly.min.js"), ViewPlot: read("viewplot.js"), License: read("vendor/LICENSE-plotly.txt")}
}
