// Command floor-replay is the floor of bench/preview.sh: a Pulumi Go program
// that registers exactly the resources a stack's state records and does no
// other work, so that a no-change preview of it costs what the engine, the
// provider and one resource monitor client cost, and nothing of ours.
//
// It reads `pulumi stack export --show-secrets` JSON (path in FLOOR_STATE, or
// the first argument) and, in the state's (dependency) order, registers
//
//   - every component with RegisterComponentResource: same type, name and
//     parent chain, so the URNs match; then its recorded outputs
//     (RegisterResourceOutputs);
//   - every explicit provider (pulumi:providers:*) with its recorded inputs,
//     the version input as the Version option (as the SDKs send it);
//   - every custom resource with its recorded inputs (the engine records the
//     provider-checked inputs: replayed, Check returns them unchanged), secret
//     values re-wrapped as secrets, its provider (an explicit provider by URN;
//     a default provider through the Version option recorded in the default
//     provider's inputs), dependsOn as recorded, and the options the state
//     records: protect, retainOnDelete, ignoreChanges, replaceOnChanges,
//     importID, customTimeouts, additionalSecretOutputs, hideDiff, deletedWith;
//   - resources read with `get` (external: true) with ReadResource;
//
// and exports the stack's recorded outputs. Not replayed, because the state
// does not record them: deleteBeforeReplace, aliases that are no longer needed,
// and any invoke or Kubernetes API read the program made (none of which a
// no-change preview shows). Default providers and the root stack are the
// engine's and the SDK's own and are not registered here.
//
// Run it under our minimal Go language host (cmd/pulumi-language-go) with a
// Pulumi.yaml of `runtime: {name: go, options: {binary: <this binary>}}` and
// the project and stack name of the recorded stack.
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// The signature key and value by which the state marks a secret.
const (
	sigKey    = "4dabf18193072939515e22adb298388d"
	secretSig = "1b47061264138c4ac30d75fd1eb44270"
)

type timeouts struct {
	Create float64 `json:"create,omitempty"`
	Update float64 `json:"update,omitempty"`
	Delete float64 `json:"delete,omitempty"`
}

type stateResource struct {
	URN                     string         `json:"urn"`
	Custom                  bool           `json:"custom"`
	Delete                  bool           `json:"delete"`
	ID                      string         `json:"id"`
	Type                    string         `json:"type"`
	Inputs                  map[string]any `json:"inputs"`
	Outputs                 map[string]any `json:"outputs"`
	Parent                  string         `json:"parent"`
	Protect                 bool           `json:"protect"`
	External                bool           `json:"external"`
	Dependencies            []string       `json:"dependencies"`
	Provider                string         `json:"provider"`
	AdditionalSecretOutputs []string       `json:"additionalSecretOutputs"`
	CustomTimeouts          *timeouts      `json:"customTimeouts"`
	ImportID                string         `json:"importID"`
	RetainOnDelete          bool           `json:"retainOnDelete"`
	DeletedWith             string         `json:"deletedWith"`
	IgnoreChanges           []string       `json:"ignoreChanges"`
	ReplaceOnChanges        []string       `json:"replaceOnChanges"`
	HideDiff                []string       `json:"hideDiff"`
	PendingReplacement      bool           `json:"pendingReplacement"`
}

type export struct {
	Deployment struct {
		Resources []stateResource `json:"resources"`
	} `json:"deployment"`
}

func main() {
	path := os.Getenv("FLOOR_STATE")
	if len(os.Args) > 1 {
		path = os.Args[1]
	}
	if path == "" {
		fmt.Fprintln(os.Stderr, "floor-replay: set FLOOR_STATE (or pass the path) to `pulumi stack export --show-secrets` JSON")
		os.Exit(2)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		fmt.Fprintln(os.Stderr, "floor-replay:", err)
		os.Exit(2)
	}
	var exp export
	if err := json.Unmarshal(b, &exp); err != nil {
		fmt.Fprintln(os.Stderr, "floor-replay: "+path+":", err)
		os.Exit(2)
	}
	pulumi.Run(func(ctx *pulumi.Context) error { return replay(ctx, exp.Deployment.Resources) })
}

// name is the last URN segment: urn:pulumi:<stack>::<project>::<qualified type>::<name>.
func name(urn string) string {
	parts := strings.SplitN(urn, "::", 4)
	if len(parts) < 4 {
		return urn
	}
	return parts[3]
}

// providerURN cuts the "::<id>" off a provider reference.
func providerURN(ref string) string {
	if i := strings.LastIndex(ref, "::"); i >= 0 {
		return ref[:i]
	}
	return ref
}

func isProvider(t string) bool { return strings.HasPrefix(t, "pulumi:providers:") }

func isDefaultProvider(r stateResource) bool {
	return isProvider(r.Type) && strings.HasPrefix(name(r.URN), "default")
}

// value turns a state property value back into a program input.
func value(v any) pulumi.Input {
	switch v := v.(type) {
	case nil:
		return nil
	case bool:
		return pulumi.Bool(v)
	case float64:
		return pulumi.Float64(v)
	case string:
		return pulumi.String(v)
	case []any:
		arr := make(pulumi.Array, len(v))
		for i, x := range v {
			arr[i] = value(x)
		}
		return arr
	case map[string]any:
		if v[sigKey] == secretSig {
			var plain any
			if s, ok := v["plaintext"].(string); ok {
				if err := json.Unmarshal([]byte(s), &plain); err != nil {
					plain = s
				}
			}
			return pulumi.ToSecret(value(plain))
		}
		return properties(v)
	default:
		panic(fmt.Sprintf("floor-replay: unexpected state value %T", v))
	}
}

