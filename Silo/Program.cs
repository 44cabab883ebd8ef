using Zones.Silo.Hosting;
using Zones.Silo.Observability;

var builder = WebApplication.CreateBuilder(args);
builder.AddZonesObservability();   // Serilog, health
builder.AddZonesSilo();            // Orleans, PostgreSQL providers, adapters, SignalR publisher

var app = builder.Build();
app.MapZonesSiloOperations();      // /metrics, /health, /health/live, /health/ready
await app.MigrateZonesDatabaseAsync();
await app.RunAsync();
