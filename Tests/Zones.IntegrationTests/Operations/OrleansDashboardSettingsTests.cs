using System.Net;
using Microsoft.Extensions.Configuration;
using Zones.Silo.Observability;

namespace Zones.IntegrationTests.Operations;

/// <summary>The Orleans dashboard is off unless configured, and then answers loopback and private networks only.</summary>
public sealed class OrleansDashboardSettingsTests
{
    [Fact]
    public void The_dashboard_is_off_when_nothing_is_configured()
    {
        var settings = OrleansDashboardSettings.From(new ConfigurationBuilder().Build());

        Assert.False(settings.Enabled);
        Assert.Equal("/dashboard", settings.Path);
    }

    [Theory]
    [InlineData("127.0.0.1", true)]
    [InlineData("::1", true)]
    [InlineData("10.2.3.4", true)]
    [InlineData("172.20.0.5", true)]
    [InlineData("192.168.1.10", true)]
    [InlineData("::ffff:10.0.0.7", true)]
    [InlineData("8.8.8.8", false)]
    [InlineData("172.32.0.1", false)]
    [InlineData("2001:db8::1", false)]
    public void Only_loopback_and_private_clients_may_open_it(string client, bool allowed)
    {
        var settings = new OrleansDashboardSettings { Enabled = true };

        Assert.Equal(allowed, settings.Allows(IPAddress.Parse(client)));
    }

    [Fact]
    public void An_operator_can_narrow_the_allowed_networks()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["OrleansDashboard:Enabled"] = "true",
            ["OrleansDashboard:AllowedNetworks:0"] = "10.8.0.0/16",
        }).Build();
        var settings = OrleansDashboardSettings.From(configuration);

        Assert.True(settings.Allows(IPAddress.Parse("10.8.1.1")));
        Assert.True(settings.Allows(IPAddress.Loopback));
        Assert.False(settings.Allows(IPAddress.Parse("10.9.1.1")));
    }
}
