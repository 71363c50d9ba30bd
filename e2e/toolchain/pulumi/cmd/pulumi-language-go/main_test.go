package main

import (
	"os"
	"path/filepath"
	"testing"

	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/protobuf/types/known/structpb"
)

func info(t *testing.T, dir string, opts map[string]any) *pulumirpc.ProgramInfo {
	s, err := structpb.NewStruct(opts)
	if err != nil {
		t.Fatal(err)
	}
	return &pulumirpc.ProgramInfo{ProgramDirectory: dir, Options: s}
}

func TestBinaryPathResolvesTheRuntimeOption(t *testing.T) {
	dir := t.TempDir()
	prog := filepath.Join(dir, "prog")
	if err := os.WriteFile(prog, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	if got, err := binaryPath(info(t, dir, map[string]any{"binary": "prog"})); err != nil || got != prog {
		t.Fatalf("relative: %q %v", got, err)
	}
	if got, err := binaryPath(info(t, "/elsewhere", map[string]any{"binary": prog})); err != nil || got != prog {
		t.Fatalf("absolute: %q %v", got, err)
	}
	if _, err := binaryPath(info(t, dir, map[string]any{})); err == nil {
		t.Fatal("no binary option accepted")
	}
	if _, err := binaryPath(info(t, dir, map[string]any{"binary": 3.0})); err == nil {
		t.Fatal("non-string binary option accepted")
	}
}
