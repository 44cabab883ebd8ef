using System.Collections.Concurrent;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Zones.Api.Auth;

/// <summary>Validates each distinct access token once, then answers from memory until the token expires.</summary>
/// <remarks>A phone streaming pings sends the same token thousands of times; a full validation (base64, JSON,
/// HMAC-SHA256, claims) on every request is most of the edge's cost of a quiet ping. The cache key is the whole
/// token string, so a tampered token is a different key and is validated in full. Entries live no longer than the
/// token's own expiry, which the cache checks on every hit with the same clock skew; revocation is not the cache's
/// business (it runs after validation, in <c>OnTokenValidated</c>, on every request). The cache is bounded: when
/// full it is emptied, which costs only one validation per active token.</remarks>
public sealed class CachingTokenHandler(TimeProvider time, int capacity = CachingTokenHandler.DefaultCapacity) : JsonWebTokenHandler
{
    public const int DefaultCapacity = 100_000;

    readonly ConcurrentDictionary<string, Entry> _valid = new(StringComparer.Ordinal);

    sealed record Entry(TokenValidationResult Result, DateTime ValidToUtc, SecurityKey? Key, string? Issuer, string? Audience)
    {
        // The bearer handler clones its parameters for every request: compare what decides validity instead, so a
        // key rotation (new options, new key object) validates afresh.
        public bool ValidatedUnder(TokenValidationParameters parameters) =>
            ReferenceEquals(Key, parameters.IssuerSigningKey) && Issuer == parameters.ValidIssuer
            && Audience == parameters.ValidAudience;
    }

    /// <summary>How many validated tokens are held (for tests and diagnostics).</summary>
    public int Count => _valid.Count;

    public override async Task<TokenValidationResult> ValidateTokenAsync(string token, TokenValidationParameters validationParameters)
    {
        var now = time.GetUtcNow().UtcDateTime;
        if (_valid.TryGetValue(token, out var cached))
        {
            if (now < cached.ValidToUtc && cached.ValidatedUnder(validationParameters))
            {
                return cached.Result;
            }

            _valid.TryRemove(token, out _);
        }

        var result = await base.ValidateTokenAsync(token, validationParameters);
        if (result.IsValid && result.SecurityToken is JsonWebToken jwt && jwt.ValidTo != DateTime.MinValue)
        {
            if (_valid.Count >= capacity)
            {
                _valid.Clear();
            }

            _valid[token] = new Entry(result, jwt.ValidTo + validationParameters.ClockSkew,
                validationParameters.IssuerSigningKey, validationParameters.ValidIssuer, validationParameters.ValidAudience);
        }

        return result;
    }
}
