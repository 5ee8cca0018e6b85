// Command loadgen drives the webhook benchmark against the testbed (standard library only).
//
//	loadgen create  -server URL -ca F -cert F -key F -namespace NS -prefix P -clients N
//	                -creates M [-interval D] < deployment.json
//	    N clients, each with its own connection, each creating M Deployments (the JSON template
//	    from stdin, metadata.name replaced). -interval 0 sends back to back (a closed loop);
//	    otherwise each client starts one create per interval (paced, open loop per client).
//	    Prints {"latencies_ms": [...], "failures": K} on stdout.
//	loadgen review -url URL -ca F -streams N -requests M [-interval D] < review.json
//	    Plays the API server against one webhook: one HTTP/2 connection, N concurrent streams,
//	    M AdmissionReviews in all (the JSON from stdin, request.uid made unique); -interval 0
//	    sends back to back, otherwise each stream sends one review per interval.
//	    Prints {"latencies_ms": [...], "failures": K, "seconds": S} on stdout.
//	loadgen noop-webhook -cert F -key F [-addr 127.0.0.1:0] [-http1]
//	    An admission webhook that allows everything: the floor of what any webhook adds.
//	    Prints the port on stdout, then serves until killed; GET /count: reviews answered.
package main

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"sync"
	"sync/atomic"
	"time"
)

func main() {
	if len(os.Args) < 2 {
		fail("usage: loadgen create|noop-webhook [flags]")
	}
	switch os.Args[1] {
	case "create":
		create(os.Args[2:])
	case "review":
		reviews(os.Args[2:])
	case "noop-webhook":
		noopWebhook(os.Args[2:])
	default:
		fail("unknown command " + os.Args[1])
	}
}

func fail(message string) {
	fmt.Fprintln(os.Stderr, "loadgen:", message)
	os.Exit(2)
}

func create(args []string) {
	flags := flag.NewFlagSet("create", flag.ExitOnError)
	server := flags.String("server", "", "API server URL")
	caFile := flags.String("ca", "", "CA bundle")
	certFile := flags.String("cert", "", "client certificate")
	keyFile := flags.String("key", "", "client key")
	namespace := flags.String("namespace", "", "namespace")
	prefix := flags.String("prefix", "bench", "name prefix")
	clients := flags.Int("clients", 100, "concurrent clients")
	creates := flags.Int("creates", 10, "creates per client")
	interval := flags.Duration("interval", 0, "per-client pacing (0: back to back)")
	_ = flags.Parse(args)

	var template map[string]any
	if err := json.NewDecoder(os.Stdin).Decode(&template); err != nil {
		fail("template: " + err.Error())
	}
	config := clientTLS(*caFile, *certFile, *keyFile)
	url := fmt.Sprintf("%s/apis/apps/v1/namespaces/%s/deployments", *server, *namespace)

	var mu sync.Mutex
	latencies := make([]float64, 0, *clients**creates)
	failures := 0
	var wg sync.WaitGroup
	start := time.Now()
	for c := 0; c < *clients; c++ {
		wg.Add(1)
		go func(c int) {
			defer wg.Done()
			transport := &http.Transport{TLSClientConfig: config.Clone(), ForceAttemptHTTP2: true}
			client := &http.Client{Transport: transport, Timeout: 60 * time.Second}
			defer transport.CloseIdleConnections()
			// spread the paced clients' first requests over one interval
			next := start
			if *interval > 0 {
				next = start.Add(time.Duration(int64(*interval) * int64(c) / int64(*clients)))
			}
			for n := 0; n < *creates; n++ {
				if *interval > 0 {
					time.Sleep(time.Until(next))
					next = next.Add(*interval)
				}
				body := named(template, fmt.Sprintf("%s-%d-%d", *prefix, c, n))
				began := time.Now()
				response, err := client.Post(url, "application/json", bytes.NewReader(body))
				elapsed := time.Since(began)
				ok := err == nil && response.StatusCode == http.StatusCreated
				if err == nil {
					_, _ = io.Copy(io.Discard, response.Body)
					response.Body.Close()
				}
				mu.Lock()
				if ok {
					latencies = append(latencies, float64(elapsed.Microseconds())/1000)
				} else {
					failures++
				}
				mu.Unlock()
			}
		}(c)
	}
	wg.Wait()
	_ = json.NewEncoder(os.Stdout).Encode(map[string]any{"latencies_ms": latencies, "failures": failures})
}

