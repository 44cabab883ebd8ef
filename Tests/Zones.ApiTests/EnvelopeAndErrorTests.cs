using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Orleans.Runtime;
using Zones.Api.Infrastructure;
using Zones.Errors;

namespace Zones.ApiTests;

public sealed class EnvelopeAndErrorTests
{
    [Fact]
    public void Success_envelope_puts_success_first_and_camel_cases_data()
    {
        var json = JsonSerializer.Serialize(new Envelope<object>(new { ZoneId = 1 }), ZonesJson.Options);
        Assert.Equal("""{"success":true,"data":{"zoneId":1}}""", json);
    }

    [Fact]
    public void Page_list_carries_page_limit_and_total_in_meta()
    {
        var json = JsonSerializer.Serialize(new PagedEnvelope<int>([1, 2], new PageMeta(2, 20, 22)), ZonesJson.Options);
        Assert.Equal("""{"success":true,"data":[1,2],"meta":{"page":2,"limit":20,"total":22}}""", json);
    }

    [Fact]
    public void Cursor_list_writes_a_null_next_cursor_at_the_end()
    {
        var json = JsonSerializer.Serialize(new CursorEnvelope<int>([], new CursorMeta(50, null)), ZonesJson.Options);
        Assert.Equal("""{"success":true,"data":[],"meta":{"limit":50,"nextCursor":null}}""", json);
    }

    [Fact]
    public void Error_envelope_has_code_message_details_and_request_id()
    {
        var error = new ErrorBody(ErrorCodes.Validation, "bad", [new ErrorDetail("pings[3].latitude", "must be between -90 and 90")]);
        var json = JsonSerializer.Serialize(new ErrorEnvelope(error, "req-1"), ZonesJson.Options);
        Assert.Equal(
            """{"success":false,"error":{"code":"VALIDATION_ERROR","message":"bad","details":[{"field":"pings[3].latitude","reason":"must be between -90 and 90"}]},"requestId":"req-1"}""",
            json);
    }

    [Fact]
    public void Error_envelope_leaves_details_out_when_there_are_none()
    {
        var json = JsonSerializer.Serialize(new ErrorEnvelope(new ErrorBody(ErrorCodes.NotFound, "gone"), "r"), ZonesJson.Options);
        Assert.DoesNotContain("details", json);
    }

    [Theory]
    [InlineData(ErrorCodes.Validation, 400)]
    [InlineData(ErrorCodes.Unauthorized, 401)]
    [InlineData(ErrorCodes.Forbidden, 403)]
    [InlineData(ErrorCodes.NotFound, 404)]
    [InlineData(ErrorCodes.Conflict, 409)]
    [InlineData(ErrorCodes.PayloadTooLarge, 413)]
    [InlineData(ErrorCodes.UnsupportedMediaType, 415)]
    [InlineData(ErrorCodes.RateLimited, 429)]
    [InlineData(ErrorCodes.Internal, 500)]
    [InlineData(ErrorCodes.Unavailable, 503)]
    public void Each_error_code_of_the_contract_answers_its_status(string code, int status) =>
        Assert.Equal(status, ApiErrors.StatusFor(code));

    [Fact]
    public void Grain_conflict_becomes_409_with_its_message()
    {
        var (status, error) = ApiErrors.FromException(new ConflictException("Email is taken"), isDevelopment: false);
        Assert.Equal(409, status);
        Assert.Equal(("CONFLICT", "Email is taken"), (error.Code, error.Message));
    }

    [Fact]
    public void Domain_validation_keeps_its_details()
    {
        var exception = new DomainValidationException("bad polygon", [new ErrorDetail("polygon", "must not self-intersect")]);
        var (status, error) = ApiErrors.FromException(exception, isDevelopment: false);
        Assert.Equal(400, status);
        Assert.Equal("polygon", Assert.Single(error.Details!).Field);
    }

    [Fact]
    public void Unexpected_exception_hides_its_message_outside_development()
    {
        var (status, error) = ApiErrors.FromException(new InvalidOperationException("connection string xyz"), isDevelopment: false);
        Assert.Equal(500, status);
        Assert.Equal("INTERNAL_ERROR", error.Code);
        Assert.DoesNotContain("xyz", error.Message);
    }

    [Fact]
    public void Unexpected_exception_shows_its_message_in_development()
    {
        var (_, error) = ApiErrors.FromException(new InvalidOperationException("boom"), isDevelopment: true);
        Assert.Contains("boom", error.Message);
    }

    [Fact]
    public void Silo_outage_and_timeouts_are_503_unavailable()
    {
        Assert.Equal(503, ApiErrors.FromException(new SiloUnavailableException("gone"), false).Status);
        Assert.Equal(503, ApiErrors.FromException(new TimeoutException(), false).Status);
        Assert.Equal("UNAVAILABLE", ApiErrors.FromException(new AggregateException(new TimeoutException()), false).Error.Code);
    }

    [Fact]
    public void An_unreachable_database_behind_a_silo_is_503_but_a_database_bug_is_500()
    {
        var refused = new Npgsql.NpgsqlException("Failed to connect", new System.Net.Sockets.SocketException(111));
        Assert.Equal(503, ApiErrors.FromException(refused, false).Status);
        Assert.Equal(500, ApiErrors.FromException(new Npgsql.NpgsqlException("syntax error"), false).Status);
    }

    [Fact]
    public void Kestrel_body_limit_becomes_413_payload_too_large()
    {
        var (status, error) = ApiErrors.FromException(new BadHttpRequestException("too large", 413), isDevelopment: false);
        Assert.Equal((413, "PAYLOAD_TOO_LARGE"), (status, error.Code));
    }

    [Theory]
    [InlineData(404, "NOT_FOUND")]
    [InlineData(405, "METHOD_NOT_ALLOWED")]
    [InlineData(415, "UNSUPPORTED_MEDIA_TYPE")]
    [InlineData(429, "RATE_LIMITED")]
    [InlineData(502, "INTERNAL_ERROR")]
    public void Bodyless_statuses_get_a_code(int status, string code) =>
        Assert.Equal(code, ApiErrors.ForStatus(status, "GET", "/x").Code);
}
