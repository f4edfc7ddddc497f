namespace TaskManager.Tests.Support;

/// <summary>Waits for something that happens asynchronously (a message consumed, an outbox drained).</summary>
public static class Eventually
{
    /// <summary>Reads until the value satisfies the condition or the time is up; returns the last value read.</summary>
    public static async Task<T> ReadAsync<T>(Func<Task<T>> read, Func<T, bool> done, TimeSpan? within = null)
    {
        var deadline = DateTime.UtcNow + (within ?? TimeSpan.FromSeconds(15));
        var value = await read();
        while (!done(value) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
            value = await read();
        }
        return value;
    }
}
