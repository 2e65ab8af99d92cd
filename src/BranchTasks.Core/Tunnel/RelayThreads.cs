using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;

namespace BranchTasks.Core.Tunnel;

/// <summary>
/// Threads for tunnel connections, each blocked in a socket call for as long as its connection lasts (hence not the
/// .NET thread pool), kept for reuse: starting two OS threads per connection added their cost to every connect,
/// which apps without connection pooling pay per request. A thread that has finished its work waits the idle
/// timeout for more before it exits.
/// </summary>
[SuppressMessage("Design", "CA1001", Justification = "One pool lives as long as the process; its threads exit on their own when idle.")]
internal sealed class RelayThreads
{
    private readonly TimeSpan _idleTimeout;
    private readonly BlockingCollection<Action> _handoff = new(new ConcurrentQueue<Action>());

    // Idle threads that no caller has claimed yet. A caller claims one by counting it down, then queues its work; an
    // idle thread leaves only after counting itself down the same way, so queued work always has a thread to take it.
    private int _idle;
    private int _threads;

    public RelayThreads(TimeSpan idleTimeout) => _idleTimeout = idleTimeout;

    /// <summary>The daemon's tunnels' threads.</summary>
    public static RelayThreads Shared { get; } = new(TimeSpan.FromSeconds(60));

    /// <summary>Threads alive, busy or idle.</summary>
    public int Threads => Volatile.Read(ref _threads);

    /// <summary>Threads waiting for work.</summary>
    public int Idle => Volatile.Read(ref _idle);

    /// <summary>Runs <paramref name="work"/> on an idle relay thread, or on a new one when none is idle.</summary>
    public void Run(Action work)
    {
        if (TryClaimIdle())
        {
            _handoff.Add(work);
            return;
        }

        Interlocked.Increment(ref _threads);
        new Thread(() => Serve(work)) { IsBackground = true, Name = "BranchTasks relay" }.Start();
    }

    private void Serve(Action work)
    {
        while (true)
        {
            try
            {
                work();
            }
            catch (Exception)
            {
                // The work handles its own failures; whatever escapes must not end the daemon.
            }

            Interlocked.Increment(ref _idle);
            Action? next;
            while (!_handoff.TryTake(out next, _idleTimeout))
            {
                if (TryClaimIdle())
                {
                    Interlocked.Decrement(ref _threads);
                    return;
                }
            }

            work = next;
        }
    }

    private bool TryClaimIdle()
    {
        var idle = Volatile.Read(ref _idle);
        while (idle > 0)
        {
            var seen = Interlocked.CompareExchange(ref _idle, idle - 1, idle);
            if (seen == idle)
            {
                return true;
            }

            idle = seen;
        }

        return false;
    }
}
