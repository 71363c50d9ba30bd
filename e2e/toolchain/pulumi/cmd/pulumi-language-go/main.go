// Command pulumi-language-go is a minimal Pulumi language host for prebuilt Go
// programs, written for this project's benchmarks (bench/preview.sh runs the
// floor program, cmd/floor-replay, under it).
//
// Why it exists: the upstream host is the module
// github.com/pulumi/pulumi/sdk/go/pulumi-language-go/v3, and the Go module
// proxy reachable here refuses it (403), so it cannot be built from Go
// modules. Upstream's host, given the runtime option `binary` in Pulumi.yaml,
// runs that prebuilt program directly (no `go build`, no `go run`) with the
// environment the Go SDK reads (sdk/go/pulumi-language-go/main.go: Run,
// constructEnv); this host does exactly that and nothing else:
//
//   - Run: starts the `binary` with PULUMI_MONITOR, PULUMI_ENGINE,
//     PULUMI_PROJECT, PULUMI_STACK, PULUMI_ORGANIZATION,
//     PULUMI_ROOT_DIRECTORY, PULUMI_DRY_RUN, PULUMI_PARALLEL, PULUMI_CONFIG
//     and PULUMI_CONFIG_SECRET_KEYS. Exit code 32 means the program already
//     reported its error to the engine (a bail, as upstream treats it).
//   - GetRequiredPlugins: reports none (upstream lists the plugins of the
//     program's go.mod modules; a prebuilt binary has no go.mod here), so the
//     engine loads providers as resources are registered.
//   - InstallDependencies (nothing to install), GetPluginInfo, About,
//     GetProgramDependencies.
//
// Everything else answers Unimplemented, which the engine tolerates.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"time"

	"homelab-backups/e2e/toolchain/pulumi/internal/hostenv"

	"github.com/pulumi/pulumi/sdk/v3/go/common/util/cmdutil"
	"github.com/pulumi/pulumi/sdk/v3/go/common/util/logging"
	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil"
	"github.com/pulumi/pulumi/sdk/v3/go/common/version"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/grpc"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/structpb"
)

// Exit code with which the Go SDK says "the error was already reported to the engine".
const exitAfterLoggingUserMessage = 32

func main() {
	var tracing string
	flag.StringVar(&tracing, "tracing", "", "Emit tracing to a Zipkin-compatible endpoint (passed to the program)")
	flag.String("binary", "", "[obsolete] ignored, as upstream's; use the runtime option 'binary'")
	flag.String("buildTarget", "", "[obsolete] ignored")
	flag.String("root", "", "[obsolete] ignored")
	flag.Parse()
	logging.InitLogging(false, 0, false)

	var engineAddress string
	var cancel chan bool
	if args := flag.Args(); len(args) > 0 {
		engineAddress = args[0]
		ctx, stop := context.WithCancel(context.Background())
		cancel = make(chan bool)
		go func() { <-ctx.Done(); close(cancel) }()
		// Exit when the engine goes away.
		if err := rpcutil.Healthcheck(ctx, engineAddress, 5*time.Minute, stop); err != nil {
			cmdutil.Exit(fmt.Errorf("could not start health check: %w", err))
		}
	}

	host := &goHost{engineAddress: engineAddress, tracing: tracing}
	handle, err := rpcutil.ServeWithOptions(rpcutil.ServeOptions{
		Cancel: cancel,
		Init: func(srv *grpc.Server) error {
			pulumirpc.RegisterLanguageRuntimeServer(srv, host)
			return nil
		},
	})
	if err != nil {
		cmdutil.Exit(fmt.Errorf("could not start language host RPC server: %w", err))
	}
	// The engine reads the port from our first line of stdout.
	fmt.Printf("%d\n", handle.Port)
	if err := <-handle.Done; err != nil {
		cmdutil.Exit(fmt.Errorf("language host RPC stopped serving: %w", err))
	}
}

type goHost struct {
	pulumirpc.UnimplementedLanguageRuntimeServer
	engineAddress string
	tracing       string
}

// binaryPath resolves the runtime option `binary`: absolute, relative to the
// program directory, or a name on PATH (as upstream's executable.FindExecutable).
func binaryPath(info *pulumirpc.ProgramInfo) (string, error) {
	var binary string
	if opts := info.GetOptions(); opts != nil {
		if v, ok := opts.GetFields()["binary"]; ok {
			s, ok := v.GetKind().(*structpb.Value_StringValue)
			if !ok {
				return "", errors.New("binary option must be a string")
			}
			binary = s.StringValue
		}
	}
	if binary == "" {
		return "", errors.New("no runtime option 'binary' set (this minimal host runs prebuilt programs only)")
	}
	if filepath.IsAbs(binary) {
		return binary, nil
	}
	if dir := info.GetProgramDirectory(); dir != "" {
		if p := filepath.Join(dir, binary); fileExists(p) {
			return p, nil
		}
	}
	return exec.LookPath(binary)
}

func fileExists(p string) bool {
	st, err := os.Stat(p)
	return err == nil && !st.IsDir()
}

func (h *goHost) GetPluginInfo(context.Context, *emptypb.Empty) (*pulumirpc.PluginInfo, error) {
	return &pulumirpc.PluginInfo{Version: version.Version}, nil
}

func (h *goHost) GetRequiredPlugins(context.Context,
	*pulumirpc.GetRequiredPluginsRequest,
) (*pulumirpc.GetRequiredPluginsResponse, error) {
	return &pulumirpc.GetRequiredPluginsResponse{}, nil
}

func (h *goHost) env(req *pulumirpc.RunRequest) ([]string, error) {
	return hostenv.Program(req, h.engineAddress, h.tracing)
}

func (h *goHost) Run(ctx context.Context, req *pulumirpc.RunRequest) (*pulumirpc.RunResponse, error) {
	bin, err := binaryPath(req.GetInfo())
	if err != nil {
		return nil, err
	}
	env, err := h.env(req)
	if err != nil {
		return nil, err
	}
	c := exec.Command(bin, req.GetArgs()...)
	c.Dir, c.Env = req.GetPwd(), env
	c.Stdout, c.Stderr = os.Stdout, os.Stderr
	if err := c.Run(); err != nil {
		var exitErr *exec.ExitError
		if errors.As(err, &exitErr) {
			if exitErr.ExitCode() == exitAfterLoggingUserMessage {
				return &pulumirpc.RunResponse{Bail: true}, nil
			}
			return &pulumirpc.RunResponse{Error: fmt.Sprintf("program exited with non-zero exit code: %d",
				exitErr.ExitCode())}, nil
		}
		return &pulumirpc.RunResponse{Error: err.Error()}, nil
	}
	return &pulumirpc.RunResponse{}, nil
}

func (h *goHost) InstallDependencies(*pulumirpc.InstallDependenciesRequest,
	pulumirpc.LanguageRuntime_InstallDependenciesServer,
) error {
	return nil // a prebuilt binary has nothing to install
}

func (h *goHost) GetProgramDependencies(context.Context,
	*pulumirpc.GetProgramDependenciesRequest,
) (*pulumirpc.GetProgramDependenciesResponse, error) {
	return &pulumirpc.GetProgramDependenciesResponse{}, nil
}

func (h *goHost) About(context.Context, *pulumirpc.AboutRequest) (*pulumirpc.AboutResponse, error) {
	return &pulumirpc.AboutResponse{Executable: os.Args[0], Version: runtime.Version()}, nil
}
