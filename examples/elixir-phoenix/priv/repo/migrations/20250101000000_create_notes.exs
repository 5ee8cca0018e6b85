defmodule Notes.Repo.Migrations.CreateNotes do
  use Ecto.Migration

  def change do
    create table(:notes) do
      add :title, :string, null: false
      add :body, :text
      add :pinned, :boolean, default: false, null: false

      timestamps(type: :utc_datetime)
    end
  end
end
