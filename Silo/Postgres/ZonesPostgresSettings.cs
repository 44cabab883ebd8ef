namespace Zones.Silo.Postgres;

/// <summary>The PostgreSQL connection string the silo's adapters and migrations use.</summary>
public sealed record ZonesPostgresSettings(string ConnectionString);
