using System.Text.Json;
using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;
using static Zones.EndToEndTests.Walk;

namespace Zones.EndToEndTests;

/// <summary>What an operator looks at is backed by what the nodes really export: every metric that a panel of
/// deploy/grafana/zones.json or an alert of deploy/prometheus/alerts.yml queries appears on the /metrics of a
/// running Api node or silo once the cluster has served some traffic.</summary>
public sealed partial class OperatorViewsTests(LocalCluster cluster) : IClassFixture<LocalCluster>
{
    /// <summary>Series Prometheus makes itself for every target rather than reading them from /metrics.</summary>
    static readonly HashSet<string> PrometheusSeries = ["up", "scrape_duration_seconds", "scrape_samples_scraped"];

    [Fact]
    public async Task Every_metric_the_dashboard_and_the_alert_rules_query_is_exported_by_the_running_nodes()
    {
        var queries = DashboardQueries().Concat(AlertQueries()).ToList();
        Assert.True(queries.Count >= 20, $"only {queries.Count} queries found");
        using var client = new ZonesClient(cluster.ApiUrl);
        await client.RegisterAsync();
        await client.CreateZoneAsync(new { title = "Office", latitude = 48.137, longitude = 11.575, radius = 150 });
        await using var hub = await HubListener.ConnectAsync(cluster.ApiUrl, client.AccessToken);
        await client.PostPingsAsync(Ping(0, 48.137, 11.575), Ping(5, 48.137, 11.575), Ping(10, 48.2, 11.575));

        var missing = new List<string>();
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (true)
        {
            // Some instruments appear only once measured (a transition's type, a hub connection): ask until every
            // query is satisfied or the time is up, then report what is still missing.
            var exported = await ScrapeAsync();
            missing = [.. queries.SelectMany(q => MissingMetrics(q, exported)).Distinct()];
            if (missing.Count == 0 || cancel.IsCancellationRequested)
            {
                break;
            }

            await Task.Delay(500);
        }

        Assert.True(missing.Count == 0, "queried but not exported:\n" + string.Join("\n", missing));
    }

    [Fact]
    public void The_dashboard_shows_requests_pings_transitions_commit_latency_silos_grains_hub_connections_and_pool_use()
    {
        var metrics = DashboardQueries().SelectMany(q => Selectors(q).Select(s => s.Metric)).ToHashSet();

        Assert.Contains("http_request_duration_seconds_count", metrics);
        Assert.Contains("zones_pings_received_total", metrics);
        Assert.Contains("zones_activities_total", metrics);
        Assert.Contains("zones_activity_commit_seconds_bucket", metrics);
        Assert.Contains("microsoft_orleans_orleans_directory_ring_size", metrics);
        Assert.Contains("microsoft_orleans_orleans_catalog_activations", metrics);
        Assert.Contains("zones_hub_connections", metrics);
        Assert.Contains("npgsql_db_client_connection_count", metrics);
    }

    [Fact]
    public async Task Every_health_path_the_deploy_files_probe_answers_200_on_a_running_silo_and_Api_node()
    {
        var deploy = Path.Combine(LocalCluster.RepositoryRoot(), "deploy");
        var texts = Directory.EnumerateFiles(Path.Combine(deploy, "k8s"), "*.yaml")
            .Concat(Directory.EnumerateFiles(Path.Combine(deploy, "docker"), "*.Dockerfile"))
            .Append(Path.Combine(deploy, "compose", "haproxy.cfg"))
            .Select(File.ReadAllText);
        var paths = texts.SelectMany(t => ProbePath().Matches(t).Select(m => m.Groups["path"].Value)).ToHashSet();
        Assert.Contains("/health/live", paths);
        Assert.Contains("/health/ready", paths);

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        foreach (var node in new[] { cluster.ApiUrl, cluster.LiveSiloUrls[0] })
        {
            foreach (var path in paths)
            {
                using var response = await http.GetAsync(new Uri(node, path));
                Assert.True(response.IsSuccessStatusCode, $"GET {node}{path.TrimStart('/')}: {(int)response.StatusCode}");
            }
        }
    }

    [Theory]
    [InlineData("sum by (le) (rate(a_bucket{job=\"zones-api\"}[5m])) / clamp_min(sum(rate(b_total[1m])), 1e-9) > 0.5",
        "a_bucket@zones-api b_total@")]
    [InlineData("histogram_quantile(0.95, sum by (le) (rate(x{code=~\"5..\"}[$__rate_interval])))", "x@")]
    [InlineData("up{job=~\"zones-api|zones-silo\"} == 0 and on (instance) y", "up@ y@")]
    public void The_query_reader_finds_each_metric_and_its_job(string query, string expected)
    {
        var found = string.Join(" ", Selectors(query).Select(s => $"{s.Metric}@{s.Job}"));

        Assert.Equal(expected, found);
    }

