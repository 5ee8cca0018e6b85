module example.com/boutique/shippingservice

go 1.22
