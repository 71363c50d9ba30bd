// Command s3server is the drill tests' S3 endpoint: gofakes3 with its filesystem
// backend, so a test can damage an object on disk (a restic pack file, a kopia
// blob) and see the drill notice it.
//
// It only ever listens on a loopback address, on a port the kernel picks; the
// chosen port is written to -portfile once the listener is open, so the caller
// never races another process for a "free" port.
//
// It checks no credentials unless -access-key and -secret-key are given: then
// it verifies each request's SigV4 signature and answers 403 as S3 does to a
// wrong key (the archive reader's tests: keyed). The drills' wrong-password
// case is about the repository password, which the S3 server never sees.
package main

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"sort"
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
	accessKey := flag.String("access-key", "", "when set, only requests SigV4-signed with this key pair are served (403 otherwise)")
	secretKey := flag.String("secret-key", "", "the secret key of -access-key")
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

	srv := &http.Server{Handler: keyed(delayed(faker.Server(), *delayFile), *accessKey, *secretKey)}
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

// keyed serves only requests signed with SigV4 by the key pair (-access-key,
// -secret-key): another access key id answers 403 InvalidAccessKeyId, a wrong
// signature 403 SignatureDoesNotMatch, with S3's error body. The signature is
// recomputed from the request as it arrived (the path as sent, the query, the
// signed headers with the Host the client sent, x-amz-content-sha256 as the
// payload hash), so a client's canonical request is checked against what it
// really sent. Only the Authorization-header form is accepted.
func keyed(next http.Handler, key, secret string) http.Handler {
	if key == "" {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if code, message := checkSignature(r, key, secret); code != "" {
			w.Header().Set("Content-Type", "application/xml")
			w.WriteHeader(http.StatusForbidden)
			fmt.Fprintf(w, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>%s</Code><Message>%s</Message><Resource>%s</Resource></Error>",
				code, message, r.URL.Path)
			return
		}
		next.ServeHTTP(w, r)
	})
}

func checkSignature(r *http.Request, key, secret string) (code, message string) {
	auth, ok := strings.CutPrefix(r.Header.Get("Authorization"), "AWS4-HMAC-SHA256 ")
	if !ok {
		return "AccessDenied", "Only AWS4-HMAC-SHA256 in the Authorization header is accepted."
	}
	fields := map[string]string{}
	for _, part := range strings.Split(auth, ",") {
		if k, v, ok := strings.Cut(strings.TrimSpace(part), "="); ok {
			fields[k] = v
		}
	}
	scope := strings.Split(fields["Credential"], "/")
	if len(scope) != 5 || scope[0] != key {
		return "InvalidAccessKeyId", "The AWS Access Key Id you provided does not exist in our records."
	}
	date := r.Header.Get("X-Amz-Date")
	var headers strings.Builder
	for _, name := range strings.Split(fields["SignedHeaders"], ";") {
		value := strings.Join(r.Header.Values(name), ",")
		if name == "host" {
			value = r.Host
		}
		headers.WriteString(name + ":" + strings.Join(strings.Fields(value), " ") + "\n")
	}
	query := r.URL.Query()
	var pairs []string
	for k, vs := range query {
		for _, v := range vs {
			pairs = append(pairs, awsEscape(k)+"="+awsEscape(v))
		}
	}
	sort.Strings(pairs)
	canonical := strings.Join([]string{r.Method, r.URL.EscapedPath(), strings.Join(pairs, "&"), headers.String(),
		fields["SignedHeaders"], r.Header.Get("X-Amz-Content-Sha256")}, "\n")
	sum := sha256.Sum256([]byte(canonical))
	toSign := strings.Join([]string{"AWS4-HMAC-SHA256", date, strings.Join(scope[1:], "/"), hex.EncodeToString(sum[:])}, "\n")
	k := hmacSHA256([]byte("AWS4"+secret), scope[1])
	for _, part := range scope[2:] {
		k = hmacSHA256(k, part)
	}
	if !hmac.Equal([]byte(hex.EncodeToString(hmacSHA256(k, toSign))), []byte(fields["Signature"])) {
		return "SignatureDoesNotMatch", "The request signature we calculated does not match the signature you provided."
	}
	return "", ""
}

func hmacSHA256(key []byte, data string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(data))
	return m.Sum(nil)
}

// awsEscape is SigV4's URI encoding: every byte but A-Z a-z 0-9 - _ . ~ as %XX.
func awsEscape(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.' || c == '~' {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}
