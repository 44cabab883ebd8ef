using Zones.LoadTest;

// dotnet run -c Release --project Tests/Zones.LoadTest -- --api http://127.0.0.1:5080 [options]
if (!LoadOptions.TryParse(args, out var options, out var problem))
{
    Console.Error.WriteLine(problem);
    Console.Error.WriteLine(LoadOptions.Usage);
    return 2;
}

using var client = new ZonesClient(options.Api, options.Concurrency);
var users = await Setup.RunAsync(client, options);
if (users is null)
{
    return 1;
}

var result = await LoadRun.RunAsync(client, users, options);
LoadReport.Print(options, result, Console.Out);
return result.Failed == 0 ? 0 : 1;
