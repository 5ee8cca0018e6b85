// Command shippingservice quotes and ships orders.
package main

import (
	"fmt"
	"log"
	"net/http"
	"os"
)

func main() {
	port := os.Getenv("PORT")
	if port == "" {
		port = "50051"
	}
	http.HandleFunc("/healthz", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusOK) })
	http.HandleFunc("/quote", func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, `{"usd": 8.99}`) })
	log.Fatal(http.ListenAndServe(":"+port, nil))
}
