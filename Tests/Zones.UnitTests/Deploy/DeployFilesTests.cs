using System.Diagnostics;
using System.Text.RegularExpressions;
using static Zones.UnitTests.Deploy.DeployFiles;

namespace Zones.UnitTests.Deploy;

/// <summary>No container engine runs here, so the deploy files are checked with what does: the Kubernetes
/// schemas (through Node), and a parse of every file checking that they fit together and with the code: each
/// setting they give a node is one the node reads, ports and probe paths agree, no secret is committed.</summary>
public sealed partial class DeployFilesTests
{
    static readonly HashSet<string> SiloSettings = KnownSettings("Silo", "Grains", "Grains.Interfaces");
    static readonly HashSet<string> ApiSettings = KnownSettings("Api", "Grains.Interfaces");

    /// <summary>What each node kind cannot run without (no usable default), by the names the local scripts use.</summary>
    static readonly string[] SiloRequires =
        ["ConnectionStrings__Postgres", "ConnectionStrings__Redis", "Orleans__ClusterId", "Orleans__ServiceId", "Orleans__AdvertisedIP"];

    static readonly string[] ApiRequires =
        ["ConnectionStrings__Postgres", "ConnectionStrings__Redis", "Orleans__ClusterId", "Orleans__ServiceId", "Jwt__SigningKey"];

    const int HttpPort = 8080;

    [Fact]
    public async Task The_Kubernetes_manifests_validate_against_the_Kubernetes_API_schemas()
    {
        var folder = Path("deploy", "validate");
        Assert.True(Directory.Exists(System.IO.Path.Combine(folder, "node_modules", "kubernetes-models")),
            "deploy/validate/node_modules is missing: run `npm ci` there (deploy/local/test.sh does)");
        var info = new ProcessStartInfo("node", ["validate-k8s.mjs"])
        {
            WorkingDirectory = folder,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(1));

        Assert.True(process.ExitCode == 0, $"node validate-k8s.mjs failed:\n{await output}\n{await errors}");
        Assert.Contains(" 0 invalid", await output);
    }

    [Fact]
    public void Every_setting_the_compose_file_gives_a_node_is_one_that_node_reads()
    {
        var unread = new List<string>();
        foreach (var (name, service) in ComposeServices())
        {
            var known = KindOf(service) switch { "silo" => SiloSettings, "api" => ApiSettings, _ => null };
            if (known is null)
            {
                continue;
            }

            unread.AddRange(Map(service["environment"]).Keys.Select(Str).Where(v => !IsRead(v, known)).Select(v => $"{name}: {v}"));
        }

        Assert.True(unread.Count == 0, "set but never read:\n" + string.Join("\n", unread));
    }

    [Fact]
    public void Every_setting_the_manifests_and_the_images_give_a_node_is_one_that_node_reads()
    {
        var unread = new List<string>();
        foreach (var (kind, container) in K8sContainers())
        {
            var known = kind == "silo" ? SiloSettings : ApiSettings;
            unread.AddRange(List(container["env"]).Select(e => Str(At(e, "name"))).Where(v => !IsRead(v, known)).Select(v => $"{kind}: {v}"));
        }

        unread.AddRange(ConfigMapData().Keys.Where(v => !IsRead(v, SiloSettings) && !IsRead(v, ApiSettings)).Select(v => $"configmap: {v}"));
        foreach (var (kind, known) in new[] { ("Silo", SiloSettings), ("Api", ApiSettings) })
        {
            unread.AddRange(DockerEnv(kind).Keys.Where(v => !IsRead(v, known)).Select(v => $"{kind}.Dockerfile: {v}"));
        }

        Assert.True(unread.Count == 0, "set but never read:\n" + string.Join("\n", unread));
    }

