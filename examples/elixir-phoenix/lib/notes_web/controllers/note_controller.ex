defmodule NotesWeb.NoteController do
  use NotesWeb, :controller

  alias Notes.Notes
  alias Notes.Notes.Note

  action_fallback NotesWeb.FallbackController

  def index(conn, _params), do: render(conn, :index, notes: Notes.list_notes())

  def create(conn, %{"note" => note_params}) do
    with {:ok, %Note{} = note} <- Notes.create_note(note_params) do
      conn
      |> put_status(:created)
      |> put_resp_header("location", "/api/notes/#{note.id}")
      |> render(:show, note: note)
    end
  end

  def show(conn, %{"id" => id}), do: render(conn, :show, note: Notes.get_note!(id))

  def update(conn, %{"id" => id, "note" => note_params}) do
    note = Notes.get_note!(id)

    with {:ok, %Note{} = note} <- Notes.update_note(note, note_params) do
      render(conn, :show, note: note)
    end
  end

  def delete(conn, %{"id" => id}) do
    note = Notes.get_note!(id)

    with {:ok, %Note{}} <- Notes.delete_note(note) do
      send_resp(conn, :no_content, "")
    end
  end
end