    /// <summary>Metric names each node exports now, by job (the scrape job names in deploy/prometheus).</summary>
    async Task<Dictionary<string, HashSet<string>>> ScrapeAsync()
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var byJob = new Dictionary<string, HashSet<string>> { ["zones-api"] = [], ["zones-silo"] = [] };
        foreach (var (job, url) in cluster.LiveSiloUrls.Select(u => ("zones-silo", u)).Append(("zones-api", cluster.ApiUrl)))
        {
            var text = await http.GetStringAsync(new Uri(url, "/metrics"));
            foreach (var line in text.Split('\n'))
            {
                if (line.Length > 0 && line[0] != '#')
                {
                    byJob[job].Add(SampleName().Match(line).Value);
                }
            }
        }

        return byJob;
    }

    static IEnumerable<string> MissingMetrics(string query, Dictionary<string, HashSet<string>> exported)
    {
        foreach (var (metric, job) in Selectors(query))
        {
            var sets = job.Length > 0 && exported.TryGetValue(job, out var one) ? [one] : exported.Values.ToList();
            if (!PrometheusSeries.Contains(metric) && !sets.Any(s => s.Contains(metric)))
            {
                yield return $"{metric} (job {(job.Length > 0 ? job : "any")}) in: {query}";
            }
        }
    }

    /// <summary>The metric names a PromQL expression selects, each with the job its selector pins (or empty).
    /// Enough of PromQL for these files: selectors with or without labels, functions, aggregations with
    /// by/without, vector matching with on/ignoring, range and subquery brackets, numbers, operators.</summary>
    internal static IEnumerable<(string Metric, string Job)> Selectors(string query)
    {
        var selectors = new List<(string Metric, string Job)>();
        var rest = WithLabels().Replace(query, match =>
        {
            selectors.Add((match.Groups["name"].Value, JobMatcher().Match(match.Groups["labels"].Value).Groups["job"].Value));
            return " ";
        });
        rest = Grouping().Replace(rest, " ");
        rest = Brackets().Replace(rest, " ");
        foreach (Match match in BareName().Matches(rest))
        {
            if (!Keywords.Contains(match.Value))
            {
                selectors.Add((match.Value, ""));
            }
        }

        return selectors;
    }

    static readonly HashSet<string> Keywords =
        ["by", "without", "on", "ignoring", "group_left", "group_right", "bool", "and", "or", "unless", "offset", "inf", "nan"];

    static IEnumerable<string> DashboardQueries()
    {
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(LocalCluster.RepositoryRoot(), "deploy", "grafana", "zones.json")));
        var queries = new List<string>();
        foreach (var panel in json.RootElement.GetProperty("panels").EnumerateArray())
        {
            var targets = panel.GetProperty("targets").EnumerateArray().ToList();
            Assert.True(targets.Count > 0, $"panel {panel.GetProperty("title")} has no query");
            queries.AddRange(targets.Select(t => t.GetProperty("expr").GetString()!));
        }

        return queries;
    }

    static IEnumerable<string> AlertQueries()
    {
        var yaml = new YamlStream();
        yaml.Load(new StringReader(File.ReadAllText(Path.Combine(LocalCluster.RepositoryRoot(), "deploy", "prometheus", "alerts.yml"))));
        var root = (YamlMappingNode)yaml.Documents[0].RootNode;
        return ((YamlSequenceNode)root["groups"]).Children
            .SelectMany(g => ((YamlSequenceNode)((YamlMappingNode)g)["rules"]).Children)
            .Select(r => ((YamlScalarNode)((YamlMappingNode)r)["expr"]).Value!)
            .ToList();
    }

    /// <summary>Kubernetes <c>path: /health...</c>, the images' HEALTHCHECK and HAProxy's <c>httpchk GET /health...</c>.</summary>
    [GeneratedRegex(@"(?:path:\s*|GET\s+)(?<path>/health[\w/]*)")]
    private static partial Regex ProbePath();

    [GeneratedRegex(@"^[a-zA-Z_:][a-zA-Z0-9_:]*")]
    private static partial Regex SampleName();

    [GeneratedRegex(@"(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)\s*\{(?<labels>[^}]*)\}")]
    private static partial Regex WithLabels();

    [GeneratedRegex(@"\bjob\s*=~?\s*""(?<job>[^""|]*)""")]
    private static partial Regex JobMatcher();

    [GeneratedRegex(@"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)")]
    private static partial Regex Grouping();

    [GeneratedRegex(@"\[[^\]]*\]")]
    private static partial Regex Brackets();

    /// <summary>A name not inside a number (1e-9) and not called as a function.</summary>
    [GeneratedRegex(@"(?<![\w.])[a-zA-Z_:][a-zA-Z0-9_:]*(?!\s*\(|[\w])")]
    private static partial Regex BareName();
}
