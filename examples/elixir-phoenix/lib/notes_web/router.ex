defmodule NotesWeb.Router do
  use NotesWeb, :router

  pipeline :api do
    plug :accepts, ["json"]
  end

  scope "/", NotesWeb do
    get "/healthz", HealthController, :live
    get "/readyz", HealthController, :ready
  end

  scope "/api", NotesWeb do
    pipe_through :api

    resources "/notes", NoteController, except: [:new, :edit]
  end
end
