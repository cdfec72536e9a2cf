// Command redfish-sim runs the Redfish BMC simulator from
// test/redfishsim until it receives SIGINT or SIGTERM.
//
// It prints, on stdout, the service URL, then one line per system with its
// path (Ironic's redfish_system_id) and MAC address, then "ready":
//
//	url http://127.0.0.1:8000
//	system sys-0 /redfish/v1/Systems/sys-0 52:54:00:00:00:00
//	ready
//
// With -tls the CA certificate is written to the file given by -cacert
// (default: not written) and a "cacert <file>" line is printed before
// "ready".
package main

import (
	"flag"
	"fmt"
	"log"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/metalkube/metalkube/test/redfishsim"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8000", "listen address (host:port; port 0 picks a free one)")
	systems := flag.Int("systems", 1, "number of systems (sys-0 .. sys-N-1)")
	username := flag.String("username", "", "Basic auth / session user name (empty: no authentication)")
	password := flag.String("password", "", "password for -username")
	useTLS := flag.Bool("tls", false, "serve HTTPS with a self-signed certificate")
	caCert := flag.String("cacert", "", "with -tls, write the CA certificate (PEM) to this file")
	powerDelay := flag.Duration("power-delay", 0, "delay before a reset takes effect")
	verbose := flag.Bool("v", false, "log every request on stderr")
	flag.Parse()
	log.SetFlags(log.Ltime | log.Lmicroseconds)
	log.SetPrefix("redfish-sim: ")

	opts := redfishsim.Options{
		Systems:    *systems,
		Username:   *username,
		Password:   *password,
		TLS:        *useTLS,
		Addr:       *addr,
		PowerDelay: *powerDelay,
	}
	if *verbose {
		opts.Logf = log.Printf
	}
	sim, err := redfishsim.Start(opts)
	if err != nil {
		log.Fatal(err)
	}

	fmt.Printf("url %s\n", sim.URL())
	for _, id := range sim.SystemIDs() {
		fmt.Printf("system %s %s %s\n", id, sim.SystemPath(id), strings.Join(sim.MACs(id), ","))
	}
	if *useTLS && *caCert != "" {
		if err := os.WriteFile(*caCert, sim.CACertPEM(), 0o644); err != nil {
			_ = sim.Close()
			log.Fatal(err)
		}
		fmt.Printf("cacert %s\n", *caCert)
	}
	fmt.Println("ready")

	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGINT, syscall.SIGTERM)
	sig := <-stop
	log.Printf("%v: served %d requests, stopping", sig, sim.Requests())
	done := make(chan error, 1)
	go func() { done <- sim.Close() }()
	select {
	case err := <-done:
		if err != nil {
			log.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		log.Fatal("timed out stopping")
	}
}
