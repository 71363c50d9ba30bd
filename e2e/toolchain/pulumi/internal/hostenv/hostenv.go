// Package hostenv is what both of our minimal language hosts (cmd/pulumi-language-java, cmd/pulumi-language-go)
// give the program they start: the PULUMI_* environment the Pulumi SDKs read to reach the engine (the same
// variable names in the Java SDK's DeploymentImpl.DeploymentState.fromEnvironment and the Go SDK's
// pulumi.RunWithContext).
package hostenv

import (
	"encoding/json"
	"os"
	"strconv"

	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

// Program returns this process's environment plus the run's PULUMI_* variables; empty values are left unset.
func Program(req *pulumirpc.RunRequest, engineAddress, tracing string) ([]string, error) {
	env := os.Environ()
	set := func(k, v string) {
		if v != "" {
			env = append(env, "PULUMI_"+k+"="+v)
		}
	}
	set("MONITOR", req.GetMonitorAddress())
	set("ENGINE", engineAddress)
	set("PROJECT", req.GetProject())
	set("STACK", req.GetStack())
	set("ORGANIZATION", req.GetOrganization())
	set("PWD", req.GetPwd())
	set("ROOT_DIRECTORY", req.GetInfo().GetRootDirectory())
	set("DRY_RUN", strconv.FormatBool(req.GetDryRun()))
	set("PARALLEL", strconv.Itoa(int(req.GetParallel())))
	set("TRACING", tracing)
	if cfg := req.GetConfig(); cfg != nil {
		b, err := json.Marshal(cfg)
		if err != nil {
			return nil, err
		}
		set("CONFIG", string(b))
	}
	keys := req.GetConfigSecretKeys()
	if keys == nil {
		keys = []string{}
	}
	b, err := json.Marshal(keys)
	if err != nil {
		return nil, err
	}
	set("CONFIG_SECRET_KEYS", string(b))
	return env, nil
}
