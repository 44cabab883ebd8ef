namespace Zones.Accounts;

/// <summary>The silos' <c>Auth</c> configuration section.</summary>
public sealed class AccountsOptions
{
    public const string Section = "Auth";

    /// <summary>Accounts with these emails are made <c>admin</c> when they register or log in (also at a token refresh).
    /// Set on the silos, e.g. <c>Auth__AdminEmails__0=ops@example.com</c>. Removing an email does not demote.</summary>
    public string[] AdminEmails { get; set; } = [];

    /// <summary>How long a refresh token may wait to be redeemed; each redemption hands out a fresh one.</summary>
    public int RefreshTokenDays { get; set; } = 7;
}
