using System.Text;
using Microsoft.AspNetCore.Http;
using Zones.Api.Infrastructure;
using Zones.Errors;

namespace Zones.ApiTests;

public sealed class JsonBodyTests
{
    [Fact]
    public void Malformed_json_is_a_validation_error_naming_the_body()
    {
        var details = Json.ValidationDetails(() => JsonBody.ParseObject(Json.Utf8("""{"title": """)));
        Assert.StartsWith("body: is not valid JSON", Assert.Single(details));
    }

    [Theory]
    [InlineData("""{"latitude": NaN}""")]
    [InlineData("""{"latitude": Infinity}""")]
    public void NaN_and_infinity_literals_are_not_json(string body)
    {
        var details = Json.ValidationDetails(() => JsonBody.ParseObject(Json.Utf8(body)));
        Assert.StartsWith("body: is not valid JSON", Assert.Single(details));
    }

    [Theory]
    [InlineData("[]")]
    [InlineData("\"text\"")]
    public void A_body_that_is_not_an_object_is_rejected(string body) =>
        Assert.Equal(["body: must be a JSON object"], Json.ValidationDetails(() => JsonBody.ParseObject(Json.Utf8(body))));

    [Fact]
    public void An_empty_body_is_required() =>
        Assert.Equal(["body: is required"], Json.ValidationDetails(() => JsonBody.ParseObject(ReadOnlyMemory<byte>.Empty)));

    [Fact]
    public async Task A_body_that_is_not_json_is_415()
    {
        var context = new DefaultHttpContext();
        context.Request.ContentType = "text/plain";
        context.Request.Body = new MemoryStream("{}"u8.ToArray());

        var exception = await Assert.ThrowsAnyAsync<ZonesException>(() => JsonBody.ReadObjectAsync(context.Request));

        Assert.Equal(ErrorCodes.UnsupportedMediaType, exception.Code);
    }

    [Fact]
    public async Task A_body_over_one_mebibyte_is_413_even_without_a_content_length()
    {
        var context = new DefaultHttpContext();
        context.Request.ContentType = "application/json; charset=utf-8";
        context.Request.Body = new MemoryStream(Encoding.UTF8.GetBytes("{\"x\":\"" + new string('a', 1024 * 1024) + "\"}"));

        var exception = await Assert.ThrowsAnyAsync<ZonesException>(() => JsonBody.ReadObjectAsync(context.Request));

        Assert.Equal(ErrorCodes.PayloadTooLarge, exception.Code);
    }

    [Fact]
    public async Task A_json_body_with_charset_is_read()
    {
        var context = new DefaultHttpContext();
        context.Request.ContentType = "application/json; charset=utf-8";
        context.Request.Body = new MemoryStream("""{"a":1}"""u8.ToArray());

        var body = await JsonBody.ReadObjectAsync(context.Request);

        Assert.Equal(1, body.GetProperty("a").GetInt32());
    }

    [Fact]
    public void Numbers_sent_as_strings_are_type_errors()
    {
        var problems = new ValidationProblems();
        var fields = new JsonFields(Json.Parse("""{"n":"12"}"""), "x", problems);
        Assert.Null(fields.Double("n", required: true, 0, 100));
        Assert.Equal("x.n", Assert.Single(problems.Details).Field);
    }

    [Fact]
    public void A_number_too_large_for_a_double_is_not_infinity()
    {
        var problems = new ValidationProblems();
        Assert.Null(new JsonFields(Json.Parse("""{"n":1e400}"""), "", problems).Double("n", true, double.MinValue, double.MaxValue));
        Assert.Equal("must be a number", Assert.Single(problems.Details).Reason);
    }

    [Fact]
    public void Property_names_match_case_insensitively_like_web_defaults()
    {
        var problems = new ValidationProblems();
        Assert.Equal(5, new JsonFields(Json.Parse("""{"Latitude":5}"""), "", problems).Double("latitude", true, -90, 90));
        Assert.False(problems.Any);
    }

    [Fact]
    public void Null_counts_as_absent()
    {
        var problems = new ValidationProblems();
        var fields = new JsonFields(Json.Parse("""{"a":null}"""), "", problems);
        Assert.Null(fields.String("a", required: false, 0, 10));
        Assert.False(problems.Any);
        Assert.Null(fields.String("a", required: true, 0, 10));
        Assert.Equal("is required", Assert.Single(problems.Details).Reason);
    }
}
