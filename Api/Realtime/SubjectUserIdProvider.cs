using Microsoft.AspNetCore.SignalR;
using Zones.Api.Infrastructure;

namespace Zones.Api.Realtime;

/// <summary>SignalR's user id is the token's <c>sub</c>, in Guid "D" form, because the silo publishes with
/// <c>Clients.User(userId.ToString())</c>.</summary>
public sealed class SubjectUserIdProvider : IUserIdProvider
{
    public string? GetUserId(HubConnectionContext connection) => CurrentUser.TryGetId(connection.User)?.ToString("D");
}
