// Command pulumi-language-java is a minimal Pulumi language host for Java
// programs, written for this project's end-to-end tests.
//
// Why it exists: the upstream host lives in github.com/pulumi/pulumi-java,
// and the Go module proxy reachable here refuses that module (every version
// answers 403 "not available"), so it cannot be built from Go modules. This
// host implements the small part of the LanguageRuntime gRPC contract that
// `pulumi preview/up/destroy` need for a Maven (or prebuilt jar) program that
// uses the com.pulumi:pulumi Java SDK:
//
//   - Run: starts the program with the environment the Java SDK reads
//     (PULUMI_MONITOR, PULUMI_ENGINE, PULUMI_PROJECT, PULUMI_STACK,
//     PULUMI_DRY_RUN, PULUMI_CONFIG, ...). Maven programs run as
//     `mvn -q compile exec:java` in the program directory (the pom must
//     configure exec-maven-plugin's mainClass); with the runtime option
//     `binary: some.jar` the program runs as `java -jar some.jar`.
//   - GetRequiredPlugins: runs the SDK's plugin discovery
//     (com.pulumi.bootstrap.internal.Main packages) to list the resource
//     plugins named by the jars on the classpath. Set
//     PULUMI_JAVA_SKIP_PLUGIN_DISCOVERY=true to report none (the engine
//     then loads providers lazily when resources are registered, which
//     avoids failing on SDK jars whose plugin is not installed).
//   - InstallDependencies, GetPluginInfo, About, GetProgramDependencies.
//
// Everything else answers Unimplemented, which the engine tolerates.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
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

// Exit code with which the Java SDK says "the error was already reported to the engine".
const exitAfterLoggingUserMessage = 32

