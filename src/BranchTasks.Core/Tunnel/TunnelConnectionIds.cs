using System.Collections.Concurrent;

namespace BranchTasks.Core.Tunnel;

/// <summary>
/// Connection ids the tunnel hands out in its own greetings, and the upstream connection each stands for once its
/// login has passed. Ids come from a range real servers do not reach in a developer's lifetime (they count up from
/// 1 per server start), and stay below 2^31 because some clients read the id as a signed 32-bit number.
/// </summary>
internal sealed class TunnelConnectionIds
{
    private const uint First = 0x6000_0000;
    private static int Next = (int)First;
    private readonly ConcurrentDictionary<uint, uint> _upstream = new();

    public static uint Allocate()
    {
        var next = (uint)Interlocked.Increment(ref Next);
        if (next >= int.MaxValue)
        {
            Interlocked.CompareExchange(ref Next, (int)First, (int)next);
            next = (uint)Interlocked.Increment(ref Next);
        }

        return next;
    }

    public void Register(uint local, uint upstream) => _upstream[local] = upstream;

    public void Release(uint local) => _upstream.TryRemove(local, out _);

    public uint? UpstreamOf(uint local) => _upstream.TryGetValue(local, out var upstream) ? upstream : null;
}
