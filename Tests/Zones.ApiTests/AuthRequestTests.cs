using Zones.Api.Auth;

namespace Zones.ApiTests;

public sealed class AuthRequestTests
{
    [Fact]
    public void Valid_registration_is_read_with_a_normalized_email()
    {
        var registration = AuthRequests.ParseRegistration(Json.Parse(
            """{"email":" Ann@Example.COM ","password":"secret123","username":"ann_1.x","name":"Ann","extra":1}"""));
        Assert.Equal(("ann@example.com", "secret123", "ann_1.x", "Ann"),
            (registration.Email, registration.Password, registration.Username, registration.Name));
    }

    [Fact]
    public void Every_bad_registration_field_gets_its_own_detail()
    {
        var fields = Json.Fields(() => AuthRequests.ParseRegistration(Json.Parse(
            """{"email":"not-an-email","password":"short","username":"a b","name":""}""")));
        Assert.Equal(["email", "password", "username", "name"], fields);
    }

    [Fact]
    public void Missing_registration_fields_are_required()
    {
        var details = Json.ValidationDetails(() => AuthRequests.ParseRegistration(Json.Parse("{}")));
        Assert.Equal(["email: is required", "password: is required", "username: is required", "name: is required"], details);
    }

    [Theory]
    [InlineData("ab")]
    [InlineData("this_username_is_far_too_long_x")]
    [InlineData("dash-not-allowed")]
    public void Username_outside_the_rules_is_rejected(string username)
    {
        var fields = Json.Fields(() => AuthRequests.ParseRegistration(Json.Parse(
            $$"""{"email":"a@b.io","password":"12345678","username":"{{username}}","name":"A"}""")));
        Assert.Equal(["username"], fields);
    }

    [Fact]
    public void Password_longer_than_128_is_rejected()
    {
        var fields = Json.Fields(() => AuthRequests.ParseRegistration(Json.Parse(
            $$"""{"email":"a@b.io","password":"{{new string('x', 129)}}","username":"abc","name":"A"}""")));
        Assert.Equal(["password"], fields);
    }

    [Fact]
    public void A_number_where_a_string_belongs_is_a_type_error()
    {
        var details = Json.ValidationDetails(() => AuthRequests.ParseLogin(Json.Parse("""{"email":42,"password":"x"}""")));
        Assert.Equal(["email: must be a string"], details);
    }

    [Fact]
    public void Masked_email_keeps_first_letter_and_domain() => Assert.Equal("a***@example.com", AuthApi.MaskEmail("ann@example.com"));
}
