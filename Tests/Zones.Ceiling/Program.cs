using Zones.Ceiling;

// The edge's ceiling: what one ASP.NET Core node on this machine can do with the same pings when it does
// nothing but parse them and answer. deploy/local/bench.sh measures it in the same run as Zones.
var builder = WebApplication.CreateSlimBuilder(args);
builder.AddCeiling();
var app = builder.Build();
app.MapCeiling();
app.Run();