func main() {
	var tracing, root, binary string
	flag.StringVar(&tracing, "tracing", "", "Emit tracing to a Zipkin-compatible endpoint (passed to the program)")
	flag.StringVar(&root, "root", "", "Project root path (unused; the engine sends it per request)")
	flag.StringVar(&binary, "binary", "", "Default JAR to run when the project sets no runtime option 'binary'")
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

	host := &javaHost{engineAddress: engineAddress, tracing: tracing, defaultBinary: binary}
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

type javaHost struct {
	pulumirpc.UnimplementedLanguageRuntimeServer
	engineAddress string
	tracing       string
	defaultBinary string
}

// command describes how to start the program (or the SDK's helper main class).
type command struct {
	dir  string
	name string
	args []string
}

// programDir picks the directory holding the program (pom.xml or the jar).
func programDir(info *pulumirpc.ProgramInfo, pwd string) string {
	if d := info.GetProgramDirectory(); d != "" {
		return d
	}
	if pwd != "" {
		return pwd
	}
	wd, _ := os.Getwd()
	return wd
}

func stringOption(info *pulumirpc.ProgramInfo, key string) string {
	if opts := info.GetOptions(); opts != nil {
		if v, ok := opts.GetFields()[key]; ok {
			if s, ok := v.GetKind().(*structpb.Value_StringValue); ok {
				return s.StringValue
			}
		}
	}
	return ""
}

func mavenBinary(dir string) string {
	if _, err := os.Stat(filepath.Join(dir, "mvnw")); err == nil {
		return filepath.Join(dir, "mvnw")
	}
	return "mvn"
}

// runCommand returns the command for running the program; extraMain, when set,
// runs that main class with mainArgs instead of the project's own main.
func (h *javaHost) runCommand(info *pulumirpc.ProgramInfo, pwd, extraMain, mainArgs string) (command, error) {
	dir := programDir(info, pwd)
	binary := stringOption(info, "binary")
	if binary == "" {
		binary = h.defaultBinary
	}
	if binary != "" {
		if !filepath.IsAbs(binary) {
			binary = filepath.Join(dir, binary)
		}
		if extraMain != "" {
			return command{dir, "java", []string{"-cp", binary, extraMain, mainArgs}}, nil
		}
		return command{dir, "java", []string{"-jar", binary}}, nil
	}
	if _, err := os.Stat(filepath.Join(dir, "pom.xml")); err != nil {
		return command{}, fmt.Errorf("no pom.xml in %s and no runtime option 'binary' set "+
			"(this minimal host supports Maven projects and jars only)", dir)
	}
	args := []string{"--batch-mode", "--no-transfer-progress", "-Dstyle.color=never", "-q", "compile", "exec:java"}
	if extraMain != "" {
		args = append(args, "-DmainClass="+extraMain, "-DmainArgs="+mainArgs)
	}
	return command{dir, mavenBinary(dir), args}, nil
}

func (h *javaHost) GetPluginInfo(context.Context, *emptypb.Empty) (*pulumirpc.PluginInfo, error) {
	return &pulumirpc.PluginInfo{Version: version.Version}, nil
}

// pluginJSON is the subset of the SDK's plugin discovery output we use.
type pluginJSON struct {
	Resource bool   `json:"resource"`
	Name     string `json:"name"`
	Version  string `json:"version"`
	Server   string `json:"server"`
}

func (h *javaHost) GetRequiredPlugins(ctx context.Context,
	req *pulumirpc.GetRequiredPluginsRequest,
) (*pulumirpc.GetRequiredPluginsResponse, error) {
	resp := &pulumirpc.GetRequiredPluginsResponse{}
	if skip, _ := strconv.ParseBool(os.Getenv("PULUMI_JAVA_SKIP_PLUGIN_DISCOVERY")); skip {
		return resp, nil
	}
	cmd, err := h.runCommand(req.GetInfo(), req.GetPwd(), "com.pulumi.bootstrap.internal.Main", "packages")
	if err != nil {
		return nil, err
	}
	var stdout, stderr bytes.Buffer
	c := exec.CommandContext(ctx, cmd.name, cmd.args...)
	c.Dir, c.Stdout, c.Stderr = cmd.dir, &stdout, &stderr
	if err := c.Run(); err != nil {
		// Discovery is advisory, as upstream treats it: report nothing.
		logging.V(3).Infof("plugin discovery failed (%v): %s %s", err, stdout.String(), stderr.String())
		return resp, nil
	}
	found, ok := parseDiscovery(stdout.Bytes())
	if !ok {
		logging.V(3).Infof("plugin discovery printed no JSON list: %s", stdout.String())
		return resp, nil
	}
	for _, p := range found {
		if !p.Resource {
			continue
		}
		resp.Plugins = append(resp.Plugins, &pulumirpc.PluginDependency{
			Name: p.Name, Version: p.Version, Server: p.Server, Kind: "resource",
		})
	}
	return resp, nil
}

var ansiEscape = regexp.MustCompile("\x1b\\[[0-9;]*[A-Za-z]")

// parseDiscovery finds the JSON list printed by the SDK's discovery main class.
// Maven may surround it with other output, e.g. colour-reset escape sequences
// even in batch/quiet mode, so look for the first line that parses.
func parseDiscovery(out []byte) ([]pluginJSON, bool) {
	for _, line := range strings.Split(ansiEscape.ReplaceAllString(string(out), ""), "\n") {
		line = strings.TrimSpace(line)
		if !strings.HasPrefix(line, "[") {
			continue
		}
		var found []pluginJSON
		if err := json.Unmarshal([]byte(line), &found); err == nil {
			return found, true
		}
	}
	return nil, false
}

func (h *javaHost) env(req *pulumirpc.RunRequest) ([]string, error) {
	return hostenv.Program(req, h.engineAddress, h.tracing)
}

func (h *javaHost) Run(ctx context.Context, req *pulumirpc.RunRequest) (*pulumirpc.RunResponse, error) {
	cmd, err := h.runCommand(req.GetInfo(), req.GetPwd(), "", "")
	if err != nil {
		return nil, err
	}
	env, err := h.env(req)
	if err != nil {
		return nil, err
	}
	args := cmd.args
	if cmd.name == "java" {
		// Program arguments only make sense for `java -jar`; under Maven they
		// would be read as goals.
		args = append(append([]string{}, args...), req.GetArgs()...)
	}
	c := exec.Command(cmd.name, args...)
	c.Dir, c.Env = cmd.dir, env
	// The program's own output is shown by the engine; Maven runs with -q.
	c.Stdout, c.Stderr = os.Stdout, os.Stderr
	if err := c.Run(); err != nil {
		var exitErr *exec.ExitError
		if errors.As(err, &exitErr) && exitErr.ExitCode() == exitAfterLoggingUserMessage {
			return &pulumirpc.RunResponse{Bail: true}, nil
		}
		return &pulumirpc.RunResponse{Error: fmt.Sprintf("%s %s: %v",
			cmd.name, strings.Join(args, " "), err)}, nil
	}
	return &pulumirpc.RunResponse{}, nil
}

func (h *javaHost) InstallDependencies(req *pulumirpc.InstallDependenciesRequest,
	server pulumirpc.LanguageRuntime_InstallDependenciesServer,
) error {
	dir := programDir(req.GetInfo(), req.GetDirectory())
	if stringOption(req.GetInfo(), "binary") != "" || h.defaultBinary != "" {
		return nil // a prebuilt jar has nothing to install
	}
	closer, stdout, stderr, err := rpcutil.MakeInstallDependenciesStreams(server, req.GetIsTerminal())
	if err != nil {
		return err
	}
	defer closer.Close()
	c := exec.Command(mavenBinary(dir), "--batch-mode", "--no-transfer-progress", "compile")
	c.Dir, c.Stdout, c.Stderr = dir, stdout, stderr
	return c.Run()
}

func (h *javaHost) GetProgramDependencies(context.Context,
	*pulumirpc.GetProgramDependenciesRequest,
) (*pulumirpc.GetProgramDependenciesResponse, error) {
	return &pulumirpc.GetProgramDependenciesResponse{}, nil
}

func (h *javaHost) About(context.Context, *pulumirpc.AboutRequest) (*pulumirpc.AboutResponse, error) {
	java, err := exec.LookPath("java")
	if err != nil {
		return nil, fmt.Errorf("could not find java: %w", err)
	}
	out, err := exec.Command(java, "--version").Output()
	if err != nil {
		return nil, fmt.Errorf("java --version: %w", err)
	}
	meta := map[string]string{}
	if mvn, err := exec.Command("mvn", "--version").Output(); err == nil {
		meta["maven"] = firstLine(mvn)
	}
	return &pulumirpc.AboutResponse{Executable: java, Version: firstLine(out), Metadata: meta}, nil
}

func firstLine(b []byte) string {
	s := strings.TrimSpace(string(b))
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	return s
}
