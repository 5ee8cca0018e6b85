package main

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"regexp"
	"sort"
	"sync"
	"sync/atomic"
)

// Item is the stock level of one SKU.
type Item struct {
	SKU       string `json:"sku"`
	Name      string `json:"name"`
	Available int    `json:"available"`
	Reserved  int    `json:"reserved"`
}

var (
	errNotFound     = errors.New("item not found")
	errInsufficient = errors.New("insufficient stock")
	skuPattern      = regexp.MustCompile(`^[A-Z0-9][A-Z0-9-]{0,31}$`)
)

// Store keeps items in memory, safe for concurrent use.
type Store struct {
	mu    sync.RWMutex
	items map[string]Item
}

func NewStore() *Store { return &Store{items: map[string]Item{}} }

func (s *Store) List() []Item {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make([]Item, 0, len(s.items))
	for _, it := range s.items {
		out = append(out, it)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].SKU < out[j].SKU })
	return out
}

func (s *Store) Get(sku string) (Item, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	it, ok := s.items[sku]
	if !ok {
		return Item{}, errNotFound
	}
	return it, nil
}

func (s *Store) Put(it Item) {
	s.mu.Lock()
	defer s.mu.Unlock()
	it.Reserved = s.items[it.SKU].Reserved
	s.items[it.SKU] = it
}

func (s *Store) Delete(sku string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.items[sku]
	delete(s.items, sku)
	return ok
}

func (s *Store) Reserve(sku string, qty int) (Item, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	it, ok := s.items[sku]
	if !ok {
		return Item{}, errNotFound
	}
	if it.Available < qty {
		return it, errInsufficient
	}
	it.Available -= qty
	it.Reserved += qty
	s.items[sku] = it
	return it, nil
}

// API holds the HTTP handlers.
type API struct {
	store    *Store
	metrics  *metrics
	logger   *slog.Logger
	draining atomic.Bool
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]string{"error": msg})
}

func (a *API) healthz(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

func (a *API) readyz(w http.ResponseWriter, _ *http.Request) {
	if a.draining.Load() {
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "draining"})
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

func (a *API) listItems(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, a.store.List())
}

func (a *API) getItem(w http.ResponseWriter, r *http.Request) {
	it, err := a.store.Get(r.PathValue("sku"))
	if err != nil {
		writeError(w, http.StatusNotFound, err.Error())
		return
	}
	writeJSON(w, http.StatusOK, it)
}

func (a *API) putItem(w http.ResponseWriter, r *http.Request) {
	sku := r.PathValue("sku")
	if !skuPattern.MatchString(sku) {
		writeError(w, http.StatusBadRequest, "sku must match "+skuPattern.String())
		return
	}
	var body struct {
		Name      string `json:"name"`
		Available int    `json:"available"`
	}
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<16)).Decode(&body); err != nil || body.Available < 0 {
		writeError(w, http.StatusBadRequest, `body must be {"name": "...", "available": N >= 0}`)
		return
	}
	a.store.Put(Item{SKU: sku, Name: body.Name, Available: body.Available})
	it, _ := a.store.Get(sku)
	writeJSON(w, http.StatusOK, it)
}

func (a *API) deleteItem(w http.ResponseWriter, r *http.Request) {
	if !a.store.Delete(r.PathValue("sku")) {
		writeError(w, http.StatusNotFound, errNotFound.Error())
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (a *API) reserve(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Quantity int `json:"quantity"`
	}
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<16)).Decode(&body); err != nil || body.Quantity <= 0 {
		writeError(w, http.StatusBadRequest, `body must be {"quantity": N > 0}`)
		return
	}
	it, err := a.store.Reserve(r.PathValue("sku"), body.Quantity)
	switch {
	case errors.Is(err, errNotFound):
		writeError(w, http.StatusNotFound, err.Error())
	case errors.Is(err, errInsufficient):
		writeError(w, http.StatusConflict, err.Error())
	default:
		a.metrics.reserved.Add(float64(body.Quantity))
		a.logger.Info("reserved", "sku", it.SKU, "quantity", body.Quantity)
		writeJSON(w, http.StatusCreated, it)
	}
}
