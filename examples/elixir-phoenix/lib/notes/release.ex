defmodule Notes.Release do
  @moduledoc "Tasks run from the release, e.g. `bin/notes eval Notes.Release.migrate()`."
  @app :notes

  def migrate do
    Application.load(@app)

    for repo <- Application.fetch_env!(@app, :ecto_repos) do
      {:ok, _, _} = Ecto.Migrator.with_repo(repo, &Ecto.Migrator.run(&1, :up, all: true))
    end
  end
end
