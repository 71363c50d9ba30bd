// Command s3proxy stands in front of the loopback S3 server (drills/test/s3server) for the database round trips
// (databases/test/run.sh). It does two things the S3 server does not:
//
//   - with -cert/-key it serves TLS: pgBackRest before 2.58 speaks only HTTPS to S3 (README, Endpoints), and
//     Debian bookworm's pgBackRest is 2.45;
//   - with -log it writes one line per request ("METHOD /bucket/key?query status", after a "BEGIN METHOD ..." line
//     when it arrives), so the test can count the
//     multipart uploads (UploadPart: PUT ...?partNumber=N&uploadId=...) the tools made, without trusting the
//     tools' own reports.
//
// It forwards everything else unchanged (the S3 server checks no signatures). It only ever listens on a literal
// loopback address, on a port the kernel picks, written to -portfile once listening; the upstream must be loopback.
package main

import (
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"os/signal"
	"sync"
	"syscall"
)

type recorder struct {
	http.ResponseWriter
	status int
}

func (r *recorder) WriteHeader(code int) {
	r.status = code
	r.ResponseWriter.WriteHeader(code)
}

func main() {
	if err := run(); err != nil {
		log.Fatalf("s3proxy: %v", err)
	}
}

func loopback(hostport string) error {
	host, _, err := net.SplitHostPort(hostport)
	if err != nil {
		return err
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("%q: only a literal loopback address is allowed", hostport)
	}
	return nil
}

func run() error {
	listen := flag.String("listen", "127.0.0.1:0", "loopback address to listen on (port 0: the kernel picks one)")
	upstream := flag.String("upstream", "", "the S3 server, http://127.0.0.1:<port>")
	cert := flag.String("cert", "", "PEM certificate (chain) to serve TLS with; plain HTTP when empty")
	key := flag.String("key", "", "PEM private key of -cert")
	portFile := flag.String("portfile", "", "file to write the listening port to, once listening")
	logFile := flag.String("log", "", "file to append one line per request to")
	flag.Parse()

	target, err := url.Parse(*upstream)
	if err != nil || target.Scheme != "http" {
		return fmt.Errorf("-upstream %q: want http://127.0.0.1:<port>", *upstream)
	}
	if err := loopback(target.Host); err != nil {
		return fmt.Errorf("-upstream: %w", err)
	}
	if err := loopback(*listen); err != nil {
		return fmt.Errorf("-listen: %w", err)
	}

	var mu sync.Mutex
	var out *os.File
	if *logFile != "" {
		if out, err = os.OpenFile(*logFile, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644); err != nil {
			return err
		}
	}
	proxy := httputil.NewSingleHostReverseProxy(target)
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := &recorder{ResponseWriter: w, status: http.StatusOK}
		if out != nil {
			// A request that never completes still shows in the log.
			mu.Lock()
			fmt.Fprintf(out, "BEGIN %s %s\n", r.Method, r.URL.RequestURI())
			mu.Unlock()
		}
		proxy.ServeHTTP(rec, r)
		if out != nil {
			mu.Lock()
			fmt.Fprintf(out, "%s %s %d\n", r.Method, r.URL.RequestURI(), rec.status)
			mu.Unlock()
		}
	})

	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		return err
	}
	if *cert != "" {
		pair, err := tls.LoadX509KeyPair(*cert, *key)
		if err != nil {
			return err
		}
		ln = tls.NewListener(ln, &tls.Config{Certificates: []tls.Certificate{pair}, MinVersion: tls.VersionTLS12})
	}
	if *portFile != "" {
		tmp := *portFile + ".tmp"
		port := ln.Addr().(*net.TCPAddr).Port
		if err := os.WriteFile(tmp, []byte(fmt.Sprintf("%d\n", port)), 0o644); err != nil {
			return err
		}
		if err := os.Rename(tmp, *portFile); err != nil {
			return err
		}
	}
	log.Printf("s3proxy: %s (tls=%t) -> %s", ln.Addr(), *cert != "", target)

	srv := &http.Server{Handler: handler}
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGTERM, syscall.SIGINT)
	go func() {
		<-stop
		_ = srv.Close()
	}()
	if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
