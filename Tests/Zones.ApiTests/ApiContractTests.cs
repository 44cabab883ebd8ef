using System.Reflection;
using System.Text.Json;
using System.Text.RegularExpressions;
using Zones.Api.Infrastructure;
using Zones.Api.Operations;
using Zones.ApiTests.Host;
using Zones.Errors;

namespace Zones.ApiTests;

/// <summary>docs/api.md and the served /openapi/v1.json describe the same API: the same routes with the same status
/// codes, every body and answer with a schema, and every error code written down. In docs/api.md each endpoint is a
/// heading <c>### METHOD /path</c> followed by a line <c>Statuses: 200, 400, ...</c>.</summary>
public sealed partial class ApiContractTests(ApiContractTests.ProductionHost production, ApiContractTests.DevelopmentHost development)
    : IClassFixture<ApiContractTests.ProductionHost>, IClassFixture<ApiContractTests.DevelopmentHost>
{
    public sealed class ProductionHost : ApiHost
    {
        protected override string[] Settings => ["--environment=Production"];
    }

    public sealed class DevelopmentHost : ApiHost
    {
        protected override string[] Settings => ["--environment=Development"];
    }

    private static readonly string[] Methods = ["get", "post", "put", "patch", "delete"];

    [Fact]
    public async Task Every_route_and_status_code_of_the_openapi_document_is_in_api_md_and_nothing_else()
    {
        var served = Operations(await OpenApiAsync())
            .ToDictionary(o => o.Route, o => string.Join(", ", o.Operation.GetProperty("responses").EnumerateObject().Select(r => r.Name).Order()));
        var documented = DocumentedRoutes();

        Assert.True(served.Count > 20, $"only {served.Count} operations served");
        Assert.Equal(Lines(served), Lines(documented));
    }

    [Fact]
    public async Task Every_operation_has_a_request_schema_for_its_body_and_a_schema_for_each_answer()
    {
        var missing = new List<string>();
        foreach (var (route, operation) in Operations(await OpenApiAsync()))
        {
            var takesBody = route.StartsWith("POST", StringComparison.Ordinal) || route.StartsWith("PUT", StringComparison.Ordinal)
                || route.StartsWith("PATCH", StringComparison.Ordinal);
            if (operation.TryGetProperty("requestBody", out var body))
            {
                foreach (var content in body.GetProperty("content").EnumerateObject())
                {
                    if (!HasSchema(content.Value))
                    {
                        missing.Add($"{route} request {content.Name}");
                    }
                }
            }
            else if (takesBody)
            {
                missing.Add($"{route} request body");
            }

            foreach (var response in operation.GetProperty("responses").EnumerateObject())
            {
                if (response.Name is "204" or "304")
                {
                    continue;   // no body by definition
                }

                if (!response.Value.TryGetProperty("content", out var contents) || !contents.EnumerateObject().Any())
                {
                    missing.Add($"{route} {response.Name} content");
                    continue;
                }

                foreach (var content in contents.EnumerateObject())
                {
                    var isHealth = route.EndsWith("/health", StringComparison.Ordinal) || route.EndsWith("/health/ready", StringComparison.Ordinal);
                    if (!HasSchema(content.Value))
                    {
                        missing.Add($"{route} {response.Name} {content.Name} schema");
                    }
                    else if (int.Parse(response.Name, System.Globalization.CultureInfo.InvariantCulture) >= 400
                             && !(isHealth && response.Name == "503") && SchemaRef(content.Value) != "ErrorEnvelope")
                    {
                        missing.Add($"{route} {response.Name} is not the error envelope");
                    }
                }
            }
        }

        Assert.Empty(missing);
    }

    [Theory]
    [InlineData("POST /api/v1/auth/login")]
    [InlineData("POST /api/v1/auth/register")]
    [InlineData("POST /api/v1/locations")]
    public async Task Rate_limited_endpoints_declare_429_with_the_error_envelope(string route)
    {
        var operation = Operations(await OpenApiAsync()).Single(o => o.Route == route).Operation;
        var tooMany = operation.GetProperty("responses").GetProperty("429").GetProperty("content").GetProperty("application/json");

        Assert.Equal("ErrorEnvelope", SchemaRef(tooMany));
    }

    [Fact]
    public async Task Authenticated_endpoints_declare_401_and_uploads_declare_413_and_415()
    {
        var operations = Operations(await OpenApiAsync()).ToDictionary(o => o.Route, o => o.Operation);
        string[] authenticated = ["GET /api/v1/users/me", "GET /api/v1/zones", "POST /api/v1/locations", "GET /api/v1/activities", "GET /api/v1/stats/me"];
        string[] uploads = ["PUT /api/v1/users/me/image", "PUT /api/v1/zones/{id}/image"];

        Assert.All(authenticated, r => Assert.True(operations[r].GetProperty("responses").TryGetProperty("401", out _), r));
        Assert.All(authenticated, r => Assert.True(operations[r].GetProperty("security")[0].TryGetProperty(OpenApiMetadata.BearerScheme, out _), r));
        Assert.False(operations["POST /api/v1/auth/login"].TryGetProperty("security", out _));
        Assert.All(uploads, r => Assert.True(operations[r].GetProperty("responses").TryGetProperty("413", out _), r));
        Assert.All(uploads, r => Assert.True(operations[r].GetProperty("responses").TryGetProperty("415", out _), r));
    }

    [Fact]
    public void Api_md_lists_every_error_code_the_api_can_answer()
    {
        var text = File.ReadAllText(ApiMdPath());
        var codes = typeof(ErrorCodes).GetFields(BindingFlags.Public | BindingFlags.Static).Select(f => (string)f.GetValue(null)!)
            .Append(ApiErrors.MethodNotAllowed).Append(ApiErrors.BadRequest);

        Assert.All(codes, code => Assert.Contains($"`{code}`", text, StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_interactive_reference_is_served_in_development_over_the_same_document()
    {
        var page = await development.Server.SendAsync(HttpMethod.Get, OperationsApi.ReferencePath + "/v1");

        Assert.Equal(200, page.Status);
        Assert.StartsWith("text/html", page.Headers.ContentType.ToString(), StringComparison.Ordinal);
        Assert.Contains("openapi", page.Body, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(OperationsApi.ReferenceContentSecurityPolicy, page.Headers.ContentSecurityPolicy.ToString());
    }

    [Fact]
    public async Task The_interactive_reference_is_not_there_in_production_but_the_document_is()
    {
        var page = await production.Server.SendAsync(HttpMethod.Get, OperationsApi.ReferencePath + "/v1");
        var document = await production.Server.SendAsync(HttpMethod.Get, "/openapi/v1.json");

        Assert.Equal(404, page.Status);
        Assert.Equal("NOT_FOUND", page.ErrorCode);
        Assert.Equal(200, document.Status);
    }

    private async Task<JsonElement> OpenApiAsync()
    {
        var response = await production.Server.SendAsync(HttpMethod.Get, "/openapi/v1.json");
        Assert.Equal(200, response.Status);
        return response.Json;
    }

    private static IEnumerable<(string Route, JsonElement Operation)> Operations(JsonElement document)
    {
        foreach (var path in document.GetProperty("paths").EnumerateObject())
        {
            foreach (var operation in path.Value.EnumerateObject().Where(o => Methods.Contains(o.Name)))
            {
                yield return ($"{operation.Name.ToUpperInvariant()} {path.Name}", operation.Value);
            }
        }
    }

    private static bool HasSchema(JsonElement content) =>
        content.TryGetProperty("schema", out var schema) && schema.ValueKind == JsonValueKind.Object
        && (schema.TryGetProperty("$ref", out _) || schema.TryGetProperty("type", out _));

    private static string? SchemaRef(JsonElement content) =>
        content.GetProperty("schema").TryGetProperty("$ref", out var reference) ? reference.GetString()![(reference.GetString()!.LastIndexOf('/') + 1)..] : null;

    private static List<string> Lines(Dictionary<string, string> routes) =>
        routes.Select(r => $"{r.Key} -> {r.Value}").Order(StringComparer.Ordinal).ToList();

    /// <summary>The <c>### METHOD /path</c> headings of docs/api.md with the codes of the <c>Statuses:</c> line under each.</summary>
    private static Dictionary<string, string> DocumentedRoutes()
    {
        var routes = new Dictionary<string, string>();
        string? current = null;
        foreach (var line in File.ReadLines(ApiMdPath()))
        {
            if (line.StartsWith('#'))
            {
                Assert.True(current is null, $"{current} has no Statuses line");
                current = EndpointHeading().Match(line) is { Success: true } heading ? $"{heading.Groups[1].Value} {heading.Groups[2].Value}" : null;
                if (current is not null)
                {
                    Assert.False(routes.ContainsKey(current), $"{current} is documented twice");
                }
            }
            else if (current is not null && line.StartsWith("Statuses:", StringComparison.Ordinal))
            {
                routes[current] = string.Join(", ", StatusCode().Matches(line).Select(m => m.Value).Order());
                current = null;
            }
        }

        Assert.True(current is null, $"{current} has no Statuses line");
        return routes;
    }

    private static string ApiMdPath()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            var candidate = Path.Combine(directory.FullName, "docs", "api.md");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new FileNotFoundException("docs/api.md not found above " + AppContext.BaseDirectory);
    }

    [GeneratedRegex(@"^### (GET|POST|PUT|PATCH|DELETE) (/\S+)\s*$")]
    private static partial Regex EndpointHeading();

    [GeneratedRegex(@"\b[1-5][0-9]{2}\b")]
    private static partial Regex StatusCode();
}
