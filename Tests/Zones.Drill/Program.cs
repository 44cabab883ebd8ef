using Zones.Drill;

// Zones.Drill --api URL [--users 20] [--seconds 60] [--interval-ms 250] [--stop-file PATH] [--out report.json]
var options = DrillOptions.Parse(args);
if (options is null)
{
    Console.Error.WriteLine(DrillOptions.Usage);
    return 2;
}

var report = await new Drill(options).RunAsync();
report.Print(Console.Out);
if (options.Out is not null)
{
    await File.WriteAllTextAsync(options.Out, report.ToJson());
}

return report.Clean ? 0 : 1;
