// Command frontend serves the boutique's storefront and talks to the cart and checkout.
package main

import (
	"encoding/json"
	"log"
	"net/http"
	"os"
)

func getenv(key, fallback string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return fallback
}

func main() {
	cart := getenv("CART_SERVICE_ADDR", "cart:7070")
	checkout := getenv("CHECKOUT_SERVICE_URL", "http://checkout:5050/api")
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusOK)
	})
	mux.HandleFunc("GET /products", func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode(loadCatalog())
	})
	mux.HandleFunc("POST /cart/{product}", func(w http.ResponseWriter, r *http.Request) {
		addToCart(cart, r.PathValue("product"))
		w.WriteHeader(http.StatusAccepted)
	})
	mux.HandleFunc("POST /checkout", func(w http.ResponseWriter, r *http.Request) {
		placeOrder(checkout)
		w.WriteHeader(http.StatusCreated)
	})
	log.Fatal(http.ListenAndServe(":"+getenv("PORT", "8080"), mux))
}
