using Zones.Accounts;
using Zones.Errors;
using Zones.IntegrationTests.Infrastructure;
using Zones.Silo.Postgres;

namespace Zones.IntegrationTests;

/// <summary>Refresh-token rotation, families, revocation and profile changes in PostgreSQL.</summary>
public sealed class SessionStoreTests(PostgresDatabaseFixture db) : IClassFixture<PostgresDatabaseFixture>
{
    private static readonly long Day = (long)TimeSpan.FromDays(1).TotalMilliseconds;
    private readonly PostgresAccountStore _accounts = new(db.DataSource);

    private static RefreshTokenRecord Token(Guid userId, Guid familyId, long now, string? hash = null) =>
        new(Guid.NewGuid(), userId, hash ?? AccountsGrain.HashToken(Guid.NewGuid().ToString()), familyId, now + 7 * Day, now);

    private async Task<(Guid UserId, RefreshTokenRecord First)> SignedInAsync()
    {
        var userId = await TestData.CreateUserAsync(_accounts);
        var first = Token(userId, Guid.NewGuid(), TestData.Now);
        await _accounts.InsertRefreshTokenAsync(first);
        return (userId, first);
    }

    [Fact]
    public async Task A_token_rotates_once_and_its_successor_works()
    {
        var (userId, first) = await SignedInAsync();
        var second = Token(Guid.Empty, Guid.Empty, TestData.Now + 1);
        var third = Token(Guid.Empty, Guid.Empty, TestData.Now + 2);

        var rotated = await _accounts.RotateRefreshTokenAsync(first.TokenHash, second, TestData.Now + 1);
        var rotatedAgain = await _accounts.RotateRefreshTokenAsync(second.TokenHash, third, TestData.Now + 2);

        Assert.Equal((RefreshRotation.Rotated, userId), rotated);
        Assert.Equal((RefreshRotation.Rotated, userId), rotatedAgain);
        var family = await db.DataSource.ScalarAsync<long>(
            "SELECT count(DISTINCT family_id) FROM refresh_tokens WHERE user_id = @u", ("u", userId));
        Assert.Equal(1, family);
    }

    [Fact]
    public async Task Replaying_a_rotated_token_revokes_the_whole_family_but_not_other_sessions()
    {
        var (userId, first) = await SignedInAsync();
        var otherDevice = Token(userId, Guid.NewGuid(), TestData.Now);
        await _accounts.InsertRefreshTokenAsync(otherDevice);
        var second = Token(Guid.Empty, Guid.Empty, TestData.Now + 1);
        await _accounts.RotateRefreshTokenAsync(first.TokenHash, second, TestData.Now + 1);

        var replay = await _accounts.RotateRefreshTokenAsync(first.TokenHash, Token(Guid.Empty, Guid.Empty, TestData.Now + 2), TestData.Now + 2);
        var successorAfterReplay = await _accounts.RotateRefreshTokenAsync(
            second.TokenHash, Token(Guid.Empty, Guid.Empty, TestData.Now + 3), TestData.Now + 3);
        var otherDeviceAfterReplay = await _accounts.RotateRefreshTokenAsync(
            otherDevice.TokenHash, Token(Guid.Empty, Guid.Empty, TestData.Now + 4), TestData.Now + 4);

        Assert.Equal((RefreshRotation.Reused, userId), replay);
        Assert.Equal(RefreshRotation.Invalid, successorAfterReplay.Outcome);
        Assert.Equal(RefreshRotation.Rotated, otherDeviceAfterReplay.Outcome);
    }

    [Fact]
    public async Task Two_requests_racing_with_one_token_rotate_it_once()
    {
        var (_, first) = await SignedInAsync();

        var outcomes = await Task.WhenAll(Enumerable.Range(0, 4).Select(i =>
            _accounts.RotateRefreshTokenAsync(first.TokenHash, Token(Guid.Empty, Guid.Empty, TestData.Now + 1), TestData.Now + 1)));

        Assert.Single(outcomes, o => o.Outcome == RefreshRotation.Rotated);
        Assert.All(outcomes.Where(o => o.Outcome != RefreshRotation.Rotated), o => Assert.Equal(RefreshRotation.Reused, o.Outcome));
    }

    [Fact]
    public async Task An_expired_or_unknown_token_does_not_rotate()
    {
        var (_, first) = await SignedInAsync();

        var expired = await _accounts.RotateRefreshTokenAsync(first.TokenHash, Token(Guid.Empty, Guid.Empty, 0), first.ExpiresAt + 1);
        var unknown = await _accounts.RotateRefreshTokenAsync("00", Token(Guid.Empty, Guid.Empty, 0), TestData.Now);

        Assert.Equal(RefreshRotation.Invalid, expired.Outcome);
        Assert.Equal(RefreshRotation.Invalid, unknown.Outcome);
    }

    [Fact]
    public async Task Only_the_hash_of_a_token_is_stored()
    {
        var (userId, first) = await SignedInAsync();
        var stored = await db.DataSource.ScalarAsync<string>("SELECT token_hash FROM refresh_tokens WHERE user_id = @u", ("u", userId));
        Assert.Equal(64, stored.Length);
        Assert.Equal(first.TokenHash, stored);
    }