    [Theory]
    [InlineData("Orleans__SiloPrt", false)]
    [InlineData("Activities__RetentionMonth", false)]
    [InlineData("ConnectionStrings__Postgre", false)]
    [InlineData("Jwt__SigningKey", false)]
    [InlineData("Orleans__SiloPort", true)]
    [InlineData("Activities__RetentionMonths", true)]
    [InlineData("Auth__AdminEmails__0", true)]
    [InlineData("ConnectionStrings__Postgres", true)]
    public void The_setting_check_knows_what_a_silo_reads_and_refuses_a_misspelled_or_foreign_key(string variable, bool read)
    {
        Assert.Equal(read, IsRead(variable, SiloSettings));
    }

    [Fact]
    public void Compose_and_Kubernetes_give_each_node_what_the_local_scripts_give_it_under_the_same_names()
    {
        var local = LocalScriptVariables();
        Assert.Empty(SiloRequires.Concat(ApiRequires).Except(local));

        var services = ComposeServices();
        foreach (var (name, service) in services.Where(s => KindOf(s.Value) is not null))
        {
            var env = Map(service["environment"]).Keys.Select(Str).ToHashSet();
            var requires = KindOf(service) == "silo" ? SiloRequires : ApiRequires;
            Assert.True(requires.All(env.Contains), $"compose service {name} lacks {string.Join(", ", requires.Except(env))}");
        }

        var shared = ConfigMapData().Keys.ToHashSet();
        foreach (var (kind, container) in K8sContainers())
        {
            var env = List(container["env"]).Select(e => Str(At(e, "name"))).Concat(shared).ToHashSet();
            var requires = kind == "silo" ? SiloRequires : ApiRequires;
            Assert.True(requires.All(env.Contains), $"the {kind} Deployment lacks {string.Join(", ", requires.Except(env))}");
        }

        // One cluster: silos and Api nodes agree on its ids.
        var clusterIds = services.Values.Where(s => KindOf(s) is not null)
            .Select(s => Str(At(s, "environment", "Orleans__ClusterId"))).Distinct().ToList();
        Assert.Single(clusterIds);
    }

    [Fact]
    public void Ports_agree_between_the_silo_defaults_images_compose_balancer_scrapes_and_manifests()
    {
        var siloDefaults = SiloOrleansDefaults();
        var siloPort = int.Parse(siloDefaults["SiloPort"]);
        var gatewayPort = int.Parse(siloDefaults["GatewayPort"]);

        Assert.Equal(new[] { HttpPort, siloPort, gatewayPort }, DockerExpose("Silo"));
        Assert.Equal(new[] { HttpPort }, DockerExpose("Api"));
        foreach (var kind in new[] { "Silo", "Api" })
        {
            Assert.EndsWith($":{HttpPort}", DockerEnv(kind)["ASPNETCORE_URLS"]);
            Assert.Contains($"/dev/tcp/127.0.0.1/{HttpPort}", Text("deploy", "docker", $"{kind}.Dockerfile"));
        }

        var services = ComposeServices();
        foreach (var (name, service) in services.Where(s => KindOf(s.Value) is not null))
        {
            Assert.EndsWith($":{HttpPort}", Str(At(service, "environment", "ASPNETCORE_URLS")));
            if (KindOf(service) == "silo")
            {
                Assert.Equal(siloPort.ToString(), Str(At(service, "environment", "Orleans__SiloPort")));
                Assert.Equal(gatewayPort.ToString(), Str(At(service, "environment", "Orleans__GatewayPort")));
            }
        }

        var apiServices = services.Where(s => KindOf(s.Value) == "api").Select(s => $"{s.Key}:{HttpPort}").Order().ToList();
        var siloServices = services.Where(s => KindOf(s.Value) == "silo").Select(s => $"{s.Key}:{HttpPort}").Order().ToList();
        Assert.Equal(apiServices, HaproxyServers().Order().ToList());
        Assert.Equal(apiServices, ScrapeTargets("zones-api"));
        Assert.Equal(siloServices, ScrapeTargets("zones-silo"));

        foreach (var (kind, container) in K8sContainers())
        {
            var ports = List(container["ports"]).ToDictionary(p => Str(At(p, "name")), p => int.Parse(Str(At(p, "containerPort"))));
            Assert.Equal(HttpPort, ports["http"]);
            Assert.EndsWith($":{HttpPort}", Str(At(List(container["env"]).Single(e => Str(At(e, "name")) == "ASPNETCORE_URLS"), "value")));
            if (kind == "silo")
            {
                Assert.Equal(siloPort, ports["silo"]);
                Assert.Equal(gatewayPort, ports["gateway"]);
            }
        }
    }

