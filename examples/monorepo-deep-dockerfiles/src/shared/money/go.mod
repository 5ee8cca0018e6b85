module example.com/boutique/shared/money

go 1.22
