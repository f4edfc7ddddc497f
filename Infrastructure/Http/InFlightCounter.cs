namespace TaskManager.Infrastructure.Http;

/// <summary>Work in progress in this process, counted per user and in all: one more past either limit is refused.
/// Per process by design: it bounds what the process holds (sockets, disk, memory).</summary>
public sealed class InFlightCounter
{
    private readonly Dictionary<long, int> perUser = [];
    private int total;

    public bool TryEnter(long userId, int userLimit, int totalLimit)
    {
        lock (perUser)
        {
            var mine = perUser.GetValueOrDefault(userId);
            if (mine >= userLimit || total >= totalLimit)
            {
                return false;
            }
            perUser[userId] = mine + 1;
            total++;
            return true;
        }
    }

    public void Exit(long userId)
    {
        lock (perUser)
        {
            total--;
            if (--perUser[userId] == 0)
            {
                perUser.Remove(userId);
            }
        }
    }
}