    [Fact]
    public void Every_probe_and_health_check_asks_a_health_path_both_nodes_map()
    {
        var mapped = MappedHealthPaths("Silo").Intersect(MappedHealthPaths("Api")).ToHashSet();
        Assert.Contains("/health/live", mapped);
        Assert.Contains("/health/ready", mapped);

        var asked = new List<(string Where, string Path)>();
        foreach (var (kind, container) in K8sContainers())
        {
            foreach (var probe in new[] { "startupProbe", "livenessProbe", "readinessProbe" })
            {
                Assert.True(container.ContainsKey(probe), $"the {kind} container has no {probe}");
                asked.Add(($"{kind} {probe}", Str(At(container, probe, "httpGet", "path"))));
                Assert.Equal("http", Str(At(container, probe, "httpGet", "port")));
            }
        }

        Assert.Equal("/health/ready", Str(At(K8sContainers().First().Container, "readinessProbe", "httpGet", "path")));
        asked.AddRange(new[] { "Silo", "Api" }.Select(kind => ($"{kind}.Dockerfile", HealthcheckPath().Match(Text("deploy", "docker", $"{kind}.Dockerfile")).Groups["path"].Value)));
        asked.Add(("haproxy.cfg", HttpCheck().Match(Text("deploy", "compose", "haproxy.cfg")).Groups["path"].Value));

        var wrong = asked.Where(a => !mapped.Contains(a.Path)).ToList();
        Assert.True(wrong.Count == 0, "asks an unmapped path: " + string.Join(", ", wrong));
        Assert.Equal("/health/ready", asked.Last().Path);
    }

    [Fact]
    public void The_Kubernetes_objects_fit_together_and_keep_the_silo_network_private()
    {
        var objects = K8sObjects();
        var deployments = objects.Where(o => Str(o["kind"]) == "Deployment").ToList();
        var podLabels = deployments.Select(d => Map(At(d, "spec", "template", "metadata", "labels"))).ToList();

        foreach (var deployment in deployments)
        {
            Assert.True(Selects(Map(At(deployment, "spec", "selector", "matchLabels")), Map(At(deployment, "spec", "template", "metadata", "labels"))),
                $"{Name(deployment)}: its selector does not match its pods");
            Assert.Equal("true", Str(At(deployment, "spec", "template", "spec", "securityContext", "runAsNonRoot")).ToLowerInvariant());
        }

        foreach (var selector in objects.Where(o => Str(o["kind"]) is "Service").Select(o => Map(At(o, "spec", "selector")))
                     .Concat(objects.Where(o => Str(o["kind"]) is "PodDisruptionBudget" or "NetworkPolicy")
                         .Select(o => Map(At(o, "spec", Str(o["kind"]) == "NetworkPolicy" ? "podSelector" : "selector", "matchLabels")))))
        {
            Assert.True(podLabels.Count(labels => Selects(selector, labels)) == 1, $"selector {Describe(selector)} must match exactly one Deployment's pods");
        }

        var siloService = objects.Single(o => Str(o["kind"]) == "Service" && Name(o) == "zones-silo");
        Assert.Equal("None", Str(At(siloService, "spec", "clusterIP")));
        Assert.Equal("ClusterIP", Str(At(siloService, "spec", "type")));

        var hpa = objects.Single(o => Str(o["kind"]) == "HorizontalPodAutoscaler");
        Assert.Contains(deployments, d => Name(d) == Str(At(hpa, "spec", "scaleTargetRef", "name")));
        Assert.Equal("zones-api", Str(At(hpa, "spec", "scaleTargetRef", "name")));
        Assert.Equal(2, objects.Count(o => Str(o["kind"]) == "PodDisruptionBudget"));

        // Secrets by reference only: no Secret object, every reference to the one documented Secret.
        Assert.DoesNotContain(objects, o => Str(o["kind"]) == "Secret");
        var secretRefs = K8sContainers().SelectMany(c => List(c.Container["env"]))
            .Select(e => At(e, "valueFrom", "secretKeyRef", "name")).Where(n => n is not null).Select(Str).Distinct().ToList();
        Assert.Equal(["zones-secrets"], secretRefs);
        var configMaps = objects.Where(o => Str(o["kind"]) == "ConfigMap").Select(Name).ToHashSet();
        Assert.All(K8sContainers().SelectMany(c => List(c.Container["envFrom"])), r => Assert.Contains(Str(At(r, "configMapRef", "name")), configMaps));

        // Only silos reach the silo port; the gateway takes silos and Api pods; nothing reaches them from outside.
        var policy = objects.Single(o => Str(o["kind"]) == "NetworkPolicy" && Map(At(o, "spec", "podSelector", "matchLabels")).Values.Contains("silo"));
        var rules = List(At(policy, "spec", "ingress"));
        Assert.All(rules, rule => Assert.NotEmpty(List(At(rule, "from"))));
        var siloPortSources = rules.Where(r => List(At(r, "ports")).Any(p => Str(At(p, "port")) == "11111"))
            .SelectMany(r => List(At(r, "from"))).Select(f => Describe(Map(At(f, "podSelector", "matchLabels")))).ToList();
        Assert.Equal([Describe(Map(At(deployments.Single(d => Name(d) == "zones-silo"), "spec", "selector", "matchLabels")))], siloPortSources);
    }

