defmodule NotesWeb.NoteJSON do
  alias Notes.Notes.Note

  def index(%{notes: notes}), do: %{data: Enum.map(notes, &data/1)}

  def show(%{note: note}), do: %{data: data(note)}

  defp data(%Note{} = note) do
    %{
      id: note.id,
      title: note.title,
      body: note.body,
      pinned: note.pinned,
      inserted_at: note.inserted_at,
      updated_at: note.updated_at
    }
  end
end
