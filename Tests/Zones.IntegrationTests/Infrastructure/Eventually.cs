namespace Zones.IntegrationTests.Infrastructure;

/// <summary>Waits for a condition instead of sleeping: polls until it holds or the timeout passes, then
/// fails with a message that says what it was waiting for.</summary>
public static class Eventually
{
    public static async Task<T> Until<T>(Func<Task<T>> probe, Func<T, bool> done, string waitingFor, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        while (true)
        {
            var value = await probe();
            if (done(value))
            {
                return value;
            }
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Timed out waiting for {waitingFor}; last value: {value}");
            }
            await Task.Delay(100);
        }
    }
}