    [Fact]
    public void The_compose_file_runs_two_silos_two_Api_nodes_behind_HAProxy_with_monitoring_and_commits_no_secret()
    {
        var compose = Yaml("deploy", "compose", "compose.yaml").Single();
        var services = ComposeServices();

        Assert.Equal(2, services.Values.Count(s => KindOf(s) == "silo"));
        Assert.Equal(2, services.Values.Count(s => KindOf(s) == "api"));
        foreach (var name in new[] { "postgres", "redis", "haproxy", "prometheus", "grafana" })
        {
            Assert.True(services.ContainsKey(name), $"no service {name}");
        }

        Assert.Contains("postgis", Str(At(services["postgres"], "image")));
        Assert.Contains("--requirepass", List(At(services["redis"], "command")).Select(Str));
        Assert.Empty(List(At(services["postgres"], "ports")));
        Assert.All(services.Where(s => KindOf(s.Value) == "silo"), s => Assert.Empty(List(At(s.Value, "ports"))));

        foreach (var (name, service) in services)
        {
            foreach (var dependency in DependsOn(service))
            {
                Assert.True(services.ContainsKey(dependency), $"{name} depends on unknown service {dependency}");
            }

            if (At(service, "build", "dockerfile") is { } dockerfile)
            {
                Assert.True(File.Exists(Path(Str(dockerfile))), $"{name}: {dockerfile} missing");
            }

            foreach (var volume in List(At(service, "volumes")).Select(Str).Where(v => v.StartsWith('.')))
            {
                var host = volume.Split(':')[0];
                var full = System.IO.Path.GetFullPath(System.IO.Path.Combine(Path("deploy", "compose"), host));
                Assert.True(File.Exists(full) || Directory.Exists(full), $"{name}: mounts missing {host}");
            }

            // Secrets come from deploy/compose/.env (git-ignored), never from the file.
            foreach (var (key, value) in Map(At(service, "environment")).Select(e => (Str(e.Key), Str(e.Value))))
            {
                if (Regex.IsMatch(key + " " + value, "PASSWORD|Password=|SigningKey|password=", RegexOptions.IgnoreCase))
                {
                    Assert.True(SecretFromEnv().IsMatch(value), $"{name}: {key} carries a literal secret");
                }
            }

            if (KindOf(service) == "silo")
            {
                var address = Str(At(service, "networks", "zones", "ipv4_address"));
                Assert.Equal(address, Str(At(service, "environment", "Orleans__AdvertisedIP")));
            }
        }

        Assert.NotNull(At(compose, "networks", "zones"));
        Assert.Equal(".env", Text("deploy", "compose", ".gitignore").Trim());
        Assert.DoesNotMatch(@"=(?!change-me)\S", string.Join("\n", Text("deploy", "compose", "env.example").Split('\n').Where(l => !l.StartsWith('#'))));
    }