func reviews(args []string) {
	flags := flag.NewFlagSet("review", flag.ExitOnError)
	url := flags.String("url", "", "webhook URL")
	caFile := flags.String("ca", "", "CA bundle")
	streams := flags.Int("streams", 100, "concurrent streams")
	requests := flags.Int("requests", 5000, "reviews in all")
	interval := flags.Duration("interval", 0, "per-stream pacing (0: back to back)")
	_ = flags.Parse(args)

	var template map[string]any
	if err := json.NewDecoder(os.Stdin).Decode(&template); err != nil {
		fail("template: " + err.Error())
	}
	pem, err := os.ReadFile(*caFile)
	if err != nil {
		fail("ca: " + err.Error())
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(pem)
	transport := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}, ForceAttemptHTTP2: true,
		MaxConnsPerHost: 1, MaxIdleConnsPerHost: 1}
	client := &http.Client{Transport: transport, Timeout: 30 * time.Second}
	var mu sync.Mutex
	latencies := make([]float64, 0, *requests)
	failures := 0
	var sent atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for s := 0; s < *streams; s++ {
		wg.Add(1)
		go func(s int) {
			defer wg.Done()
			next := start
			if *interval > 0 {
				next = start.Add(time.Duration(int64(*interval) * int64(s) / int64(*streams)))
			}
			for {
				n := sent.Add(1)
				if n > int64(*requests) {
					return
				}
				if *interval > 0 {
					time.Sleep(time.Until(next))
					next = next.Add(*interval)
				}
				request, _ := template["request"].(map[string]any)
				copied := map[string]any{}
				for k, v := range request {
					copied[k] = v
				}
				copied["uid"] = fmt.Sprintf("uid-%d", n)
				body, _ := json.Marshal(map[string]any{"apiVersion": template["apiVersion"],
					"kind": template["kind"], "request": copied})
				began := time.Now()
				response, err := client.Post(*url, "application/json", bytes.NewReader(body))
				elapsed := time.Since(began)
				ok := err == nil && response.StatusCode == http.StatusOK && response.ProtoMajor == 2
				if err == nil {
					_, _ = io.Copy(io.Discard, response.Body)
					response.Body.Close()
				}
				mu.Lock()
				if ok {
					latencies = append(latencies, float64(elapsed.Microseconds())/1000)
				} else {
					failures++
				}
				mu.Unlock()
			}
		}(s)
	}
	wg.Wait()
	_ = json.NewEncoder(os.Stdout).Encode(map[string]any{"latencies_ms": latencies, "failures": failures,
		"seconds": time.Since(start).Seconds()})
}

func named(template map[string]any, name string) []byte {
	meta, _ := template["metadata"].(map[string]any)
	copied := map[string]any{}
	for k, v := range meta {
		copied[k] = v
	}
	copied["name"] = name
	object := map[string]any{}
	for k, v := range template {
		object[k] = v
	}
	object["metadata"] = copied
	body, _ := json.Marshal(object)
	return body
}

func clientTLS(caFile, certFile, keyFile string) *tls.Config {
	pem, err := os.ReadFile(caFile)
	if err != nil {
		fail("ca: " + err.Error())
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(pem)
	pair, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		fail("client certificate: " + err.Error())
	}
	return &tls.Config{RootCAs: pool, Certificates: []tls.Certificate{pair}, MinVersion: tls.VersionTLS12}
}

type review struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Request    struct {
		UID string `json:"uid"`
	} `json:"request"`
}

func noopWebhook(args []string) {
	flags := flag.NewFlagSet("noop-webhook", flag.ExitOnError)
	certFile := flags.String("cert", "", "serving certificate")
	keyFile := flags.String("key", "", "serving key")
	addr := flags.String("addr", "127.0.0.1:0", "listen address")
	http1 := flags.Bool("http1", false, "HTTP/1.1 only (no HTTP/2), like a Python webhook")
	_ = flags.Parse(args)

	pair, err := tls.LoadX509KeyPair(*certFile, *keyFile)
	if err != nil {
		fail("serving certificate: " + err.Error())
	}
	listener, err := net.Listen("tcp", *addr)
	if err != nil {
		fail(err.Error())
	}
	fmt.Println(listener.Addr().(*net.TCPAddr).Port)
	var answered atomic.Int64
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet && r.URL.Path == "/count" {
			fmt.Fprintln(w, answered.Load())
			return
		}
		var in review
		if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
			http.Error(w, "expected an AdmissionReview", http.StatusBadRequest)
			return
		}
		answered.Add(1)
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{
			"apiVersion": "admission.k8s.io/v1",
			"kind":       "AdmissionReview",
			"response":   map[string]any{"uid": in.Request.UID, "allowed": true},
		})
	})
	server := &http.Server{Handler: handler, TLSConfig: &tls.Config{Certificates: []tls.Certificate{pair}}}
	if *http1 {
		server.TLSNextProto = map[string]func(*http.Server, *tls.Conn, http.Handler){}
	}
	fail(server.ServeTLS(listener, "", "").Error())
}
