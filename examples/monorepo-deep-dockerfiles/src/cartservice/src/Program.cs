var builder = WebApplication.CreateBuilder(args);
var app = builder.Build();

app.MapGet("/healthz", () => Results.Ok());
app.MapGet("/carts/{userId}", (string userId) => Results.Ok(new { userId, items = Array.Empty<string>() }));

app.Run();
