using StackExchange.Redis;

var builder = WebApplication.CreateBuilder(args);
builder.WebHost.UseUrls("http://0.0.0.0:7070");
builder.Services.AddSingleton<IConnectionMultiplexer>(
    _ => ConnectionMultiplexer.Connect(builder.Configuration.GetConnectionString("Cache")!));

var app = builder.Build();

app.MapGet("/healthz", () => Results.Ok());
app.MapGet("/carts/{userId}", async (string userId, IConnectionMultiplexer redis) =>
    Results.Ok(await redis.GetDatabase().ListRangeAsync($"cart:{userId}")));
app.MapPost("/items", async (HttpRequest request, IConnectionMultiplexer redis) =>
{
    using var reader = new StreamReader(request.Body);
    await redis.GetDatabase().ListRightPushAsync("cart:anonymous", await reader.ReadToEndAsync());
    return Results.Accepted();
});

app.Run();
