using Microsoft.Extensions.Logging;
using NUnit.Framework.Interfaces;

[assembly: TaskManager.Tests.Support.PrintServiceLogOnFailure]

namespace TaskManager.Tests.Support;

/// <summary>Where the applications under test log: a file (TestResults/service.log beside the test binaries) instead
/// of the console, so a run's console shows test results; a failing test prints what was logged while it ran.</summary>
public sealed class TestLog : ILoggerProvider
{
    public static readonly TestLog Instance = new();

    // The lines a failing test prints are the last ones, never more than this many.
    private const int Kept = 400;

    private readonly Lock gate = new();
    private readonly Queue<string> recent = new();
    private readonly StreamWriter file;
    private long written;

    private TestLog()
    {
        var path = Path.Combine(AppContext.BaseDirectory, "TestResults", "service.log");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        file = new StreamWriter(path, append: false) { AutoFlush = true };
        FilePath = path;
    }

    public string FilePath { get; }

    /// <summary>How many lines have been logged so far: a test notes it when it starts.</summary>
    public long Mark
    {
        get
        {
            lock (gate)
            {
                return written;
            }
        }
    }

    /// <summary>The lines logged since <paramref name="mark"/> (at most the last few hundred).</summary>
    public IReadOnlyList<string> Since(long mark)
    {
        lock (gate)
        {
            var count = (int)Math.Min(written - mark, recent.Count);
            return recent.Skip(recent.Count - count).ToList();
        }
    }

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    private void Write(string line)
    {
        lock (gate)
        {
            file.WriteLine(line);
            recent.Enqueue(line);
            if (recent.Count > Kept)
            {
                recent.Dequeue();
            }
            written++;
        }
    }

    private sealed class Logger(TestLog log, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var text = $"{DateTime.UtcNow:HH:mm:ss.fff} {logLevel,-11} {category}: {formatter(state, exception)}";
            log.Write(exception is null ? text : $"{text}\n    {exception.GetType().Name}: {exception.Message}");
        }
    }
}

/// <summary>Prints the service's log lines of a test that failed, after its result.</summary>
[AttributeUsage(AttributeTargets.Assembly)]
public sealed class PrintServiceLogOnFailureAttribute : Attribute, ITestAction
{
    private long mark;

    public ActionTargets Targets => ActionTargets.Test;

    public void BeforeTest(ITest test) => mark = TestLog.Instance.Mark;

    public void AfterTest(ITest test)
    {
        if (TestContext.CurrentContext.Result.Outcome.Status != TestStatus.Failed)
        {
            return;
        }
        var lines = TestLog.Instance.Since(mark);
        TestContext.Out.WriteLine($"The service logged {lines.Count} line(s) during this test (the last ones; all of them: {TestLog.Instance.FilePath}):");
        foreach (var line in lines)
        {
            TestContext.Out.WriteLine(line);
        }
    }
}