    [Theory]
    [InlineData("Silo", "Zones.Silo.dll")]
    [InlineData("Api", "Zones.Api.dll")]
    public void Each_image_is_built_in_the_SDK_and_runs_on_the_ASP_NET_runtime_as_a_non_root_user_with_a_health_check(string kind, string assembly)
    {
        var lines = Text("deploy", "docker", $"{kind}.Dockerfile").Split('\n').Select(l => l.Trim()).ToList();
        var stages = lines.Where(l => l.StartsWith("FROM ")).ToList();

        Assert.Equal(2, stages.Count);
        Assert.StartsWith("FROM mcr.microsoft.com/dotnet/sdk:10.0", stages[0]);
        Assert.StartsWith("FROM mcr.microsoft.com/dotnet/aspnet:10.0", stages[1]);
        var final = lines.SkipWhile(l => l != stages[1]).ToList();
        var user = final.Single(l => l.StartsWith("USER "));
        Assert.DoesNotMatch(@"USER\s+(root|0)\b", user);
        Assert.Contains(final, l => l.StartsWith("HEALTHCHECK "));
        Assert.Contains($"ENTRYPOINT [\"dotnet\", \"{assembly}\"]", final);
        Assert.Contains($"<AssemblyName>{assembly[..^4]}</AssemblyName>", Text(kind, $"{kind}.csproj"));
        foreach (var source in lines.Where(l => l.StartsWith("COPY ") && !l.Contains("--from")).SelectMany(l => l.Split(' ')[1..^1]))
        {
            Assert.True(File.Exists(Path(source)) || Directory.Exists(Path(source)), $"COPY {source}: not in the repository");
        }
    }

    // ------------------------------------------------------------------------------------------ readers

    static Dictionary<string, Dictionary<object, object>> ComposeServices() =>
        Map(At(Yaml("deploy", "compose", "compose.yaml").Single(), "services"))
            .ToDictionary(s => Str(s.Key), s => Map(s.Value));

    /// <summary>silo or api for a Zones node's compose service (by its image's Dockerfile), else null.</summary>
    static string? KindOf(Dictionary<object, object> service) => Str(At(service, "build", "dockerfile")) switch
    {
        "deploy/docker/Silo.Dockerfile" => "silo",
        "deploy/docker/Api.Dockerfile" => "api",
        _ => null,
    };

    static IEnumerable<string> DependsOn(Dictionary<object, object> service) => At(service, "depends_on") switch
    {
        List<object> list => list.Select(Str),
        Dictionary<object, object> map => map.Keys.Select(Str),
        _ => [],
    };

    static List<Dictionary<object, object>> K8sObjects() =>
        [.. Directory.EnumerateFiles(Path("deploy", "k8s"), "*.yaml").Where(f => !f.EndsWith("kustomization.yaml"))
            .Order().SelectMany(f => Yaml("deploy", "k8s", System.IO.Path.GetFileName(f)))];

    static List<(string Kind, Dictionary<object, object> Container)> K8sContainers() =>
        [.. K8sObjects().Where(o => Str(o["kind"]) == "Deployment")
            .SelectMany(d => List(At(d, "spec", "template", "spec", "containers"))
                .Select(c => (Str(At(d, "metadata", "labels", "app.kubernetes.io/component")), Map(c))))];

    static Dictionary<string, string> ConfigMapData() =>
        Map(At(K8sObjects().Single(o => Str(o["kind"]) == "ConfigMap"), "data")).ToDictionary(e => Str(e.Key), e => Str(e.Value));

