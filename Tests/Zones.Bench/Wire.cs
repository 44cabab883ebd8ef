using System.Runtime.Serialization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Zones.Bench;

/// <summary>A ping as API.md spells it. DataMember names keep MessagePack keys camelCase like the JSON ones.</summary>
[DataContract]
public sealed record WirePing(
    [property: DataMember(Name = "latitude")] double Latitude,
    [property: DataMember(Name = "longitude")] double Longitude,
    [property: DataMember(Name = "accuracy")] double Accuracy,
    [property: DataMember(Name = "timestamp")] long Timestamp);

[DataContract]
public sealed record WireBatch(
    [property: DataMember(Name = "deviceId")] string? DeviceId,
    [property: DataMember(Name = "pings")] WirePing[] Pings);

public sealed record RegisterBody(string Email, string Password, string Username, string Name);

public sealed record LoginBody(string Email, string Password);

public sealed record RefreshBody(string RefreshToken);

public sealed record ZoneBody(string Title, double Latitude, double Longitude, double Radius, string NotificationOption);

public sealed record Envelope<T>(bool Success, T? Data);

public sealed record IdData(Guid Id);

public sealed record TokensData(string? AccessToken, string? RefreshToken, IdData? User);

/// <summary>What the users file keeps, so a later run reuses the users instead of registering new ones.</summary>
public sealed record SavedUser(string Email, string Password, Guid Id, string? RefreshToken, double HomeLatitude,
    double HomeLongitude, BenchZone[] Zones);

/// <summary>The users file. <see cref="Clock"/> is past every device timestamp a run has sent: the next run
/// starts there, so no ping of it is older than what the server already evaluated.</summary>
public sealed record UsersFile(string Api, long Clock, SavedUser[] Users);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, WriteIndented = false)]
[JsonSerializable(typeof(WireBatch))]
[JsonSerializable(typeof(RegisterBody))]
[JsonSerializable(typeof(LoginBody))]
[JsonSerializable(typeof(RefreshBody))]
[JsonSerializable(typeof(ZoneBody))]
[JsonSerializable(typeof(Envelope<IdData>), TypeInfoPropertyName = "EnvelopeId")]
[JsonSerializable(typeof(Envelope<TokensData>), TypeInfoPropertyName = "EnvelopeTokens")]
[JsonSerializable(typeof(UsersFile))]
internal sealed partial class WireJson : JsonSerializerContext;
