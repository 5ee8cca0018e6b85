module example.com/inventory

go 1.22

require (
	google.golang.org/grpc v1.64.0
	google.golang.org/protobuf v1.34.1
	github.com/jackc/pgx/v5 v5.6.0
)
