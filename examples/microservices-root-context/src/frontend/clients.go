package main

import (
	"net/http"
	"strings"
)

func loadCatalog() []string { return []string{"mug", "shirt"} }

func addToCart(addr, product string) {
	resp, err := http.Post("http://"+addr+"/items", "text/plain", strings.NewReader(product))
	if err == nil {
		resp.Body.Close()
	}
}

func placeOrder(base string) {
	resp, err := http.Post(base+"/orders", "application/json", nil)
	if err == nil {
		resp.Body.Close()
	}
}
