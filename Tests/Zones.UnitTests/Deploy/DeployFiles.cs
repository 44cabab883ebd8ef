using System.Text.Json;
using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.Serialization;

namespace Zones.UnitTests.Deploy;

/// <summary>Reads the files under deploy/ and the settings the code reads, for <see cref="DeployFilesTests"/>.</summary>
public static partial class DeployFiles
{
    public static string Root { get; } = FindRoot();

    public static string Path(params string[] parts) => System.IO.Path.Combine([Root, .. parts]);

    public static string Text(params string[] parts) => File.ReadAllText(Path(parts));

    /// <summary>Every YAML document of a file as plain maps, lists and strings, with merge keys (<c>&lt;&lt;: *x</c>) applied.</summary>
    public static List<Dictionary<object, object>> Yaml(params string[] parts)
    {
        var deserializer = new DeserializerBuilder().Build();
        var parser = new MergingParser(new Parser(new StringReader(Text(parts))));
        parser.Consume<YamlDotNet.Core.Events.StreamStart>();
        var documents = new List<Dictionary<object, object>>();
        while (parser.Accept<YamlDotNet.Core.Events.DocumentStart>(out _))
        {
            if (deserializer.Deserialize<Dictionary<object, object>>(parser) is { } document)
            {
                documents.Add(document);
            }
        }

        return documents;
    }

    /// <summary>The value at a path of keys in nested maps, or null.</summary>
    public static object? At(object? node, params string[] keys)
    {
        foreach (var key in keys)
        {
            node = node is Dictionary<object, object> map && map.TryGetValue(key, out var next) ? next : null;
        }

        return node;
    }

    public static Dictionary<object, object> Map(object? node) => node as Dictionary<object, object> ?? [];

    public static List<object> List(object? node) => node as List<object> ?? [];

    public static string Str(object? node) => node?.ToString() ?? "";

    /// <summary>The configuration keys (<c>Section:Key</c>) a node reads: its appsettings.json, the options classes
    /// bound to a section (a file's <c>Section = "X"</c> or <c>GetSection("X")</c> with its settable properties),
    /// keys read directly, and connection strings.</summary>
    public static HashSet<string> KnownSettings(string project, params string[] sourceFolders)
    {
        var known = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        using (var json = JsonDocument.Parse(Text(project, "appsettings.json")))
        {
            Flatten(json.RootElement, "", known);
        }

        foreach (var file in sourceFolders.Prepend(project)
                     .SelectMany(f => Directory.EnumerateFiles(Path(f), "*.cs", SearchOption.AllDirectories))
                     .Where(f => !f.Contains("/bin/") && !f.Contains("/obj/")))
        {
            var source = File.ReadAllText(file);
            var properties = SettableProperty().Matches(source).Select(m => m.Groups["name"].Value).ToList();
            foreach (var section in SectionName().Matches(source).Select(m => m.Groups["section"].Value))
            {
                known.Add(section);
                known.UnionWith(properties.Select(p => $"{section}:{p}"));
            }

            known.UnionWith(DirectKey().Matches(source).Select(m => m.Groups["key"].Value));
            known.UnionWith(ConnectionString().Matches(source).Select(m => "ConnectionStrings:" + m.Groups["name"].Value));
        }

        return known;
    }

    /// <summary>Variables the .NET host reads itself, and helpers that only feed <c>$(VAR)</c> substitutions.</summary>
    public static readonly HashSet<string> HostVariables =
        ["ASPNETCORE_URLS", "ASPNETCORE_ENVIRONMENT", "ASPNETCORE_HTTP_PORTS", "DOTNET_gcServer", "POD_IP"];

    /// <summary>An environment variable's configuration key: <c>__</c> separates sections, array indexes dropped.</summary>
    public static string SettingOf(string variable) =>
        string.Join(':', variable.Split("__").Where(part => !part.All(char.IsDigit)));

    /// <summary>True when <paramref name="variable"/> is read by a node that knows <paramref name="known"/>.</summary>
    public static bool IsRead(string variable, HashSet<string> known)
    {
        if (HostVariables.Contains(variable))
        {
            return true;
        }

        var key = SettingOf(variable);
        return known.Contains(key) || key.StartsWith("Serilog:", StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>The variables deploy/local/up.sh gives its nodes (<c>"Name__Key=value"</c> words).</summary>
    public static HashSet<string> LocalScriptVariables() =>
        [.. ScriptVariable().Matches(Text("deploy", "local", "up.sh")).Select(m => m.Groups["name"].Value)];

    static void Flatten(JsonElement element, string prefix, HashSet<string> keys)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            return;
        }

        foreach (var property in element.EnumerateObject())
        {
            var key = prefix.Length == 0 ? property.Name : $"{prefix}:{property.Name}";
            keys.Add(key);
            Flatten(property.Value, key, keys);
        }
    }

    static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "Zones.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Zones.sln not found above " + AppContext.BaseDirectory);
    }

    [GeneratedRegex(@"public\s+[\w<>\[\]?,. ]+?\s+(?<name>[A-Z]\w*)\s*\{\s*get;\s*(?:set|init);")]
    private static partial Regex SettableProperty();

    [GeneratedRegex(@"(?:\bSection\s*=\s*|GetSection\()""(?<section>[A-Za-z]+)""")]
    private static partial Regex SectionName();

    [GeneratedRegex(@"(?:GetSection\(|GetValue(?:<\w+>)?\(|Configuration\[)""(?<key>[A-Za-z]+(?::[A-Za-z]+)+)""")]
    private static partial Regex DirectKey();

    [GeneratedRegex(@"ConnectionString\((?:[^()""]*,\s*)?""(?<name>\w+)""\)")]
    private static partial Regex ConnectionString();

    [GeneratedRegex(@"""(?<name>[A-Za-z]+__[A-Za-z_]+)=")]
    private static partial Regex ScriptVariable();
}
