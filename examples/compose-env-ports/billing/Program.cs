var builder = WebApplication.CreateBuilder(args);
builder.Services.AddHealthChecks();
var app = builder.Build();

app.MapHealthChecks("/healthz");
app.MapGet("/api/invoices/{id}", (int id) => Results.Ok(new { id, currency = Environment.GetEnvironmentVariable("BILLING_CURRENCY") }));

app.Run();
