// The table of contents is ZonesApiApp.Build: test hosts build the same app through it.
Zones.Api.ZonesApiApp.Build(args).Run();
