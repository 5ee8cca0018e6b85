defmodule Notes.Application do
  @moduledoc false
  use Application

  @impl true
  def start(_type, _args) do
    children = [
      NotesWeb.Telemetry,
      Notes.Repo,
      {Phoenix.PubSub, name: Notes.PubSub},
      NotesWeb.Endpoint
    ]

    Supervisor.start_link(children, strategy: :one_for_one, name: Notes.Supervisor)
  end

  @impl true
  def config_change(changed, _new, removed) do
    NotesWeb.Endpoint.config_change(changed, removed)
    :ok
  end
end
