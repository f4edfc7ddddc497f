namespace TaskManager.Tests.Support;

/// <summary>Categories a developer may leave out of a quick run: `scripts/test --filter "TestCategory!=Slow"`.</summary>
public static class TestCategories
{
    /// <summary>Tests that stop and start servers or worker processes, or wait out an outage (about 10 s to a minute each).</summary>
    public const string Slow = "Slow";
}
