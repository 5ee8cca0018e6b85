using Npgsql;

namespace Tickets.Api;

public sealed record Ticket(int Id, string Title, string? Description, string Status, DateTimeOffset CreatedAt);

public sealed record NewTicket(string Title, string? Description);

public sealed record StatusChange(string Status);

public static class TicketStatus
{
    public static readonly string[] All = ["open", "in_progress", "resolved", "closed"];

    public static bool IsValid(string? status) => status is not null && All.Contains(status);
}

public sealed class TicketRepository(NpgsqlDataSource dataSource)
{
    private const string Columns = "id, title, description, status, created_at";

    public async Task EnsureSchemaAsync(CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand("""
            CREATE TABLE IF NOT EXISTS tickets (
                id          SERIAL PRIMARY KEY,
                title       TEXT NOT NULL,
                description TEXT,
                status      TEXT NOT NULL DEFAULT 'open',
                created_at  TIMESTAMPTZ NOT NULL DEFAULT now()
            )
            """);
        await cmd.ExecuteNonQueryAsync(ct);
    }

    public async Task<List<Ticket>> ListAsync(string? status, CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand(
            $"SELECT {Columns} FROM tickets WHERE ($1::text IS NULL OR status = $1) ORDER BY id");
        cmd.Parameters.Add(new NpgsqlParameter { Value = (object?)status ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        return await ReadAllAsync(cmd, ct);
    }

    public async Task<Ticket?> GetAsync(int id, CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand($"SELECT {Columns} FROM tickets WHERE id = $1");
        cmd.Parameters.Add(new NpgsqlParameter { Value = id });
        return (await ReadAllAsync(cmd, ct)).FirstOrDefault();
    }

    public async Task<Ticket> CreateAsync(NewTicket input, CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand(
            $"INSERT INTO tickets (title, description) VALUES ($1, $2) RETURNING {Columns}");
        cmd.Parameters.Add(new NpgsqlParameter { Value = input.Title });
        cmd.Parameters.Add(new NpgsqlParameter { Value = (object?)input.Description ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        return (await ReadAllAsync(cmd, ct)).Single();
    }

    public async Task<Ticket?> SetStatusAsync(int id, string status, CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand(
            $"UPDATE tickets SET status = $2 WHERE id = $1 RETURNING {Columns}");
        cmd.Parameters.Add(new NpgsqlParameter { Value = id });
        cmd.Parameters.Add(new NpgsqlParameter { Value = status });
        return (await ReadAllAsync(cmd, ct)).FirstOrDefault();
    }

    public async Task<bool> DeleteAsync(int id, CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand("DELETE FROM tickets WHERE id = $1");
        cmd.Parameters.Add(new NpgsqlParameter { Value = id });
        return await cmd.ExecuteNonQueryAsync(ct) == 1;
    }

    private static async Task<List<Ticket>> ReadAllAsync(NpgsqlCommand cmd, CancellationToken ct)
    {
        var tickets = new List<Ticket>();
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            tickets.Add(new Ticket(
                reader.GetInt32(0),
                reader.GetString(1),
                reader.IsDBNull(2) ? null : reader.GetString(2),
                reader.GetString(3),
                reader.GetFieldValue<DateTimeOffset>(4)));
        }
        return tickets;
    }
}
