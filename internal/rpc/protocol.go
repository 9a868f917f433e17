package rpc

import (
	plugin "github.com/hashicorp/go-plugin"
)

// ProtocolVersion is the version of tdw's plugin protocol (proto/tdw/v1). The
// host refuses a plugin that announces another version in its handshake. It
// changes when a message or call changes incompatibly.
const ProtocolVersion = 1

// Plugin names under which a plugin binary serves its one implementation.
const (
	AnalyzerPluginName = "analyzer"
	FamilyPluginName   = "family"
)

// Handshake is the go-plugin handshake every tdw plugin and the host agree on:
// the magic cookie keeps a plugin binary from doing anything when run by hand,
// and ProtocolVersion is checked before any call.
var Handshake = plugin.HandshakeConfig{
	ProtocolVersion:  ProtocolVersion,
	MagicCookieKey:   "TDW_PLUGIN_MAGIC_COOKIE",
	MagicCookieValue: "5f1c0e0a-tdw-training-dynamics-workbench",
}
