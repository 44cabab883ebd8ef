using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Zones.Api.Infrastructure;
using Zones.Statistics;
using static Zones.Api.Infrastructure.OpenApiMetadata;

namespace Zones.Api.Statistics;

/// <summary>/api/v1/stats: the caller's own figures, and the service overview for admins.</summary>
public static class StatisticsApi
{
    public const string AdminRole = "admin";
    public const int DefaultDays = 30;

    public static RouteGroupBuilder MapStatisticsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1/stats").RequireAuthorization().WithTags("Statistics")
            .WithMetadata(Unauthorized);
        api.MapGet("/me", MyStatistics).WithName("MyStatistics")
            .Produces<ErrorEnvelope>(StatusCodes.Status400BadRequest);
        api.MapGet("/overview", Overview).WithName("StatisticsOverview")
            .RequireAuthorization(policy => policy.RequireRole(AdminRole))
            .Produces<ErrorEnvelope>(StatusCodes.Status403Forbidden);
        return api;
    }

    /// <summary>The last <c>days</c> UTC days (1-365, default 30), today included.</summary>
    private static async Task<Ok<Envelope<UserStatistics>>> MyStatistics(
        HttpRequest request, ClaimsPrincipal user, [FromServices] IClusterClient cluster)
    {
        var problems = new ValidationProblems();
        var days = new QueryFields(request.Query, problems).Int32("days", DefaultDays, 1, IStatisticsGrain.MaxDays);
        problems.ThrowIfAny();
        var statistics = await cluster.GetGrain<IStatisticsGrain>(0).ForUser(CurrentUser.Id(user), days);
        return TypedResults.Ok(new Envelope<UserStatistics>(statistics));
    }

    private static async Task<Ok<Envelope<ServiceOverview>>> Overview([FromServices] IClusterClient cluster) =>
        TypedResults.Ok(new Envelope<ServiceOverview>(await cluster.GetGrain<IStatisticsGrain>(0).Overview()));
}