    static Dictionary<string, string> DockerEnv(string kind)
    {
        var text = Text("deploy", "docker", $"{kind}.Dockerfile").Replace("\\\n", " ");
        var env = new Dictionary<string, string>();
        foreach (var line in text.Split('\n').Where(l => l.StartsWith("ENV ")))
        {
            foreach (Match pair in Regex.Matches(line[4..], @"(?<k>[A-Za-z_]+)=(?<v>\S+)"))
            {
                env[pair.Groups["k"].Value] = pair.Groups["v"].Value;
            }
        }

        return env;
    }

    static int[] DockerExpose(string kind) =>
        [.. Text("deploy", "docker", $"{kind}.Dockerfile").Split('\n').Single(l => l.StartsWith("EXPOSE "))[7..]
            .Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(int.Parse)];

    static IEnumerable<string> HaproxyServers() =>
        Regex.Matches(Text("deploy", "compose", "haproxy.cfg"), @"^\s*server\s+\S+\s+(?<target>\S+)", RegexOptions.Multiline)
            .Select(m => m.Groups["target"].Value);

    static List<string> ScrapeTargets(string job)
    {
        var config = Yaml("deploy", "prometheus", "prometheus.compose.yml").Single();
        var scrape = List(config["scrape_configs"]).Single(c => Str(At(c, "job_name")) == job);
        return [.. List(At(scrape, "static_configs")).SelectMany(s => List(At(s, "targets"))).Select(Str).Order()];
    }

    /// <summary>The /health paths a node maps: literal <c>MapGet("/health...")</c> and <c>MapHealthChecks</c>,
    /// and the paths mapped inside a <c>MapGroup("/health")</c>.</summary>
    static HashSet<string> MappedHealthPaths(string project)
    {
        var paths = HealthPathsIn(Path(project));
        // Both node types map /health* through the shared hosting foundation.
        if (SourcesIn(Path(project)).Any(source => source.Contains("MapZonesOperations(", StringComparison.Ordinal)))
        {
            paths.UnionWith(HealthPathsIn(Path("Grains.Interfaces", "ServiceDefaults")));
        }

        return paths;
    }

    static IEnumerable<string> SourcesIn(string folder) =>
        Directory.EnumerateFiles(folder, "*.cs", SearchOption.AllDirectories).Where(f => !f.Contains("/obj/")).Select(File.ReadAllText);

    static HashSet<string> HealthPathsIn(string folder)
    {
        var paths = new HashSet<string>();
        foreach (var source in SourcesIn(folder))
        {
            var groups = Regex.Matches(source, @"MapGroup\(""(?<p>/health[^""]*)""\)").Select(m => m.Groups["p"].Value).ToList();
            foreach (Match map in Regex.Matches(source, @"Map(?:Get|HealthChecks)\(""(?<p>/[^""]*)"""))
            {
                var path = map.Groups["p"].Value;
                if (path.StartsWith("/health"))
                {
                    paths.Add(path);
                }
                else
                {
                    paths.UnionWith(groups.Select(g => (g + path).TrimEnd('/')));
                }
            }
        }

        return paths;
    }

    static Dictionary<string, string> SiloOrleansDefaults()
    {
        using var document = System.Text.Json.JsonDocument.Parse(Text("Silo", "appsettings.json"));
        return document.RootElement.GetProperty("Orleans").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.ToString());
    }

    static bool Selects(Dictionary<object, object> selector, Dictionary<object, object> labels) =>
        selector.Count > 0 && selector.All(s => labels.TryGetValue(s.Key, out var value) && Equals(Str(value), Str(s.Value)));

    static string Name(Dictionary<object, object> o) => Str(At(o, "metadata", "name"));

    static string Describe(Dictionary<object, object> labels) =>
        string.Join(",", labels.OrderBy(l => Str(l.Key)).Select(l => $"{l.Key}={l.Value}"));

    [GeneratedRegex(@"^\S*\$\{[A-Z_]+:\?[^}]*\}\S*$")]
    private static partial Regex SecretFromEnv();

    [GeneratedRegex(@"GET (?<path>/\S+) HTTP")]
    private static partial Regex HealthcheckPath();

    [GeneratedRegex(@"option httpchk GET (?<path>/\S+)")]
    private static partial Regex HttpCheck();
}