func properties(m map[string]any) pulumi.Map {
	out := make(pulumi.Map, len(m))
	for k, x := range m {
		if in := value(x); in != nil {
			out[k] = in
		}
	}
	return out
}

func seconds(f float64) string {
	if f == 0 {
		return ""
	}
	return (time.Duration(f) * time.Second).String()
}

func replay(ctx *pulumi.Context, resources []stateResource) error {
	registered := map[string]pulumi.Resource{}
	defaultVersions := map[string]string{} // default provider URN -> version
	var root string

	for _, r := range resources {
		if r.Delete || r.PendingReplacement {
			continue // left over from an interrupted replace: not part of the program
		}
		switch {
		case r.Type == "pulumi:pulumi:Stack" && r.Parent == "":
			root = r.URN
			for k, v := range r.Outputs {
				ctx.Export(k, value(v))
			}
			continue
		case isDefaultProvider(r):
			if v, ok := r.Inputs["version"].(string); ok {
				defaultVersions[r.URN] = v
			}
			continue
		}

		var opts []pulumi.ResourceOption
		if r.Parent != "" && r.Parent != root {
			p, ok := registered[r.Parent]
			if !ok {
				return fmt.Errorf("%s: parent %s not registered before it", r.URN, r.Parent)
			}
			opts = append(opts, pulumi.Parent(p))
		}
		var deps []pulumi.Resource
		for _, d := range r.Dependencies {
			if dr, ok := registered[d]; ok {
				deps = append(deps, dr)
			}
		}
		if len(deps) > 0 {
			opts = append(opts, pulumi.DependsOn(deps))
		}
		if r.Protect {
			opts = append(opts, pulumi.Protect(true))
		}
		if r.RetainOnDelete {
			opts = append(opts, pulumi.RetainOnDelete(true))
		}
		if len(r.IgnoreChanges) > 0 {
			opts = append(opts, pulumi.IgnoreChanges(r.IgnoreChanges))
		}
		if len(r.ReplaceOnChanges) > 0 {
			opts = append(opts, pulumi.ReplaceOnChanges(r.ReplaceOnChanges))
		}
		if len(r.HideDiff) > 0 {
			opts = append(opts, pulumi.HideDiffs(r.HideDiff))
		}
		if len(r.AdditionalSecretOutputs) > 0 {
			opts = append(opts, pulumi.AdditionalSecretOutputs(r.AdditionalSecretOutputs))
		}
		if t := r.CustomTimeouts; t != nil {
			opts = append(opts, pulumi.Timeouts(&pulumi.CustomTimeouts{
				Create: seconds(t.Create), Update: seconds(t.Update), Delete: seconds(t.Delete)}))
		}
		if r.DeletedWith != "" {
			if dw, ok := registered[r.DeletedWith]; ok {
				opts = append(opts, pulumi.DeletedWith(dw))
			}
		}

		switch {
		case !r.Custom:
			var c pulumi.ResourceState
			if err := ctx.RegisterComponentResource(r.Type, name(r.URN), &c, opts...); err != nil {
				return fmt.Errorf("%s: %w", r.URN, err)
			}
			registered[r.URN] = &c
			if err := ctx.RegisterResourceOutputs(&c, properties(r.Outputs)); err != nil {
				return fmt.Errorf("%s: outputs: %w", r.URN, err)
			}
		case isProvider(r.Type):
			inputs := map[string]any{}
			for k, v := range r.Inputs {
				inputs[k] = v
			}
			if v, ok := inputs["version"].(string); ok {
				opts = append(opts, pulumi.Version(v))
			}
			delete(inputs, "version")
			delete(inputs, "__internal")
			var p pulumi.ProviderResourceState
			if err := ctx.RegisterResource(r.Type, name(r.URN), properties(inputs), &p, opts...); err != nil {
				return fmt.Errorf("%s: %w", r.URN, err)
			}
			registered[r.URN] = &p
		default:
			if r.Provider != "" {
				purn := providerURN(r.Provider)
				if v, ok := defaultVersions[purn]; ok {
					opts = append(opts, pulumi.Version(v))
				} else if p, ok := registered[purn].(pulumi.ProviderResource); ok {
					opts = append(opts, pulumi.Provider(p))
				} else {
					return fmt.Errorf("%s: provider %s not registered before it", r.URN, purn)
				}
			}
			var c pulumi.CustomResourceState
			if r.External {
				if err := ctx.ReadResource(r.Type, name(r.URN), pulumi.ID(r.ID), properties(r.Inputs), &c,
					opts...); err != nil {
					return fmt.Errorf("%s: %w", r.URN, err)
				}
			} else {
				if r.ImportID != "" {
					opts = append(opts, pulumi.Import(pulumi.ID(r.ImportID)))
				}
				if err := ctx.RegisterResource(r.Type, name(r.URN), properties(r.Inputs), &c, opts...); err != nil {
					return fmt.Errorf("%s: %w", r.URN, err)
				}
			}
			registered[r.URN] = &c
		}
	}
	return nil
}
