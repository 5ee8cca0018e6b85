package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/gin-gonic/gin"
)

type Order struct {
	ID          int       `json:"id"`
	Customer    string    `json:"customer"`
	AmountCents int       `json:"amount_cents"`
	Currency    string    `json:"currency"`
	Status      string    `json:"status"`
	PaymentID   string    `json:"payment_id,omitempty"`
	CreatedAt   time.Time `json:"created_at"`
}

type Store struct {
	mu     sync.Mutex
	nextID int
	orders map[int]Order
}

func NewStore() *Store { return &Store{nextID: 1, orders: map[int]Order{}} }

func (s *Store) Add(o Order) Order {
	s.mu.Lock()
	defer s.mu.Unlock()
	o.ID = s.nextID
	s.nextID++
	s.orders[o.ID] = o
	return o
}

func (s *Store) Get(id int) (Order, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	o, ok := s.orders[id]
	return o, ok
}

func (s *Store) Update(o Order) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.orders[o.ID] = o
}

func (s *Store) List() []Order {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Order, 0, len(s.orders))
	for _, o := range s.orders {
		out = append(out, o)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// PaymentsClient calls the payments service over HTTP.
type PaymentsClient struct {
	BaseURL string
	HTTP    *http.Client
}

func (p *PaymentsClient) Charge(ctx context.Context, o Order) (string, error) {
	body, _ := json.Marshal(map[string]any{
		"order_id": o.ID, "amount_cents": o.AmountCents, "currency": o.Currency,
	})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.BaseURL+"/payments", bytes.NewReader(body))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Idempotency-Key", "order-"+strconv.Itoa(o.ID))
	resp, err := p.HTTP.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusCreated && resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("payments returned %s", resp.Status)
	}
	var out struct {
		ID string `json:"id"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		return "", err
	}
	return out.ID, nil
}

func (p *PaymentsClient) Healthy(ctx context.Context) bool {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, p.BaseURL+"/healthz", nil)
	if err != nil {
		return false
	}
	resp, err := p.HTTP.Do(req)
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

type Handlers struct {
	store    *Store
	payments *PaymentsClient
}

func (h *Handlers) Ready(c *gin.Context) {
	if !h.payments.Healthy(c.Request.Context()) {
		c.JSON(http.StatusServiceUnavailable, gin.H{"status": "unavailable", "payments": "down"})
		return
	}
	c.JSON(http.StatusOK, gin.H{"status": "ok", "payments": "up"})
}

func (h *Handlers) ListOrders(c *gin.Context) {
	c.JSON(http.StatusOK, h.store.List())
}

func (h *Handlers) CreateOrder(c *gin.Context) {
	var in struct {
		Customer    string `json:"customer" binding:"required"`
		AmountCents int    `json:"amount_cents" binding:"required,gt=0"`
		Currency    string `json:"currency" binding:"omitempty,len=3"`
	}
	if err := c.ShouldBindJSON(&in); err != nil {
		c.JSON(http.StatusBadRequest, gin.H{"error": err.Error()})
		return
	}
	if in.Currency == "" {
		in.Currency = "EUR"
	}
	o := h.store.Add(Order{
		Customer: in.Customer, AmountCents: in.AmountCents, Currency: in.Currency,
		Status: "created", CreatedAt: time.Now().UTC(),
	})
	c.Header("Location", "/api/v1/orders/"+strconv.Itoa(o.ID))
	c.JSON(http.StatusCreated, o)
}

func (h *Handlers) order(c *gin.Context) (Order, bool) {
	id, err := strconv.Atoi(c.Param("id"))
	if err != nil {
		c.JSON(http.StatusBadRequest, gin.H{"error": "id must be an integer"})
		return Order{}, false
	}
	o, ok := h.store.Get(id)
	if !ok {
		c.JSON(http.StatusNotFound, gin.H{"error": "order not found"})
	}
	return o, ok
}

func (h *Handlers) GetOrder(c *gin.Context) {
	if o, ok := h.order(c); ok {
		c.JSON(http.StatusOK, o)
	}
}

func (h *Handlers) PayOrder(c *gin.Context) {
	o, ok := h.order(c)
	if !ok {
		return
	}
	if o.Status != "created" {
		c.JSON(http.StatusConflict, gin.H{"error": "order is " + o.Status})
		return
	}
	paymentID, err := h.payments.Charge(c.Request.Context(), o)
	if err != nil {
		c.JSON(http.StatusBadGateway, gin.H{"error": err.Error()})
		return
	}
	o.Status, o.PaymentID = "paid", paymentID
	h.store.Update(o)
	c.JSON(http.StatusOK, o)
}

func (h *Handlers) CancelOrder(c *gin.Context) {
	o, ok := h.order(c)
	if !ok {
		return
	}
	if o.Status == "paid" {
		c.JSON(http.StatusConflict, gin.H{"error": "paid orders cannot be cancelled"})
		return
	}
	o.Status = "cancelled"
	h.store.Update(o)
	c.Status(http.StatusNoContent)
}
