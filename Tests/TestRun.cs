using TaskManager.Tests.Support;

namespace TaskManager.Tests;

/// <summary>Starts the database server once for the whole run and cleans up after it.</summary>
[SetUpFixture]
public sealed class TestRun
{
    [OneTimeSetUp]
    public Task StartAsync() => TestDatabase.StartAsync();

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        await TaskManagerApp.DisposeSharedAsync();
        await TestRabbitMq.DeleteVirtualHostsAsync();
        await TestDatabase.StopAsync();
    }
}
