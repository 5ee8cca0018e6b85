defmodule NotesWeb.HealthController do
  use NotesWeb, :controller

  def live(conn, _params), do: json(conn, %{status: "ok"})

  def ready(conn, _params) do
    case Ecto.Adapters.SQL.query(Notes.Repo, "SELECT 1", []) do
      {:ok, _} -> json(conn, %{status: "ok", database: "up"})
      {:error, _} -> conn |> put_status(:service_unavailable) |> json(%{status: "unavailable", database: "down"})
    end
  end
end
