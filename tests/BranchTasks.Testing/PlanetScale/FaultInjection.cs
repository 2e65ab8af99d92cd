using System.Text.RegularExpressions;

namespace BranchTasks.Testing.PlanetScale;

/// <summary>
/// Queued forced responses. A request that matches a queued entry (method, and a regex searched in the path
/// relative to <see cref="PlanetScaleApiDouble.ApiUrl"/>, e.g. <c>/organizations/o/databases/d/branches</c>)
/// gets its response instead of being served, before authentication, and uses up one of its times. Entries
/// are tried in the order they were queued.
/// </summary>
public sealed class FaultInjection
{
    private readonly object _gate = new();
    private readonly List<Entry> _entries = [];

    /// <summary>How many forced responses are still queued, over all entries.</summary>
    public int Pending
    {
        get
        {
            lock (_gate)
            {
                return _entries.Sum(e => e.Remaining);
            }
        }
    }

    /// <param name="method">An HTTP method, or <c>*</c> for any.</param>
    /// <param name="pathPattern">A regex searched (not anchored unless it says so) in the path without <c>/v1</c> and query.</param>
    /// <param name="times">How many matching requests get <paramref name="response"/>.</param>
    public void Enqueue(string method, string pathPattern, FaultResponse response, int times = 1)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(times);
        var entry = new Entry(method, new Regex(pathPattern, RegexOptions.CultureInvariant), response, times);
        lock (_gate)
        {
            _entries.Add(entry);
        }
    }

    /// <summary>Shorthand for <see cref="Enqueue(string, string, FaultResponse, int)"/> with <see cref="FaultResponse.Of"/>.</summary>
    public void Enqueue(string method, string pathPattern, int statusCode, int times = 1) =>
        Enqueue(method, pathPattern, FaultResponse.Of(statusCode), times);

    public void Clear()
    {
        lock (_gate)
        {
            _entries.Clear();
        }
    }

    internal FaultResponse? TryTake(string method, string path)
    {
        lock (_gate)
        {
            foreach (var entry in _entries)
            {
                if ((entry.Method == "*" || string.Equals(entry.Method, method, StringComparison.OrdinalIgnoreCase)) && entry.Path.IsMatch(path))
                {
                    if (--entry.Remaining == 0)
                    {
                        _entries.Remove(entry);
                    }

                    return entry.Response;
                }
            }

            return null;
        }
    }

    private sealed class Entry(string method, Regex path, FaultResponse response, int remaining)
    {
        public string Method { get; } = method;

        public Regex Path { get; } = path;

        public FaultResponse Response { get; } = response;

        public int Remaining { get; set; } = remaining;
    }
}
