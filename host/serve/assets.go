package serve

import "embed"

// assets are the dashboard's page, script and style sheet, compiled into the
// binary so that nothing is fetched at run time.
//
//go:embed assets
var assets embed.FS
