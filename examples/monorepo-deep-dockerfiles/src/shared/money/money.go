// Package money adds and compares amounts of money in minor units.
package money

// Amount is an amount in minor units of a currency.
type Amount struct {
	Currency string
	Units    int64
}

// Add sums two amounts of the same currency.
func Add(a, b Amount) Amount { return Amount{Currency: a.Currency, Units: a.Units + b.Units} }
