import Config

config :notes, Notes.Repo,
  username: "postgres",
  hostname: "localhost",
  database: "notes_test",
  pool: Ecto.Adapters.SQL.Sandbox

config :notes, NotesWeb.Endpoint,
  http: [ip: {127, 0, 0, 1}, port: 4002],
  # Test only: a fresh random key each boot (the API keeps no sessions); production reads
  # SECRET_KEY_BASE in runtime.exs.
  secret_key_base: Base.encode64(:crypto.strong_rand_bytes(48)),
  server: false

config :logger, level: :warning
