using System.ComponentModel.DataAnnotations;

namespace TaskManager.Features.Changes;

public sealed class ChangesOptions
{
    public const string Section = "Changes";

    /// <summary>Days a change is kept; an `after` older than what is kept answers 410.</summary>
    [Range(1, 3650)]
    public int RetentionDays { get; set; } = 30;

    /// <summary>Minutes between retention sweeps on workers.</summary>
    [Range(1, 1440)]
    public int RetentionIntervalMinutes { get; set; } = 60;

    /// <summary>Seconds between comment lines on a quiet stream, so proxies keep it open.</summary>
    [Range(0.05, 300)]
    public double HeartbeatSeconds { get; set; } = 15;

    /// <summary>Milliseconds between looks at the feed's head while streams wait; a commit reaches them within about this.</summary>
    [Range(20, 5_000)]
    public int WakePollMilliseconds { get; set; } = 200;

    /// <summary>Seconds a stream waits for a wake-up before it reads the feed anyway.</summary>
    [Range(0.05, 60)]
    public double PollSeconds { get; set; } = 5;

    /// <summary>Changes a stream reads at a time: all it holds for its client.</summary>
    [Range(1, 1000)]
    public int StreamBatchSize { get; set; } = 100;

    /// <summary>Events a caught-up stream may fall behind the instance's shared reads before it reads on its own again.</summary>
    [Range(1, 100_000)]
    public int StreamBufferSize { get; set; } = 1000;

    /// <summary>Seconds a client may take to accept one batch; a slower one is disconnected and resumes with Last-Event-ID.</summary>
    [Range(0.1, 3600)]
    public double SlowClientSeconds { get; set; } = 30;
}
