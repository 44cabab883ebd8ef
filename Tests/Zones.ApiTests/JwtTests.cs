using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Zones.Accounts;
using Zones.Api.Auth;

namespace Zones.ApiTests;

public sealed class JwtTests
{
    private static readonly DateTimeOffset Now = DateTimeOffset.UtcNow;
    private static readonly UserProfile User = new(
        Guid.Parse("5E0C2B0A-8F0E-4C1B-9E2A-0F7B6C1D2E3F"), "ann@example.com", "ann", "Ann", null, null, null, null, 0, "user", 1, 1);

    private static JwtOptions Options(string key = "a-test-signing-key-that-is-long-enough") => new() { SigningKey = key };

    [Fact]
    public async Task Issued_token_validates_and_names_the_user_in_sub_as_a_lowercase_guid()
    {
        var tokens = new TokenService(Microsoft.Extensions.Options.Options.Create(Options()), new FixedTime(Now)).Issue(User);

        var result = await new JsonWebTokenHandler { MapInboundClaims = false }
            .ValidateTokenAsync(tokens.AccessToken, TokenService.ValidationParameters(Options()));

        Assert.True(result.IsValid, result.Exception?.Message);
        Assert.Equal("5e0c2b0a-8f0e-4c1b-9e2a-0f7b6c1d2e3f", result.Claims["sub"]);
        Assert.Equal("ann@example.com", result.Claims["email"]);
        Assert.Equal("ann", result.Claims["username"]);
        Assert.Equal("user", result.Claims["role"]);
    }

    [Fact]
    public void Access_token_lives_fifteen_minutes_and_says_so_in_seconds()
    {
        var tokens = new TokenService(Microsoft.Extensions.Options.Options.Create(Options()), new FixedTime(Now)).Issue(User);
        var token = new JsonWebToken(tokens.AccessToken);

        Assert.Equal(900, tokens.ExpiresIn);
        Assert.Equal(TimeSpan.FromMinutes(15), token.ValidTo - token.IssuedAt);
        Assert.Equal("HS256", token.Alg);
    }

    [Fact]
    public async Task Token_signed_with_another_key_is_rejected()
    {
        var tokens = new TokenService(Microsoft.Extensions.Options.Options.Create(Options("another-signing-key-also-32-chars-long")), new FixedTime(Now)).Issue(User);

        var result = await new JsonWebTokenHandler().ValidateTokenAsync(tokens.AccessToken, TokenService.ValidationParameters(Options()));

        Assert.False(result.IsValid);
    }

    [Fact]
    public async Task Expired_token_is_rejected()
    {
        var issuedLongAgo = new FixedTime(DateTimeOffset.UtcNow.AddMinutes(-20));
        var tokens = new TokenService(Microsoft.Extensions.Options.Options.Create(Options()), issuedLongAgo).Issue(User);

        var result = await new JsonWebTokenHandler().ValidateTokenAsync(tokens.AccessToken, TokenService.ValidationParameters(Options()));

        Assert.False(result.IsValid);
        Assert.IsType<Microsoft.IdentityModel.Tokens.SecurityTokenExpiredException>(result.Exception);
    }

    [Theory]
    [InlineData("")]
    [InlineData("too-short-key")]
    public void A_missing_or_short_signing_key_fails_with_a_message_naming_the_key(string key)
    {
        var result = new JwtOptionsValidator().Validate(null, Options(key));
        Assert.True(result.Failed);
        Assert.Contains("Jwt:SigningKey", result.FailureMessage);
    }

    [Fact]
    public void The_app_refuses_to_start_without_a_signing_key()
    {
        var app = Zones.Api.ZonesApiApp.Build(["--Jwt:SigningKey=", "--Orleans:UseExternalClient=true"]);
        var exception = Assert.Throws<OptionsValidationException>(() => app.Services.GetRequiredService<IOptions<JwtOptions>>().Value);
        Assert.Contains("Jwt:SigningKey", exception.Message);
    }
}
