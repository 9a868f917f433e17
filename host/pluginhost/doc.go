// Package pluginhost launches tdw plugin binaries and calls them.
//
// LaunchAnalyzer and LaunchFamily start a binary with go-plugin (gRPC only,
// the handshake and limits of package sdk), check its self-description
// against what the caller expects (the analyzer.json or family.json), and
// return a handle implementing sdk.Analyzer / sdk.CrossEpochAnalyzer or
// sdk.Family. Every call runs under one deadline, Spec.CallTimeout (an
// analyzer's from its analyzer.json); every failure names the plugin and
// what happened: a crash (with the exit status and the end of the plugin's
// stderr), a hang past the deadline (the plugin is then killed), a write to
// stdout (a protocol violation: the plugin is killed). A failed plugin never
// affects others. What a plugin returns is the caller's to check against its
// manifest: pluginhost knows no manifests (no host/registry).
//
// Plugin processes die with the host: Close kills one, CloseAll kills all,
// and on Linux each is started with Pdeathsig = SIGKILL, so even a SIGKILLed
// host leaves no plugin behind.
package pluginhost
