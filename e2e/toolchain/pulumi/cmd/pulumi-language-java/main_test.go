package main

import "testing"

func TestParseDiscoveryIgnoresMavenNoise(t *testing.T) {
	out := "\x1b[0m\x1b[0m[{\"resource\":true,\"name\":\"aws\",\"version\":\"6.83.0\"}," +
		"{\"resource\":true,\"name\":\"kubernetes\",\"version\":\"4.0.0\"}]\n\x1b[0m\x1b[0m\n"
	found, ok := parseDiscovery([]byte(out))
	if !ok || len(found) != 2 || found[0].Name != "aws" || found[1].Version != "4.0.0" || !found[1].Resource {
		t.Fatalf("got %v %+v", ok, found)
	}
	if _, ok := parseDiscovery([]byte("[INFO] nothing here\n")); ok {
		t.Fatal("parsed a non-JSON line")
	}
}
