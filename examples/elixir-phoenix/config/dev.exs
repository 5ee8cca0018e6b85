import Config

config :notes, Notes.Repo,
  username: "postgres",
  hostname: "localhost",
  database: "notes_dev",
  pool_size: 10

config :notes, NotesWeb.Endpoint,
  http: [ip: {127, 0, 0, 1}, port: 4000],
  debug_errors: true,
  # Development only: a fresh random key each boot (the API keeps no sessions); production reads
  # SECRET_KEY_BASE in runtime.exs.
  secret_key_base: Base.encode64(:crypto.strong_rand_bytes(48))

config :phoenix, :plug_init_mode, :runtime
