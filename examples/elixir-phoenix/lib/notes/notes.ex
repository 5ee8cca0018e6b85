defmodule Notes.Notes do
  @moduledoc "The notes context."
  import Ecto.Query, warn: false

  alias Notes.Notes.Note
  alias Notes.Repo

  def list_notes, do: Repo.all(from n in Note, order_by: [desc: n.inserted_at])

  def get_note!(id), do: Repo.get!(Note, id)

  def create_note(attrs), do: %Note{} |> Note.changeset(attrs) |> Repo.insert()

  def update_note(%Note{} = note, attrs), do: note |> Note.changeset(attrs) |> Repo.update()

  def delete_note(%Note{} = note), do: Repo.delete(note)
end