    [Fact]
    public async Task Logout_revokes_the_family_and_answers_its_user_once()
    {
        var (userId, first) = await SignedInAsync();

        var loggedOut = await _accounts.RevokeRefreshFamilyAsync(first.TokenHash, TestData.Now + 1);
        var again = await _accounts.RevokeRefreshFamilyAsync(first.TokenHash, TestData.Now + 2);
        var refresh = await _accounts.RotateRefreshTokenAsync(first.TokenHash, Token(Guid.Empty, Guid.Empty, 0), TestData.Now + 3);

        Assert.Equal(userId, loggedOut);
        Assert.Null(again);
        Assert.Equal(RefreshRotation.Invalid, refresh.Outcome);
    }

    [Fact]
    public async Task Deleting_an_account_ends_its_sessions_and_lists_the_revocation_but_keeps_the_row()
    {
        var (userId, first) = await SignedInAsync();
        var at = TestData.Now + 10;

        Assert.True(await _accounts.SoftDeleteAsync(userId, at));
        Assert.False(await _accounts.SoftDeleteAsync(userId, at + 1));

        Assert.Null(await _accounts.FindByIdAsync(userId));
        var refresh = await _accounts.RotateRefreshTokenAsync(first.TokenHash, Token(Guid.Empty, Guid.Empty, 0), at + 2);
        Assert.Equal(RefreshRotation.Invalid, refresh.Outcome);
        Assert.Contains(new AccessRevocation(userId, at), await _accounts.RecentAccessRevocationsAsync(at - 1000));
        Assert.Equal(1, await db.DataSource.ScalarAsync<long>("SELECT count(*) FROM users WHERE id = @u", ("u", userId)));
    }

    [Fact]
    public async Task Logging_out_everywhere_revokes_every_family_and_moves_the_revocation_forward()
    {
        var (userId, first) = await SignedInAsync();
        var second = Token(userId, Guid.NewGuid(), TestData.Now);
        await _accounts.InsertRefreshTokenAsync(second);

        Assert.True(await _accounts.RevokeAllSessionsAsync(userId, TestData.Now + 5));
        Assert.True(await _accounts.RevokeAllSessionsAsync(userId, TestData.Now + 9));

        var live = await db.DataSource.ScalarAsync<long>(
            "SELECT count(*) FROM refresh_tokens WHERE user_id = @u AND revoked_at IS NULL", ("u", userId));
        Assert.Equal(0, live);
        Assert.Contains(new AccessRevocation(userId, TestData.Now + 9), await _accounts.RecentAccessRevocationsAsync(TestData.Now));
    }

    [Fact]
    public async Task A_profile_change_writes_only_what_it_names_and_a_taken_username_is_a_conflict()
    {
        var userId = await TestData.CreateUserAsync(_accounts);
        var other = TestData.Account();
        await _accounts.CreateAsync(other);

        var withBio = await _accounts.UpdateProfileAsync(userId,
            new ProfileChanges("New Name", null, SetBio: true, "Hello", SetPhone: true, "+1 555", SetGender: false, null), TestData.Now + 1);
        var cleared = await _accounts.UpdateProfileAsync(userId,
            new ProfileChanges(null, null, SetBio: true, null, SetPhone: false, null, SetGender: false, null), TestData.Now + 2);
        var conflict = await Assert.ThrowsAsync<ConflictException>(() => _accounts.UpdateProfileAsync(userId,
            new ProfileChanges(null, other.Profile.Username.ToUpperInvariant(), false, null, false, null, false, null), TestData.Now + 3));

        Assert.Equal(("New Name", "Hello", "+1 555"), (withBio!.Name, withBio.Bio, withBio.Phone));
        Assert.Equal(("New Name", null, "+1 555"), (cleared!.Name, cleared.Bio, cleared.Phone));
        Assert.Equal(TestData.Now + 2, cleared.UpdatedAt);
        Assert.Equal("username", Assert.Single(conflict.Details).Field);
    }

    [Fact]
    public async Task Setting_a_profile_image_answers_the_url_it_replaced_and_a_deleted_account_gets_none()
    {
        var userId = await TestData.CreateUserAsync(_accounts);

        var first = await _accounts.SetProfileImageAsync(userId, "/api/v1/images/a.webp", TestData.Now + 1);
        var second = await _accounts.SetProfileImageAsync(userId, "/api/v1/images/b.webp", TestData.Now + 2);
        Assert.True(await _accounts.SoftDeleteAsync(userId, TestData.Now + 3));
        var afterDeletion = await _accounts.SetProfileImageAsync(userId, "/api/v1/images/c.webp", TestData.Now + 4);

        Assert.Equal(("/api/v1/images/a.webp", (string?)null), (first!.User.ProfileImageUrl, first.PreviousImageUrl));
        Assert.Equal(("/api/v1/images/b.webp", "/api/v1/images/a.webp"), (second!.User.ProfileImageUrl, second.PreviousImageUrl));
        Assert.Equal(TestData.Now + 2, second.User.UpdatedAt);
        Assert.Null(afterDeletion);
        Assert.Equal("/api/v1/images/b.webp", await db.DataSource.ScalarAsync<string>(
            "SELECT profile_image_url FROM users WHERE id = @u", ("u", userId)));
    }
}
