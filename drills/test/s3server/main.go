// Command s3server is the drill tests' S3 endpoint: gofakes3 with its filesystem
// backend, so a test can damage an object on disk (a restic pack file, a kopia
// blob) and see the drill notice it.
//
// It only ever listens on a loopback address, on a port the kernel picks; the
// chosen port is written to -portfile once the listener is open, so the caller
// never races another process for a "free" port.
//
// It checks no credentials unless -access-key is given: then a request signed
// with another access key id answers 403 InvalidAccessKeyId, as S3 does (the
// archive reader's wrong-keys case). The signature itself is not verified. The
// drills' wrong-password case is about the repository password, which the S3
// server never sees.
package main

import (
	"errors"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3afero"
)

func main() {
	if err := run(); err != nil {
		log.Fatalf("s3server: %v", err)
	}
}

// listTolerant fixes one way gofakes3 v1.2.0's filesystem backend differs from S3:
// listing a prefix whose directory does not exist yet (restic's first look at
// <repo>/keys/, kopia's at its prefix) answers NoSuchBucket instead of an empty
// list, and restic then retries for minutes. S3 answers an empty list.
type listTolerant struct {
	*s3afero.MultiBucketBackend
}

func (b *listTolerant) ListBucket(bucket string, prefix *gofakes3.Prefix, page gofakes3.ListBucketPage) (*gofakes3.ObjectList, error) {
	list, err := b.MultiBucketBackend.ListBucket(bucket, prefix, page)
	if err != nil && gofakes3.HasErrorCode(err, gofakes3.ErrNoSuchBucket) {
		if exists, existsErr := b.MultiBucketBackend.BucketExists(bucket); existsErr == nil && exists {
			return gofakes3.NewObjectList(), nil
		}
	}
	return list, err
}

func run() error {
	listen := flag.String("listen", "127.0.0.1:0", "loopback address to listen on (port 0: the kernel picks one)")
	root := flag.String("root", "", "directory holding the buckets (objects are plain files under <root>/buckets/<bucket>/<key>)")
	buckets := flag.String("buckets", "", "comma-separated buckets to create at start")
	portFile := flag.String("portfile", "", "file to write the listening port to, once listening")
	quiet := flag.Bool("quiet", true, "do not log every request")
	accessKey := flag.String("access-key", "", "when set, only requests signed with this access key id are served (403 InvalidAccessKeyId otherwise)")
	delayFile := flag.String("delayfile", "", "while this file holds \"<path part> <duration>\", each GET whose URL path contains <path part> waits <duration> first")
	flag.Parse()

	if *root == "" {
		return errors.New("-root is required")
	}
	host, _, err := net.SplitHostPort(*listen)
	if err != nil {
		return fmt.Errorf("-listen %q: %w", *listen, err)
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("-listen %q: only a literal loopback address is allowed", *listen)
	}

	fs, err := s3afero.FsPath(*root, s3afero.FsPathCreateAll)
	if err != nil {
		return err
	}
	multi, err := s3afero.MultiBucket(fs)
	if err != nil {
		return err
	}
	backend := &listTolerant{multi}
	for _, b := range strings.Split(*buckets, ",") {
		if b = strings.TrimSpace(b); b == "" {
			continue
		}
		if err := backend.CreateBucket(b); err != nil && !gofakes3.IsAlreadyExists(err) {
			return fmt.Errorf("create bucket %q: %w", b, err)
		}
	}

	opts := []gofakes3.Option{gofakes3.WithoutVersioning()}
	if !*quiet {
		opts = append(opts, gofakes3.WithGlobalLog())
	}
	faker := gofakes3.New(backend, opts...)

	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		return err
	}
	port := ln.Addr().(*net.TCPAddr).Port
	if *portFile != "" {
		// Write then rename, so a reader never sees a half-written port.
		tmp := *portFile + ".tmp"
		if err := os.WriteFile(tmp, []byte(fmt.Sprintf("%d\n", port)), 0o644); err != nil {
			return err
		}
		if err := os.Rename(tmp, *portFile); err != nil {
			return err
		}
	}
	log.Printf("s3server: serving %s on %s", filepath.Clean(*root), ln.Addr())

	srv := &http.Server{Handler: keyed(delayed(faker.Server(), *delayFile), *accessKey)}
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

// delayed makes chosen GETs slow, so a test can catch restic in the middle of a
// command (a check holding its exclusive lock) without a repository big enough
// to be slow by itself. The file is read on every request: the test switches the
// delay on and off while the server runs.
func delayed(next http.Handler, file string) http.Handler {
	if file == "" {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet {
			if text, err := os.ReadFile(file); err == nil {
				if part, wait, ok := strings.Cut(strings.TrimSpace(string(text)), " "); ok && strings.Contains(r.URL.Path, part) {
					if d, err := time.ParseDuration(strings.TrimSpace(wait)); err == nil {
						select {
						case <-time.After(d):
						case <-r.Context().Done():
							return
						}
					}
				}
			}
		}
		next.ServeHTTP(w, r)
	})
}

// keyed answers 403 to a request not signed with the access key id (SigV4's
// "Credential=<key>/<scope>" in the Authorization header), with S3's error body.
func keyed(next http.Handler, key string) http.Handler {
	if key == "" {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		auth := r.Header.Get("Authorization")
		_, credential, _ := strings.Cut(auth, "Credential=")
		got, _, _ := strings.Cut(credential, "/")
		if got != key {
			w.Header().Set("Content-Type", "application/xml")
			w.WriteHeader(http.StatusForbidden)
			fmt.Fprintf(w, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>InvalidAccessKeyId</Code>"+
				"<Message>The AWS Access Key Id you provided does not exist in our records.</Message><Resource>%s</Resource></Error>", r.URL.Path)
			return
		}
		next.ServeHTTP(w, r)
	})
}
