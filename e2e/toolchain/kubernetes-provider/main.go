// Our own entry point for the Pulumi Kubernetes resource provider.
//
// Upstream's cmd/pulumi-resource-kubernetes embeds schema-embed.json and
// terraform-mapping-embed.json, which are git-ignored files produced by
// `go generate`, so that package cannot be built from the module zip.
// build.sh copies cmd/pulumi-resource-kubernetes/schema.json and
// terraform-mapping.json from the module cache next to this file (as the two
// *-embed.json names) in a scratch build directory; they are never committed.
package main

import (
	_ "embed"
	"encoding/json"

	"github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/provider"
	"github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/version"
)

//go:embed schema-embed.json
var schemaJSON []byte

//go:embed terraform-mapping-embed.json
var terraformMapping []byte

// withVersion stamps the plugin version into the schema, as upstream's
// generate.go does at `go generate` time.
func withVersion(schema []byte, v string) []byte {
	var spec map[string]json.RawMessage
	if err := json.Unmarshal(schema, &spec); err != nil {
		panic("cannot parse embedded schema: " + err.Error())
	}
	enc, _ := json.Marshal(v)
	spec["version"] = enc
	out, err := json.Marshal(spec)
	if err != nil {
		panic("cannot re-encode schema: " + err.Error())
	}
	return out
}

func main() {
	provider.Serve("kubernetes", version.Version, withVersion(schemaJSON, version.Version), terraformMapping)
}
