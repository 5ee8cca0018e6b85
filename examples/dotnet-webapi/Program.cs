using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;
using Tickets.Api;

var builder = WebApplication.CreateBuilder(args);

var port = builder.Configuration["PORT"] ?? "8080";
builder.WebHost.UseUrls($"http://0.0.0.0:{port}");

var connectionString = builder.Configuration.GetConnectionString("Tickets")
    ?? throw new InvalidOperationException("ConnectionStrings:Tickets is not set");

builder.Services.AddSingleton(_ => NpgsqlDataSource.Create(connectionString));
builder.Services.AddSingleton<TicketRepository>();
builder.Services.AddProblemDetails();
builder.Services.AddHealthChecks()
    .AddCheck("self", () => HealthCheckResult.Healthy(), tags: ["live"])
    .AddNpgSql(connectionString, name: "postgres", tags: ["ready"]);

var app = builder.Build();

app.UseExceptionHandler();

app.MapHealthChecks("/healthz", new HealthCheckOptions { Predicate = check => check.Tags.Contains("live") });
app.MapHealthChecks("/readyz", new HealthCheckOptions { Predicate = check => check.Tags.Contains("ready") });

var tickets = app.MapGroup("/api/tickets").WithTags("Tickets");

tickets.MapGet("/", async (string? status, TicketRepository repo, CancellationToken ct) =>
    Results.Ok(await repo.ListAsync(status, ct)));

tickets.MapGet("/{id:int}", async (int id, TicketRepository repo, CancellationToken ct) =>
    await repo.GetAsync(id, ct) is { } ticket ? Results.Ok(ticket) : Results.NotFound());

tickets.MapPost("/", async (NewTicket input, TicketRepository repo, CancellationToken ct) =>
{
    if (string.IsNullOrWhiteSpace(input.Title))
    {
        return Results.ValidationProblem(new Dictionary<string, string[]> { ["title"] = ["Title is required."] });
    }
    var ticket = await repo.CreateAsync(input, ct);
    return Results.Created($"/api/tickets/{ticket.Id}", ticket);
});

tickets.MapPut("/{id:int}/status", async (int id, StatusChange change, TicketRepository repo, CancellationToken ct) =>
{
    if (!TicketStatus.IsValid(change.Status))
    {
        return Results.ValidationProblem(new Dictionary<string, string[]> { ["status"] = [$"Status must be one of: {string.Join(", ", TicketStatus.All)}."] });
    }
    return await repo.SetStatusAsync(id, change.Status, ct) is { } ticket ? Results.Ok(ticket) : Results.NotFound();
});

tickets.MapDelete("/{id:int}", async (int id, TicketRepository repo, CancellationToken ct) =>
    await repo.DeleteAsync(id, ct) ? Results.NoContent() : Results.NotFound());

try
{
    await app.Services.GetRequiredService<TicketRepository>().EnsureSchemaAsync(CancellationToken.None);
}
catch (NpgsqlException ex)
{
    app.Logger.LogWarning(ex, "Database not reachable at startup; /readyz will report it");
}

app.Run();
